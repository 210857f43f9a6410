"""Threading, safely: only what the desk signed names a ticket, and only a participant's mail
is added to it. Everyone else's is held for an agent; a ticket number in a subject is never
trusted."""

from __future__ import annotations

import pytest

from frontdesk.accounts.models import User
from frontdesk.mail.addresses import make_message_id, reply_address, thread_root_id
from frontdesk.mail.models import InboundMail
from frontdesk.tickets import services
from frontdesk.tickets.models import Message, MessageKind, Status, Ticket
from tests.mail.eml import eml, receive, support_desk  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("support_desk")]

Held = InboundMail.Status.HELD
Imported = InboundMail.Status.IMPORTED


def _messages(ticket: Ticket) -> list[Message]:
    return list(ticket.messages.order_by("id"))


def test_a_reply_to_the_signed_reply_address_lands_on_the_ticket(
    ticket: Ticket, customer: User
) -> None:
    raw = eml(
        "reply_signed_address.eml",
        reply_address=reply_address(ticket.pk, customer.pk),
        ticket_number=ticket.number,
    )
    inbound = receive(raw)
    assert inbound.status == Imported, inbound.reason
    assert inbound.ticket_id == ticket.pk
    assert "reply address" in inbound.reason
    reply = _messages(ticket)[-1]
    assert inbound.message_id == reply.pk
    assert reply.author == customer  # From's case does not matter
    assert reply.kind == MessageKind.PUBLIC
    assert reply.body.startswith("It is working again, thank you!")
    assert "> We sent someone round." in reply.body  # the quote is kept, folded on the page
    assert Ticket.objects.count() == 1


def test_a_reply_by_signed_message_id_from_the_requester_lands(
    ticket: Ticket, customer: User
) -> None:
    raw = eml(
        "reply_non_participant.eml",
        message_id=make_message_id(ticket.pk, customer.pk),
        ticket_number=ticket.number,
    ).replace(b"stranger@elsewhere.example", b"john@example.com")
    inbound = receive(raw)
    assert inbound.status == Imported
    assert "Message-ID" in inbound.reason
    assert _messages(ticket)[-1].body == "I am the landlord; the heating is fine."


def test_the_thread_root_in_references_is_enough(ticket: Ticket, customer: User) -> None:
    raw = eml("reply_non_participant.eml", message_id=thread_root_id(ticket.pk), ticket_number="x")
    raw = raw.replace(b"stranger@elsewhere.example", b"john@example.com")
    assert receive(raw).status == Imported


def test_a_customers_reply_reopens_a_closed_ticket(
    ticket: Ticket, customer: User, agent: User
) -> None:
    services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.CLOSED)
    raw = eml(
        "reply_signed_address.eml",
        reply_address=reply_address(ticket.pk, customer.pk),
        ticket_number=ticket.number,
    )
    assert receive(raw).status == Imported
    ticket.refresh_from_db()
    assert ticket.status == Status.REOPENED
    system = [m for m in _messages(ticket) if m.kind == MessageKind.SYSTEM]
    assert system and "reopened" in system[-1].body.lower()


def test_an_agent_replying_by_mail_answers_as_themselves(ticket: Ticket, agent: User) -> None:
    raw = eml(
        "reply_signed_address.eml",
        reply_address=reply_address(ticket.pk, agent.pk),
        ticket_number=ticket.number,
    ).replace(b"John@Example.com", b"alice@example.com")
    assert receive(raw).status == Imported
    reply = _messages(ticket)[-1]
    assert reply.author == agent and reply.kind == MessageKind.PUBLIC
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None


def test_a_message_id_reply_from_a_non_participant_is_held(ticket: Ticket, customer: User) -> None:
    before = _messages(ticket)
    raw = eml(
        "reply_non_participant.eml",
        message_id=make_message_id(ticket.pk, customer.pk),
        ticket_number=ticket.number,
    )
    inbound = receive(raw)
    assert inbound.status == Held
    assert inbound.ticket_id == ticket.pk
    assert "stranger@elsewhere.example is not a participant" in inbound.reason
    assert _messages(ticket) == before
    assert not User.objects.filter(email="stranger@elsewhere.example").exists()


def test_a_reply_address_forwarded_to_someone_else_is_held(
    ticket: Ticket, customer: User, other_customer: User
) -> None:
    raw = eml(
        "reply_signed_address.eml",
        reply_address=reply_address(ticket.pk, customer.pk),
        ticket_number=ticket.number,
    ).replace(b"John@Example.com", b"jane@example.com")
    inbound = receive(raw)
    assert inbound.status == Held
    assert inbound.ticket_id == ticket.pk
    assert len(_messages(ticket)) == 1


def test_a_forged_reply_address_does_not_thread(ticket: Ticket, customer: User) -> None:
    real = reply_address(ticket.pk, customer.pk)
    forged = real[: real.index("-") + 1] + "0" * 20 + real[real.index("@") :]
    raw = eml("reply_signed_address.eml", reply_address=forged, ticket_number=ticket.number)
    inbound = receive(raw)
    assert inbound.status == Imported
    assert inbound.ticket_id != ticket.pk  # a new ticket of John's, not a reply
    assert len(_messages(ticket)) == 1


def test_a_stolen_ticket_number_in_the_subject_never_appends(
    ticket: Ticket, customer: User
) -> None:
    raw = eml("stolen_ticket_number.eml", ticket_number=ticket.number, ticket_id=ticket.pk)
    inbound = receive(raw)
    assert inbound.status == Imported
    assert inbound.ticket_id != ticket.pk
    new = Ticket.objects.get(pk=inbound.ticket_id)
    assert new.requester.email == "mallory@evil.example"
    assert new.title == f"[{ticket.number}] Heating not working"
    assert len(_messages(ticket)) == 1  # the customer's ticket is untouched


