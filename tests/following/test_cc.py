"""CC: the requester or an agent copies people on a ticket by address. They see the public
conversation (never an internal note or the history) and answer it, on the web and by mail,
and lose the ticket when removed; they are mailed the public replies, never the notes."""

from __future__ import annotations

import pytest
from django.test import Client

from frontdesk.accounts.models import Role, User
from frontdesk.core.errors import InvalidInput, NotAllowed, NotFound, NotVisible
from frontdesk.following.models import CcPerson
from frontdesk.following.selectors import cc_of, cc_people
from frontdesk.following.services import CC_MAX, ticket_cc_add, ticket_cc_remove
from frontdesk.mail.addresses import reply_address
from frontdesk.mail.models import InboundMail
from frontdesk.notifications import kinds
from frontdesk.tickets import access, services
from frontdesk.tickets.models import MessageKind, Ticket, TicketEvent
from tests.api.helpers import Api
from tests.conftest import make_user
from tests.mail.eml import eml, receive, support_desk  # noqa: F401
from tests.notifications.rows import outbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def copied(ticket: Ticket, customer: User, other_customer: User) -> User:
    """Jane, copied on John's ticket by John."""
    ticket_cc_add(actor=customer, ticket_id=ticket.pk, emails=[other_customer.email])
    return other_customer


def test_the_requester_copies_a_stranger_who_becomes_a_customer(
    ticket: Ticket, customer: User
) -> None:
    added = ticket_cc_add(
        actor=customer,
        ticket_id=ticket.pk,
        emails=[" Landlord@Example.org ", "landlord@example.org"],
    )
    assert [person.email for person in added] == ["landlord@example.org"]
    person = User.objects.get(email="landlord@example.org")
    assert person.role == Role.CUSTOMER
    assert cc_people(user=customer, ticket_id=ticket.pk) == [person]
    assert [e.email for e in cc_of(user=customer, ticket_id=ticket.pk)] == [person.email]
    event = TicketEvent.objects.get(ticket=ticket, field=TicketEvent.Field.CC)
    assert (event.old_value, event.new_value, event.staff_only) == ("", person.email, False)
    # Adding again changes nothing.
    assert ticket_cc_add(actor=customer, ticket_id=ticket.pk, emails=[person.email]) == []


@pytest.mark.parametrize(
    ("emails", "words"),
    [
        (["ok@example.org", "not an address"], "is not an email address"),
        (["", "  "], "at least one"),
        (["ok@example.org", "john@example.com"], "requester"),
        (["ok@example.org", "alice@example.com"], "agent"),
    ],
)
def test_bad_addresses_are_refused_naming_the_field(
    ticket: Ticket, customer: User, agent: User, emails: list[str], words: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        ticket_cc_add(actor=customer, ticket_id=ticket.pk, emails=emails)
    assert refused.value.field == "cc"
    assert words in refused.value.message
    assert not CcPerson.objects.exists()  # all or nothing
    assert not User.objects.filter(email="ok@example.org").exists()


def test_at_most_the_limit(ticket: Ticket, customer: User) -> None:
    ticket_cc_add(
        actor=customer, ticket_id=ticket.pk, emails=[f"p{n}@example.org" for n in range(CC_MAX)]
    )
    with pytest.raises(InvalidInput, match="at most"):
        ticket_cc_add(actor=customer, ticket_id=ticket.pk, emails=["one.more@example.org"])
    assert CcPerson.objects.filter(ticket=ticket).count() == CC_MAX


def test_who_may_change_the_cc(
    ticket: Ticket, copied: User, agent: User, other_customer: User
) -> None:
    stranger = make_user("Max")
    with pytest.raises(NotVisible):
        ticket_cc_add(actor=stranger, ticket_id=ticket.pk, emails=["x@example.org"])
    with pytest.raises(NotAllowed):  # a CC person sees the ticket but adds nobody
        ticket_cc_add(actor=copied, ticket_id=ticket.pk, emails=["x@example.org"])
    ticket_cc_add(actor=agent, ticket_id=ticket.pk, emails=["x@example.org"])
    with pytest.raises(NotFound):
        ticket_cc_remove(actor=agent, ticket_id=ticket.pk, person_id=stranger.pk)


def test_a_cc_person_sees_the_public_conversation_only(
    ticket: Ticket, copied: User, agent: User
) -> None:
    services.message_post(actor=agent, ticket_id=ticket.pk, body="On our way.")
    note = services.message_post(actor=agent, ticket_id=ticket.pk, body="Secret.", internal=True)
    assert access.tickets_visible_to(copied).filter(pk=ticket.pk).exists()
    assert access.ticket_get(user=copied, ticket_id=ticket.pk) == ticket
    bodies = list(access.messages_on(copied, ticket).values_list("body", flat=True))
    assert "On our way." in bodies and "Secret." not in bodies
    assert not access.messages_visible_to(copied).filter(pk=note.pk).exists()
    assert not access.events_visible_to(copied).exists()


def test_a_removed_cc_person_loses_the_ticket(ticket: Ticket, copied: User, customer: User) -> None:
    ticket_cc_remove(actor=customer, ticket_id=ticket.pk, person_id=copied.pk)
    assert not access.tickets_visible_to(copied).filter(pk=ticket.pk).exists()
    with pytest.raises(NotVisible):
        access.ticket_get(user=copied, ticket_id=ticket.pk)
    event = TicketEvent.objects.filter(ticket=ticket, field=TicketEvent.Field.CC).last()
    assert event is not None and (event.old_value, event.new_value) == (copied.email, "")


def test_a_cc_person_removes_themselves(ticket: Ticket, copied: User) -> None:
    ticket_cc_remove(actor=copied, ticket_id=ticket.pk, person_id=copied.pk)
    assert not CcPerson.objects.exists()


def test_a_cc_person_replies_on_the_web_as_themselves(
    ticket: Ticket, copied: User, agent: User
) -> None:
    services.ticket_assign(actor=agent, ticket_id=ticket.pk, assignee_id=agent.pk)
    before = len(outbox())
    message = services.message_post(actor=copied, ticket_id=ticket.pk, body="I live there too.")
    assert message.author == copied and message.kind == MessageKind.PUBLIC
    told = outbox()[before:]
    assert (kinds.CUSTOMER_REPLIED, "Alice") in told
    assert (kinds.PUBLIC_REPLY, "John") in told  # the requester hears of the CC's reply
    assert (kinds.PUBLIC_REPLY, "Jane") not in told  # not of one's own


# --- who is mailed what ------------------------------------------------------------------------


def test_public_replies_go_to_cc_notes_never(
    ticket: Ticket, copied: User, customer: User, agent: User, other_agent: User
) -> None:
    before = len(outbox())
    services.message_post(actor=agent, ticket_id=ticket.pk, body="A public answer.")
    assert sorted(outbox()[before:]) == [(kinds.PUBLIC_REPLY, "Jane"), (kinds.PUBLIC_REPLY, "John")]
    before = len(outbox())
    services.message_post(actor=agent, ticket_id=ticket.pk, body="@Bob internal.", internal=True)
    assert outbox()[before:] == [(kinds.MENTIONED, "Bob")]
    before = len(outbox())
    services.message_post(actor=customer, ticket_id=ticket.pk, body="From the requester.")
    assert (kinds.PUBLIC_REPLY, "Jane") in outbox()[before:]


def test_a_cc_person_is_not_told_of_status_changes(
    ticket: Ticket, copied: User, agent: User
) -> None:
    before = len(outbox())
    services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status="pending")
    assert outbox()[before:] == [(kinds.STATUS_CHANGED, "John")]


