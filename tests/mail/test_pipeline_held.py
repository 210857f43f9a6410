"""Held mail: agents accept or dismiss it (staff only, through mail/services.py), on their page
and in the admin; the ticket page folds a mail's quoted history."""

from __future__ import annotations

import pytest
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.accounts.services import user_set_active
from frontdesk.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from frontdesk.mail import services
from frontdesk.mail.addresses import make_message_id, reply_address
from frontdesk.mail.models import InboundMail
from frontdesk.tickets.models import Channel, MessageKind, Ticket
from tests.mail.eml import eml, receive, support_desk  # noqa: F401
from tests.web.conftest import html, signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("support_desk")]

Status = InboundMail.Status


def _held_reply(ticket: Ticket, customer: User, sender: bytes = b"") -> InboundMail:
    raw = eml(
        "reply_non_participant.eml",
        message_id=make_message_id(ticket.pk, customer.pk),
        ticket_number=ticket.number,
    )
    if sender:
        raw = raw.replace(b"stranger@elsewhere.example", sender).replace(b"<reply-2@", b"<reply-3@")
    inbound = receive(raw)
    assert inbound.status == Status.HELD
    return inbound


def test_accepting_a_strangers_reply_adds_an_internal_note_and_makes_the_customer(
    ticket: Ticket, customer: User, agent: User
) -> None:
    held = _held_reply(ticket, customer)
    accepted = services.held_mail_accept(actor=agent, inbound_id=held.pk)
    assert accepted.status == Status.IMPORTED
    assert accepted.decided_by == agent and accepted.decided_at is not None
    assert "accepted by Alice" in accepted.reason
    note = ticket.messages.order_by("id").last()
    assert note is not None and accepted.message_id == note.pk
    assert note.kind == MessageKind.INTERNAL and note.author == agent
    assert note.body.startswith("Mail from Stranger <stranger@elsewhere.example> (customer ")
    assert note.body.endswith("I am the landlord; the heating is fine.")
    stranger = User.objects.get(email="stranger@elsewhere.example")
    assert stranger.role == "customer" and not stranger.has_usable_password()


def test_accepting_a_held_reply_from_the_requester_posts_it_as_theirs(
    ticket: Ticket, customer: User, agent: User, settings: object
) -> None:
    # The requester writes from their address with a reply address made for someone else.
    raw = eml(
        "reply_signed_address.eml",
        reply_address=reply_address(ticket.pk, agent.pk),
        ticket_number=ticket.number,
    ).replace(b"John@Example.com", b"jane@example.com")
    held = receive(raw)
    assert held.status == Status.HELD
    User.objects.filter(email="jane@example.com").delete()  # nobody has that address (yet)
    customer.email = "jane@example.com"
    customer.save(update_fields=["email"])
    services.held_mail_accept(actor=agent, inbound_id=held.pk)
    reply = ticket.messages.order_by("id").last()
    assert reply is not None and reply.author == customer and reply.kind == MessageKind.PUBLIC


def test_accepting_held_mail_without_a_ticket_opens_one(agent: User) -> None:
    raw = eml("plain.eml").replace(b"maria.lopez@example.org", b"alice@example.com")
    held = receive(raw)  # an agent's mail answering no ticket
    with pytest.raises(InvalidInput, match="sent from an agent's address"):
        services.held_mail_accept(actor=agent, inbound_id=held.pk)
    held.refresh_from_db()
    assert held.status == Status.HELD

    other = receive(
        eml("plain.eml")
        .replace(b"maria.lopez@example.org", "\u0430lice@example.com".encode())
        .replace(b"<plain-1@", b"<plain-2@")
    )  # a look-alike: its address cannot become an account
    with pytest.raises(InvalidInput):
        services.held_mail_accept(actor=agent, inbound_id=other.pk)


@pytest.mark.limits
def test_a_held_mail_a_rule_refused_opens_its_ticket_when_accepted(
    agent: User, settings: object
) -> None:
    settings.FRONTDESK_MAX_OPEN_TICKETS = 1  # type: ignore[attr-defined]
    receive(eml("plain.eml"))
    held = receive(eml("plain.eml").replace(b"<plain-1@", b"<plain-2@"))
    assert held.status == Status.HELD
    settings.FRONTDESK_MAX_OPEN_TICKETS = 0  # type: ignore[attr-defined]
    accepted = services.held_mail_accept(actor=agent, inbound_id=held.pk)
    ticket = Ticket.objects.get(pk=accepted.ticket_id)
    assert ticket.channel == Channel.EMAIL
    assert ticket.requester.email == "maria.lopez@example.org"


def test_dismissing_keeps_the_mail_on_record(ticket: Ticket, customer: User, agent: User) -> None:
    held = _held_reply(ticket, customer)
    dismissed = services.held_mail_dismiss(actor=agent, inbound_id=held.pk)
    assert dismissed.status == Status.IGNORED
    assert dismissed.reason.startswith("Held, then dismissed by Alice.")
    assert dismissed.decided_by == agent
    assert ticket.messages.count() == 1
    with pytest.raises(Conflict):
        services.held_mail_accept(actor=agent, inbound_id=held.pk)
    again = receive(bytes(InboundMail.objects.get(pk=held.pk).raw))
    assert again.status == Status.HELD  # a dismissed mail is no duplicate of an import


