"""tickets/access.py, the one definition of who sees what, checked for the whole cast: each
form of the rule (querysets, the gates, the check for a ticket in hand) gives the same
answer."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from frontdesk.accounts.models import User
from frontdesk.core.errors import NotVisible
from frontdesk.following.services import ticket_cc_add
from frontdesk.tickets import access, services
from frontdesk.tickets.models import Message, Ticket, TicketEvent
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db

CAST = ["admin", "agent", "other_agent", "customer", "other_customer"]
STAFF = {"admin", "agent", "other_agent"}


def _file() -> SimpleUploadedFile:
    return SimpleUploadedFile("plan.txt", b"Studio plan", "text/plain")


@pytest.fixture
def desk(customer: User, agent: User) -> tuple[Ticket, Message, Message]:
    ticket = open_ticket(customer, files=[_file()])
    reply = services.message_post(actor=agent, ticket_id=ticket.pk, body="We are on it now.")
    note = services.message_post(
        actor=agent,
        ticket_id=ticket.pk,
        body="Ask about the boiler.",
        internal=True,
        files=[_file()],
    )
    return ticket, reply, note


@pytest.mark.parametrize("who", CAST)
def test_every_form_of_the_rule_agrees(
    request: pytest.FixtureRequest, desk: tuple[Ticket, Message, Message], who: str
) -> None:
    ticket, reply, note = desk
    user = request.getfixturevalue(who)
    sees_ticket = who in STAFF or who == "customer"
    sees_note = who in STAFF

    assert access.may_see_ticket(user, ticket) is sees_ticket
    assert access.tickets_visible_to(user).filter(pk=ticket.pk).exists() is sees_ticket
    if sees_ticket:
        assert access.ticket_get(user=user, ticket_id=ticket.pk) == ticket
    else:
        with pytest.raises(NotVisible):
            access.ticket_get(user=user, ticket_id=ticket.pk)

    everywhere = set(access.messages_visible_to(user).filter(ticket=ticket))
    on_ticket = set(access.messages_on(user, ticket))
    assert everywhere == on_ticket
    assert (reply in on_ticket) is sees_ticket
    assert (note in on_ticket) is sees_note

    files = {attachment.message_id for attachment in access.attachments_visible_to(user)}
    assert (note.pk in files) is sees_note
    assert (ticket.messages.order_by("id").first().pk in files) is sees_ticket  # type: ignore[union-attr]
    assert access.events_visible_to(user).filter(ticket=ticket).exists() is (who in STAFF)
    include_internal, requester_id = access.search_scope(user)
    assert include_internal is (who in STAFF)
    assert requester_id == (None if who in STAFF else user.pk)


def test_a_customer_sees_what_they_requested_and_are_copied_on_through_every_path(
    customer: User, other_customer: User, agent: User
) -> None:
    """The customer's condition read directly on tickets and through the paths from
    messages, files and history (``via``) selects the same tickets: their own and the one
    they are copied on, not another customer's."""
    own = open_ticket(customer, files=[_file()])
    copied = open_ticket(other_customer, files=[_file()])
    ticket_cc_add(actor=other_customer, ticket_id=copied.pk, emails=[customer.email])
    hidden = open_ticket(other_customer, files=[_file()])
    tickets = (own, copied, hidden)
    for ticket in tickets:
        services.message_post(actor=agent, ticket_id=ticket.pk, body="We are on it now.")
        services.ticket_update(actor=agent, ticket_id=ticket.pk, changes={"priority": "high"})
    seen = {own.pk, copied.pk}

    assert {t.pk for t in tickets if access.may_see_ticket(customer, t)} == seen
    assert set(access.tickets_visible_to(customer).values_list("pk", flat=True)) == seen
    assert {message.ticket_id for message in access.messages_visible_to(customer)} == seen
    files = access.attachments_visible_to(customer)
    assert {attachment.message.ticket_id for attachment in files} == seen
    assert TicketEvent.objects.filter(ticket=hidden).exists()
    events = TicketEvent.objects.filter(access.ticket_condition(customer, "ticket__"))
    assert set(events.values_list("ticket_id", flat=True)) == seen
    assert not access.events_visible_to(customer).exists()  # the history is for staff
