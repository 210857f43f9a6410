"""Stored logs that keep their structure are said in the reader's language where they are
shown, and stay English where they are stored (the APIs return them): the SLA's notes on a
conversation (sla/texts.py) and the privacy log's counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import translation

from frontdesk.accounts.models import User
from frontdesk.core.clock import now
from frontdesk.privacy.models import PrivacyAction, PrivacyLog
from frontdesk.sla.models import SlaAlert, SlaPolicy
from frontdesk.sla.services import alert_text, overdue_text, sla_alert_if_overdue
from frontdesk.sla.texts import sla_note_said
from frontdesk.tickets.models import Message, MessageKind, Ticket
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db

DUE = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)


def _browser(user: User, language: str = "") -> Client:
    User.objects.filter(pk=user.pk).update(language=language)
    user.refresh_from_db()
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


def test_each_note_the_sla_writes_is_said_again_in_spanish() -> None:
    policy = SlaPolicy(name="Standard")
    warning = alert_text(
        "first_response", SlaAlert.Level.WARNING, now() + timedelta(hours=1), policy
    )
    breach = alert_text("resolution", SlaAlert.Level.BREACH, DUE, policy)
    with translation.override("es"):
        assert sla_note_said(warning[1]).startswith("Aviso del SLA: el plazo de primera respuesta")
        assert sla_note_said(breach[1]).startswith("SLA incumplido: el plazo de resolución venció")
        assert sla_note_said(overdue_text(DUE)).startswith("Vencida: esta consulta vencía el")
        assert sla_note_said("A note someone wrote.") == "A note someone wrote."
    with translation.override("en"):  # English reads the note exactly as stored
        for text in (warning[1], breach[1], overdue_text(DUE)):
            assert sla_note_said(text) == text


def test_a_spanish_agent_reads_the_overdue_note_in_spanish(customer: User, agent: User) -> None:
    ticket = open_ticket(customer, "Clase de salsa")
    Ticket.objects.filter(pk=ticket.pk).update(due_at=now() - timedelta(hours=1))
    assert sla_alert_if_overdue(ticket_id=ticket.pk)
    stored = Message.objects.get(ticket=ticket, kind=MessageKind.INTERNAL).body
    assert stored.startswith("Overdue: this ticket was due")  # the stored English stays

    spanish = _browser(agent, "es").get(f"/ticket/{ticket.pk}").content.decode()
    assert "Vencida: esta consulta vencía el" in spanish and "Overdue: this" not in spanish
    english = _browser(agent).get(f"/ticket/{ticket.pk}").content.decode()
    assert "Overdue: this ticket was due" in english


def test_the_privacy_log_counts_read_in_the_admins_language(admin: User) -> None:
    PrivacyLog.objects.create(
        action=PrivacyAction.EXPORT, actor=admin, customer_id=7, counts={"tickets": 2}
    )
    spanish = _browser(admin, "es").get("/admin/privacy/privacylog/").content.decode()
    assert "Consultas afectadas: 2" in spanish and "Datos exportados" in spanish
    english = _browser(admin).get("/admin/privacy/privacylog/").content.decode()
    assert "Tickets concerned: 2" in english and "Data exported" in english
