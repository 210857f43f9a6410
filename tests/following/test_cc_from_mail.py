"""FRONTDESK_MAIL_CC_FROM_HEADERS: a customer's mail to the desk with other people in To or
Cc copies them on the ticket; off by default; never the desk, an agent or the sender."""

from __future__ import annotations

import pytest
from pytest_django.fixtures import Settings

from frontdesk.accounts.models import User
from frontdesk.following.models import CcPerson
from frontdesk.mail.addresses import reply_address
from frontdesk.mail.models import InboundMail
from frontdesk.tickets.models import Ticket
from tests.mail.eml import eml, receive, support_desk  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("support_desk")]

HEADERS = (
    b"To: Studio Support <support@studio.example>, Landlord <landlord@example.net>\n"
    b"Cc: alice@example.com, Flatmate <flatmate@example.net>, not-an-address@\n"
)


def _with_others(raw: bytes) -> bytes:
    line = b"To: Studio Support <support@studio.example>\r\n"
    assert line in raw
    return raw.replace(line, HEADERS.replace(b"\n", b"\r\n"))


def _copied(ticket: Ticket) -> list[str]:
    rows = CcPerson.objects.filter(ticket=ticket).order_by("id")
    return list(rows.values_list("person__email", flat=True))


def test_off_by_default_nobody_is_copied() -> None:
    inbound = receive(_with_others(eml("plain.eml")))
    assert inbound.status == InboundMail.Status.IMPORTED
    assert not CcPerson.objects.exists()


def test_on_the_others_are_copied_on_the_new_ticket(settings: Settings, agent: User) -> None:
    settings.FRONTDESK_MAIL_CC_FROM_HEADERS = True
    inbound = receive(_with_others(eml("plain.eml")))
    assert inbound.status == InboundMail.Status.IMPORTED, inbound.reason
    ticket = Ticket.objects.get()
    # Not the desk, not the agent, not the address that is none.
    assert _copied(ticket) == ["landlord@example.net", "flatmate@example.net"]


def test_on_a_requesters_reply_copies_new_people(
    settings: Settings, ticket: Ticket, customer: User
) -> None:
    settings.FRONTDESK_MAIL_CC_FROM_HEADERS = True
    raw = eml(
        "reply_signed_address.eml",
        reply_address=reply_address(ticket.pk, customer.pk),
        ticket_number=ticket.number,
    ).replace(b"Subject:", b"Cc: landlord@example.net\nSubject:")
    inbound = receive(raw)
    assert inbound.status == InboundMail.Status.IMPORTED, inbound.reason
    assert _copied(ticket) == ["landlord@example.net"]
