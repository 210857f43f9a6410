"""Saved replies' use cases, for the whole cast: agents keep personal replies, admins also
manage the shared ones, customers have none; using a reply applies its macro with the
message, all or nothing."""

from __future__ import annotations

import re
from functools import partial

import pytest

from frontdesk.accounts.models import User
from frontdesk.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from frontdesk.replies import selectors, services
from frontdesk.replies.models import SavedReply
from frontdesk.tickets import services as tickets
from frontdesk.tickets.models import Message, Status, Ticket, TicketEvent
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db

BODY = "Hello {{ customer.first_name }}, thanks for writing about {{ ticket.number }}."


def _personal(owner: User, name: str = "Thanks", *, body: str = BODY, **fields: str) -> SavedReply:
    return services.saved_reply_create(actor=owner, name=name, body=body, **fields)


def _shared(
    admin: User, name: str = "Refund policy", *, body: str = BODY, **fields: str
) -> SavedReply:
    return services.saved_reply_create(actor=admin, name=name, body=body, shared=True, **fields)


# --- who may do what ------------------------------------------------------------------------


def test_an_agent_keeps_personal_replies_only_they_see(agent: User, other_agent: User) -> None:
    reply = _personal(agent, shortcut="/Thanks")
    assert (reply.owner, reply.shared, reply.shortcut) == (agent, False, "thanks")
    assert list(selectors.saved_replies_search(user=agent)) == [reply]
    assert list(selectors.saved_replies_search(user=other_agent)) == []
    with pytest.raises(NotFound):
        selectors.saved_reply_get(user=other_agent, reply_id=reply.pk)
    with pytest.raises(NotFound):
        services.saved_reply_update(
            actor=other_agent, reply_id=reply.pk, changes={"name": "Mine now"}
        )
    with pytest.raises(NotFound):
        services.saved_reply_delete(actor=other_agent, reply_id=reply.pk)
    services.saved_reply_update(actor=agent, reply_id=reply.pk, changes={"name": "Thank you"})
    services.saved_reply_delete(actor=agent, reply_id=reply.pk)
    assert not SavedReply.objects.exists()


def test_an_admin_does_not_see_an_agents_personal_replies(agent: User, admin: User) -> None:
    reply = _personal(agent)
    with pytest.raises(NotFound):
        services.saved_reply_delete(actor=admin, reply_id=reply.pk)


def test_shared_replies_are_used_by_every_agent_and_changed_by_admins_only(
    admin: User, agent: User, other_agent: User
) -> None:
    reply = _shared(admin)
    assert reply.owner is None and reply.shared
    for user in (agent, other_agent, admin):
        assert list(selectors.saved_replies_search(user=user)) == [reply]
    with pytest.raises(NotAllowed):
        services.saved_reply_update(actor=agent, reply_id=reply.pk, changes={"body": "Mine."})
    with pytest.raises(NotAllowed):
        services.saved_reply_delete(actor=agent, reply_id=reply.pk)
    with pytest.raises(NotAllowed):
        services.saved_reply_create(actor=agent, name="Ours", body="Hello.", shared=True)
    services.saved_reply_update(actor=admin, reply_id=reply.pk, changes={"body": "Updated."})
    reply.refresh_from_db()
    assert reply.body == "Updated."
    services.saved_reply_delete(actor=admin, reply_id=reply.pk)


def test_only_admins_share_or_unshare(admin: User, agent: User) -> None:
    mine = _personal(agent)
    with pytest.raises(NotAllowed):
        services.saved_reply_update(actor=agent, reply_id=mine.pk, changes={"shared": True})
    own = _personal(admin, "Admin's own")
    shared = services.saved_reply_update(actor=admin, reply_id=own.pk, changes={"shared": True})
    assert shared.owner is None
    back = services.saved_reply_update(actor=admin, reply_id=own.pk, changes={"shared": False})
    assert back.owner == admin


def test_customers_have_no_saved_replies(admin: User, customer: User) -> None:
    reply = _shared(admin)
    ticket = open_ticket(customer)
    for attempt in (
        lambda: selectors.saved_replies_search(user=customer),
        lambda: selectors.saved_reply_get(user=customer, reply_id=reply.pk),
        lambda: selectors.saved_reply_render(user=customer, reply_id=reply.pk, ticket_id=ticket.pk),
        lambda: services.saved_reply_create(actor=customer, name="Mine", body="Hello there."),
        lambda: services.saved_reply_update(
            actor=customer, reply_id=reply.pk, changes={"name": "x"}
        ),
        lambda: services.saved_reply_delete(actor=customer, reply_id=reply.pk),
        lambda: services.saved_reply_apply(actor=customer, ticket_id=ticket.pk, reply_id=reply.pk),
        lambda: services.saved_reply_send(actor=customer, ticket_id=ticket.pk, reply_id=reply.pk),
    ):
        with pytest.raises(NotAllowed, match=r"Saved replies are for agents\."):
            attempt()
    assert list(selectors.saved_replies_for(customer)) == []


