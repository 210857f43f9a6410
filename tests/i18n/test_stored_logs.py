"""Stored logs that keep their structure are said in the reader's language where they are
shown, and stay English where they are stored (the APIs return them): the SLA's notes on a
conversation (sla/texts.py), the privacy log's counts, and a rule's run (its facts)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import translation

from frontdesk.accounts.models import User
from frontdesk.accounts.tokens import access_token_issue
from frontdesk.automations import engine
from frontdesk.automations.models import Event, RuleRun
from frontdesk.automations.services import rule_create
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


def _fired(admin: User, customer: User) -> tuple[Ticket, int]:
    rule = rule_create(
        actor=admin,
        values={
            "name": "Pausa",
            "event": "ticket_created",
            "conditions": [{"field": "priority", "operator": "is", "value": "medium"}],
            "actions": [
                {"action": "set_status", "value": "pending"},
                {"action": "set_priority", "value": "medium"},
            ],
            "active": True,
        },
    )
    ticket = open_ticket(customer, "Clase de salsa")
    engine.rules_evaluate(ticket_id=ticket.pk, event=Event.TICKET_CREATED)
    return ticket, rule.pk


def test_a_rules_run_is_logged_in_english_and_read_in_spanish(
    admin: User, agent: User, customer: User
) -> None:
    ticket, rule_id = _fired(admin, customer)
    run = RuleRun.objects.get(ticket=ticket)
    # The stored log, which the REST API returns, stays English.
    assert run.matched == ["Priority is Medium"]
    assert run.done == ["Set status Pending", "Set priority Medium (already so)"]
    token = access_token_issue(admin)
    runs = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="es").get(
        f"/api/ticketing/rules/{rule_id}/runs/", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert runs.json()[0]["done"] == run.done

    spanish = _browser(agent, "es").get(f"/ticket/{ticket.pk}").content.decode()
    assert "Cambiar el estado Pendiente" in spanish and "(ya estaba así)" in spanish
    assert "Set status Pending" not in spanish
    log = _browser(admin, "es").get(f"/rules/{rule_id}").content.decode()
    assert "Prioridad es Media" in log and "Cambiar el estado Pendiente" in log
    english = _browser(agent).get(f"/rules/ticket/{ticket.pk}").content.decode()
    assert "Priority is Medium" in english and "Set status Pending" in english


def test_a_run_logged_before_its_facts_were_kept_reads_as_stored(
    admin: User, agent: User, customer: User
) -> None:
    ticket, _rule_id = _fired(admin, customer)
    RuleRun.objects.filter(ticket=ticket).update(facts=None)
    spanish = _browser(agent, "es").get(f"/rules/ticket/{ticket.pk}").content.decode()
    assert "Set status Pending" in spanish and "Priority is Medium" in spanish