def test_only_staff_decide(ticket: Ticket, customer: User) -> None:
    held = _held_reply(ticket, customer)
    for decide in (services.held_mail_accept, services.held_mail_dismiss):
        with pytest.raises(NotAllowed):
            decide(actor=customer, inbound_id=held.pk)
    with pytest.raises(NotAllowed):
        services.held_mails(actor=customer)
    held.refresh_from_db()
    assert held.status == Status.HELD


def test_an_unknown_mail_is_not_found(agent: User) -> None:
    with pytest.raises(NotFound):
        services.held_mail_accept(actor=agent, inbound_id=999_999)


# --- the page -----------------------------------------------------------------------------


def test_the_held_page_lists_and_decides(ticket: Ticket, customer: User, agent: User) -> None:
    first = _held_reply(ticket, customer)
    second = _held_reply(ticket, customer, sender=b"other@elsewhere.example")
    client = signed_in(agent)
    page = client.get("/mail/held")
    assert page.status_code == 200
    text = html(page)
    assert "Held mail" in text and 'href="/mail/held" aria-current="page"' in text
    assert text.count('class="card held-mail"') == 2
    assert "I am the landlord; the heating is fine." in text
    assert f"Accept: add to {ticket.number}" in text
    answer = client.post(f"/mail/held/{first.pk}/accept", follow=True)
    assert f"Mail {first.pk} accepted: it is on {ticket.number} now." in html(answer)
    answer = client.post(f"/mail/held/{second.pk}/dismiss", follow=True)
    assert "dismissed. It stays on record." in html(answer)
    assert "No held mail." in html(answer)
    twice = client.post(f"/mail/held/{first.pk}/accept", follow=True)
    assert "no longer held" in html(twice)


def test_the_held_page_is_for_staff(customer: User, ticket: Ticket) -> None:
    held = _held_reply(ticket, customer)
    client = signed_in(customer)
    assert client.get("/mail/held").status_code == 403
    assert client.post(f"/mail/held/{held.pk}/dismiss").status_code == 403
    assert 'href="/mail/held"' not in html(client.get("/home"))
    assert Client().get("/mail/held").status_code == 302  # to sign in


def test_decisions_need_post_and_csrf(agent: User, ticket: Ticket, customer: User) -> None:
    held = _held_reply(ticket, customer)
    client = signed_in(agent)
    assert client.get(f"/mail/held/{held.pk}/accept").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(agent)
    assert strict.post(f"/mail/held/{held.pk}/accept").status_code == 403
    held.refresh_from_db()
    assert held.status == Status.HELD


# --- the admin and the ticket page --------------------------------------------------------


def test_the_admin_lists_stored_mail_with_headers_and_raw(admin: User) -> None:
    inbound = receive(eml("plain.eml"))
    client = signed_in(admin)
    listing = client.get("/admin/mail/inboundmail/?status__exact=imported")
    assert listing.status_code == 200
    assert "maria.lopez@example.org" in html(listing)
    assert 'value="accept_held"' in html(listing) and 'value="dismiss_held"' in html(listing)
    detail = client.get(f"/admin/mail/inboundmail/{inbound.pk}/change/")
    assert detail.status_code == 200
    assert "<th>Message-ID</th><td>&lt;plain-1@mail.example.org&gt;</td>" in html(detail)
    raw = client.get(f"/admin/mail/inboundmail/{inbound.pk}/raw/")
    assert raw.status_code == 200 and raw["Content-Type"] == "message/rfc822"
    assert raw.content == eml("plain.eml")


def test_the_admin_actions_decide_through_the_services(
    admin: User, ticket: Ticket, customer: User
) -> None:
    held = _held_reply(ticket, customer)
    client = signed_in(admin)
    answer = client.post(
        "/admin/mail/inboundmail/",
        {"action": "dismiss_held", "_selected_action": [str(held.pk)]},
        follow=True,
    )
    assert "1 held mail dismissed." in html(answer)
    held.refresh_from_db()
    assert held.status == Status.IGNORED and held.decided_by == admin
    again = client.post(
        "/admin/mail/inboundmail/",
        {"action": "accept_held", "_selected_action": [str(held.pk)]},
        follow=True,
    )
    assert "no longer held" in html(again)


def test_the_ticket_page_folds_quoted_history(ticket: Ticket, customer: User) -> None:
    raw = eml(
        "reply_signed_address.eml",
        reply_address=reply_address(ticket.pk, customer.pk),
        ticket_number=ticket.number,
    )
    receive(raw)
    page = html(signed_in(customer).get(f"/ticket/{ticket.pk}"))
    assert (
        'It is working again, thank you!<details class="quoted"><summary>Show quoted text'
        "</summary>On Tue, 1 Dec 2026 at 10:00, Studio Support &lt;support@studio.example&gt; "
        "wrote:<br>&gt; We sent someone round."
    ) in page


def test_a_refusal_of_the_senders_is_shown_beside_the_mail(
    customer: User, agent: User, admin: User
) -> None:
    user_set_active(actor=admin, user=customer, active=False)
    held = receive(eml("plain.eml").replace(b"maria.lopez@example.org", b"john@example.com"))
    assert held.status == Status.HELD
    assert "(John) is deactivated" in held.reason
    with pytest.raises(InvalidInput, match="could not be added for its sender"):
        services.held_mail_accept(actor=agent, inbound_id=held.pk)
    page = signed_in(agent).post(f"/mail/held/{held.pk}/accept", follow=True)
    assert page.status_code == 200 and "could not be added for its sender" in html(page)
    held.refresh_from_db()
    assert held.status == Status.HELD
