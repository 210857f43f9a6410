"""A held mail's reason is stored in English with its facts (InboundMail.reason_facts) and
said in the reader's language on the held-mail page; a reason stored before its facts were
kept reads as stored."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from frontdesk.accounts.models import User
from frontdesk.mail import services
from frontdesk.mail.addresses import make_message_id
from frontdesk.mail.models import InboundMail
from frontdesk.tickets.models import Ticket
from tests.mail.eml import eml, receive, support_desk  # noqa: F401
from tests.web.conftest import html

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("support_desk")]


def _held(ticket: Ticket, customer: User) -> InboundMail:
    raw = eml(
        "reply_non_participant.eml",
        message_id=make_message_id(ticket.pk, customer.pk),
        ticket_number=ticket.number,
    )
    inbound = receive(raw)
    assert inbound.status == InboundMail.Status.HELD
    return inbound


def _page(user: User, language: str) -> str:
    client = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return html(client.get("/mail/held"))


def test_the_reason_is_english_where_stored_and_spanish_on_the_page(
    ticket: Ticket, customer: User, agent: User
) -> None:
    held = _held(ticket, customer)
    english = (
        f"It answers {ticket.number} (by its Message-ID), but stranger@elsewhere.example "
        "is not a participant of that ticket."
    )
    assert held.reason == english
    assert held.reason_facts is not None
    with translation.override("en"):
        assert held.reason_said() == english
    spanish = _page(agent, "es")
    assert f"Responde a {ticket.number}" in spanish
    assert "stranger@elsewhere.example no participa en esa consulta." in spanish
    assert english not in spanish
    assert english in _page(agent, "en")


def test_a_decision_keeps_the_reason_before_it_as_a_part(
    ticket: Ticket, customer: User, agent: User
) -> None:
    held = _held(ticket, customer)
    dismissed = services.held_mail_dismiss(actor=agent, inbound_id=held.pk)
    assert dismissed.reason.startswith("Held, then dismissed by Alice. (It answers ")
    dismissed.refresh_from_db()
    with translation.override("es"):
        said = dismissed.reason_said()
    assert said.startswith("Retenido y descartado por Alice. (Responde a ")
    assert "no participa en esa consulta." in said


def test_a_reason_stored_before_its_facts_reads_as_stored(
    ticket: Ticket, customer: User, agent: User
) -> None:
    held = _held(ticket, customer)
    InboundMail.objects.filter(pk=held.pk).update(reason="An old reason.", reason_facts=None)
    assert "An old reason." in _page(agent, "es")