def test_the_cc_mail_reads_as_a_copy(ticket: Ticket, copied: User, agent: User) -> None:
    from frontdesk.notifications.models import OutboxMail
    from frontdesk.notifications.rendering import render

    services.message_post(actor=agent, ticket_id=ticket.pk, body="A public answer.")
    mail = OutboxMail.objects.get(recipient=copied)
    assert "copied on (CC)" in render(mail).text
    assert "A public answer." in render(mail).text


# --- replies by mail -------------------------------------------------------------------------


@pytest.mark.usefixtures("support_desk")
def test_a_cc_persons_mail_reply_lands_as_theirs(ticket: Ticket, copied: User) -> None:
    raw = eml(
        "reply_signed_address.eml",
        reply_address=reply_address(ticket.pk, copied.pk),
        ticket_number=ticket.number,
    ).replace(b"John Customer <John@Example.com>", b"Jane <jane@example.com>")
    inbound = receive(raw)
    assert inbound.status == InboundMail.Status.IMPORTED, inbound.reason
    reply = ticket.messages.order_by("id").last()
    assert reply is not None and reply.author == copied
    assert reply.body.startswith("It is working again")


@pytest.mark.usefixtures("support_desk")
def test_a_removed_cc_persons_mail_reply_is_held(
    ticket: Ticket, copied: User, customer: User
) -> None:
    address = reply_address(ticket.pk, copied.pk)
    ticket_cc_remove(actor=customer, ticket_id=ticket.pk, person_id=copied.pk)
    raw = eml("reply_signed_address.eml", reply_address=address, ticket_number=ticket.number)
    raw = raw.replace(b"John Customer <John@Example.com>", b"Jane <jane@example.com>")
    inbound = receive(raw)
    assert inbound.status == InboundMail.Status.HELD
    assert "not a participant" in inbound.reason
    assert ticket.messages.count() == 1


# --- every face follows the gate ---------------------------------------------------------------


def _browser(user: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_every_face_lets_a_cc_person_in_and_out(
    ticket: Ticket, copied: User, customer: User, agent: User
) -> None:
    services.message_post(actor=agent, ticket_id=ticket.pk, body="Secret note.", internal=True)
    page = _browser(copied).get(f"/ticket/{ticket.pk}")
    assert page.status_code == 200
    assert b"Secret note." not in page.content
    detail = Api(copied).get(f"/tickets/{ticket.pk}/")
    assert detail.status_code == 200
    comments = Api(copied).get("/comments/", ticket=ticket.pk)
    assert comments.status_code == 200 and "Secret note." not in comments.content.decode()
    assert ticket.pk in [row["id"] for row in Api(copied).get("/tickets/").json()["results"]]

    ticket_cc_remove(actor=customer, ticket_id=ticket.pk, person_id=copied.pk)
    assert _browser(copied).get(f"/ticket/{ticket.pk}").status_code == 404
    assert Api(copied).get(f"/tickets/{ticket.pk}/").status_code == 404
    assert ticket.pk not in [row["id"] for row in Api(copied).get("/tickets/").json()["results"]]


def test_a_cc_person_does_not_close_or_reopen(ticket: Ticket, copied: User, customer: User) -> None:
    with pytest.raises(NotAllowed):
        services.ticket_change_status(actor=copied, ticket_id=ticket.pk, status="closed")
    assert services.ticket_status_choices(actor=copied, ticket=ticket) == []
    assert _browser(copied).get(f"/ticket/{ticket.pk}").content.count(b"Close ticket") == 0
    assert b"Close ticket" in _browser(customer).get(f"/ticket/{ticket.pk}").content
    services.ticket_change_status(actor=customer, ticket_id=ticket.pk, status="closed")