# --- what a reply may hold ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"name": "   "}, "name", "Give the saved reply a name."),
        ({"name": "x" * 101}, "name", "at most 100"),
        ({"body": " \n "}, "body", "Write the text"),
        ({"body": "x" * 10_001}, "body", "at most 10,000"),
        ({"body": "Hi\x00there"}, "body", "cannot be stored"),
        ({"body": "Key: {{ settings.SECRET_KEY }}"}, "body", "{{ customer.first_name }}"),
        ({"body": "{{customer.password}}"}, "body", "is not a placeholder"),
        ({"shortcut": "two words"}, "shortcut", "one word"),
        ({"set_status": "new"}, "set_status", "Unknown status"),
        ({"set_status": "sleeping"}, "set_status", "Unknown status"),
        ({"add_tag": "Ünïcode!"}, "add_tag", "is not valid"),
        ({"owner": 3}, "owner", "cannot be set"),
    ],
)
def test_what_a_reply_may_hold(agent: User, fields: dict[str, str], field: str, words: str) -> None:
    details = {"name": "Thanks", "body": "Thank you!", **fields}
    reply = _personal(agent, "Existing")
    if "owner" in fields:
        attempt = partial(services.saved_reply_update, reply_id=reply.pk, changes=fields)
    else:
        attempt = partial(services.saved_reply_create, **details)
    with pytest.raises(InvalidInput, match=re.escape(words)) as err:
        attempt(actor=agent)
    assert err.value.field == field


def test_template_syntax_that_is_not_a_placeholder_is_kept_as_text(agent: User) -> None:
    body = "Use {% if %} and { { x } } and {{ agent.name }} freely."
    assert _personal(agent, body=body).body == body


def test_names_are_unique_per_owner_and_among_shared(
    admin: User, agent: User, other_agent: User
) -> None:
    _personal(agent, "Thanks")
    with pytest.raises(InvalidInput, match="already"):
        _personal(agent, "THANKS")
    _personal(other_agent, "Thanks")  # another agent's own list
    _shared(admin, "Thanks")  # the shared list
    with pytest.raises(InvalidInput, match="already a shared reply"):
        _shared(admin, "thanks")


def test_a_name_taken_at_the_same_moment_is_a_conflict(
    agent: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    _personal(agent, "Thanks")
    monkeypatch.setattr(services, "_check_name_free", lambda *args, **kwargs: None)
    with pytest.raises(Conflict):
        _personal(agent, "Thanks")


def test_search_finds_by_name_shortcut_and_text_best_first(admin: User, agent: User) -> None:
    refund = _shared(admin, "Refund policy", shortcut="refund")
    booking = _personal(agent, "Class booking", shortcut="book")
    _personal(agent, "Closing", body="We refund within 14 days.")

    def names(text: str) -> list[str]:
        return [r.name for r in selectors.saved_replies_search(user=agent, text=text)]

    assert names("refund") == ["Refund policy", "Closing"]
    assert names("BOOK") == ["Class booking"]
    assert names("") == ["Class booking", "Closing", "Refund policy"]
    assert names("nothing-like-this") == []
    assert {refund.pk, booking.pk} <= {r.pk for r in selectors.saved_replies_search(user=agent)}


# --- using a reply ----------------------------------------------------------------------------


def test_rendering_reads_the_ticket_through_the_gate(
    agent: User, admin: User, customer: User
) -> None:
    ticket = open_ticket(customer, "Friday salsa class")
    reply = _shared(
        admin, body="Hi {{ customer.name }}, {{ agent.first_name }} here about {{ ticket.title }}."
    )
    rendered = selectors.saved_reply_render(user=agent, reply_id=reply.pk, ticket_id=ticket.pk)
    assert rendered.text == "Hi John, Alice here about Friday salsa class."
    with pytest.raises(NotFound):
        selectors.saved_reply_render(user=agent, reply_id=reply.pk, ticket_id=ticket.pk + 99)


def test_sending_applies_the_macro_through_the_ticket_use_cases(
    agent: User, admin: User, customer: User
) -> None:
    ticket = open_ticket(customer)
    reply = _shared(admin, set_status="pending", add_tag="refund")
    message, applied = services.saved_reply_send(
        actor=agent, ticket_id=ticket.pk, reply_id=reply.pk
    )
    assert message.body == f"Hello John, thanks for writing about {ticket.number}."
    assert applied.changes == ["tag “refund” added", "status set to Pending"]
    assert applied.summary == (
        "Saved reply “Refund policy”: tag “refund” added, status set to Pending."
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING
    assert list(ticket.tags.values_list("name", flat=True)) == ["refund"]
    fields = list(TicketEvent.objects.filter(ticket=ticket).values_list("field", flat=True))
    assert {"tags", "status"} <= set(fields)


def test_what_is_already_so_is_left_alone(agent: User, admin: User, customer: User) -> None:
    ticket = open_ticket(customer, staff=agent, tags=["refund"])
    tickets.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.PENDING)
    reply = _shared(admin, set_status="pending", add_tag="refund")
    applied = services.saved_reply_apply(actor=agent, ticket_id=ticket.pk, reply_id=reply.pk)
    assert applied.changes == [] and applied.summary == ""


def test_a_refused_change_takes_the_message_back(agent: User, admin: User, customer: User) -> None:
    ticket = open_ticket(customer)
    tickets.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.CLOSED)
    reply = _shared(admin, set_status="pending")
    before = Message.objects.count()
    with pytest.raises(InvalidInput, match="Saved reply “Refund policy”: A ticket that is closed"):
        services.saved_reply_send(
            actor=agent,
            ticket_id=ticket.pk,
            reply_id=reply.pk,
            body="A note for the team.",
            internal=True,
        )
    assert Message.objects.count() == before
    assert Ticket.objects.get(pk=ticket.pk).status == Status.CLOSED


def test_without_a_reply_only_the_message_is_sent(agent: User, customer: User) -> None:
    ticket = open_ticket(customer)
    sent, applied = services.saved_reply_use(
        actor=agent, ticket_id=ticket.pk, reply_id=None, send=lambda: "sent"
    )
    assert (sent, applied) == ("sent", None)