def test_a_spoofed_display_name_gains_nothing() -> None:
    inbound = receive(eml("spoofed_from.eml"))
    assert inbound.status == Imported
    ticket = Ticket.objects.get(pk=inbound.ticket_id)
    stranger = ticket.requester
    assert stranger.email == "stranger@evil.example"
    assert stranger.username == "stranger"  # not "Support"
    assert stranger.role == "customer"


def test_a_look_alike_of_the_desks_address_is_held() -> None:
    inbound = receive(eml("lookalike.eml"))
    assert inbound.status == Held
    assert "imitates support@studio.example" in inbound.reason
    assert "(U+043E CYRILLIC SMALL LETTER O)" in inbound.reason  # what no reader can see
    assert not Ticket.objects.exists()


def test_a_look_alike_of_an_agents_address_is_held(agent: User) -> None:
    raw = eml("plain.eml").replace(b"maria.lopez@example.org", "\u0430lice@example.com".encode())
    inbound = receive(raw)
    assert inbound.status == Held
    assert "imitates alice@example.com" in inbound.reason


def test_an_agent_writing_to_support_without_a_ticket_is_held(agent: User) -> None:
    raw = eml("plain.eml").replace(b"maria.lopez@example.org", b"alice@example.com")
    inbound = receive(raw)
    assert inbound.status == Held
    assert "agent Alice" in inbound.reason
    assert not Ticket.objects.exists()


def test_a_reply_to_a_deleted_ticket_is_held(ticket: Ticket, customer: User, admin: User) -> None:
    address = reply_address(ticket.pk, customer.pk)
    services.ticket_delete(actor=admin, ticket_id=ticket.pk)
    inbound = receive(eml("reply_signed_address.eml", reply_address=address, ticket_number="x"))
    assert inbound.status == Held
    assert "no longer exists" in inbound.reason


def test_the_desks_own_address_as_sender_is_a_loop() -> None:
    raw = eml("plain.eml").replace(b"maria.lopez@example.org", b"support@studio.example")
    inbound = receive(raw)
    assert inbound.status == InboundMail.Status.IGNORED
    assert "loop" in inbound.reason
    assert not Ticket.objects.exists()


@pytest.mark.limits
def test_a_customer_over_the_open_ticket_cap_is_held_not_lost(
    customer: User, settings: object
) -> None:
    settings.FRONTDESK_MAX_OPEN_TICKETS = 1  # type: ignore[attr-defined]
    raw = eml("plain.eml").replace(b"maria.lopez@example.org", b"john@example.com")
    assert receive(raw).status == Imported
    second = receive(raw.replace(b"<plain-1@", b"<plain-2@"))
    assert second.status == Held
    assert "open tickets" in second.reason
    assert Ticket.objects.count() == 1


def test_a_reply_to_a_mail_about_no_ticket_opens_a_ticket() -> None:
    raw = eml("reply_non_participant.eml", message_id=make_message_id(0, 0), ticket_number="x")
    inbound = receive(raw)
    assert inbound.status == Imported
    assert inbound.reason.startswith("Opened TKT-")


# --- a merged ticket's thread goes on in the survivor (tickets/merging.py) ---------------------


def test_a_reply_to_a_merged_ticket_lands_in_the_survivor(
    ticket: Ticket, customer: User, agent: User
) -> None:
    from frontdesk.tickets.merging import tickets_merge

    survivor = services.ticket_open(
        actor=customer, title="Heating, again", body="Still cold."
    ).ticket
    tickets_merge(actor=agent, source_id=ticket.pk, target=survivor.pk)
    raw = eml(
        "reply_signed_address.eml",
        reply_address=reply_address(ticket.pk, customer.pk),
        ticket_number=ticket.number,
    )
    inbound = receive(raw)
    assert inbound.status == Imported, inbound.reason
    assert inbound.ticket_id == survivor.pk
    assert _messages(survivor)[-1].body.startswith("It is working again, thank you!")
    assert [m.kind for m in _messages(Ticket.objects.get(pk=ticket.pk))] == [MessageKind.SYSTEM]
    # By the merged ticket's Message-ID too, and the merged ticket stays closed.
    by_id = eml(
        "reply_non_participant.eml",
        message_id=make_message_id(ticket.pk, customer.pk),
        ticket_number="x",
    )
    by_id = by_id.replace(b"stranger@elsewhere.example", b"john@example.com")
    assert receive(by_id).ticket_id == survivor.pk
    assert Ticket.objects.get(pk=ticket.pk).status == Status.CLOSED


def test_a_reply_to_a_merged_ticket_of_another_customer_is_held(
    ticket: Ticket, customer: User, other_customer: User, agent: User
) -> None:
    from frontdesk.tickets.merging import tickets_merge

    survivor = services.ticket_open(
        actor=other_customer, title="Heating", body="Cold here too."
    ).ticket
    tickets_merge(actor=agent, source_id=ticket.pk, target=survivor.pk)
    raw = eml(
        "reply_signed_address.eml",
        reply_address=reply_address(ticket.pk, customer.pk),
        ticket_number=ticket.number,
    )
    inbound = receive(raw)
    assert inbound.status == Held
    assert inbound.ticket_id == survivor.pk
    assert f"merged into {survivor.number}, a ticket of another customer" in inbound.reason
    assert not Message.objects.filter(ticket=survivor, body__startswith="It is working").exists()
