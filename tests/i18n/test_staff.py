"""The staff side in the reader's language (docs/translating.md): an agent who chose Spanish
reads the workspace, a ticket's controls and history, the rules and the reports in Spanish,
and the mail only staff receive follows its recipient's choice; an agent who chose nothing
reads English. The scripts' texts come in the page's language (web/js_texts.py)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from frontdesk.accounts.models import User
from frontdesk.core.clock import now
from frontdesk.notifications import kinds
from frontdesk.notifications.models import OutboxMail
from frontdesk.notifications.rendering import render
from frontdesk.tickets import services
from frontdesk.tickets.models import Ticket
from frontdesk.web.js_texts import js_texts
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db

STATIC = Path(settings.BASE_DIR) / "web" / "static" / "frontdesk"
LIVE_JS = Path(settings.BASE_DIR) / "live" / "static" / "frontdesk" / "live.js"


def _spanish(user: User) -> User:
    User.objects.filter(pk=user.pk).update(language="es")
    user.refresh_from_db()
    return user


def _page(user: User, path: str) -> str:
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


# --- pages ----------------------------------------------------------------------------------


def test_a_spanish_agent_reads_the_workspace_in_spanish(customer: User, agent: User) -> None:
    open_ticket(customer, "Clase de salsa")
    html = _page(_spanish(agent), "/home")
    assert '<html lang="es">' in html
    for spanish in (
        "Por atender",  # the view
        "Buscar consultas",  # the search's label
        "Solicitante",  # a column
        "Cualquier prioridad",  # a filter's choice
        "Cambiar la prioridad",  # the bulk bar
    ):
        assert spanish in html, spanish
    for english in ("Claimable", "Search tickets", "Requester", "Any priority", "Set priority"):
        assert english not in html, english


def test_an_english_agent_keeps_the_english_workspace(customer: User, agent: User) -> None:
    open_ticket(customer, "Salsa class")
    html = _page(agent, "/home")
    assert "Claimable" in html and "Search tickets" in html and "Set priority" in html
    assert "Por atender" not in html and "Buscar consultas" not in html


def test_a_bulk_change_says_its_outcome_in_spanish(customer: User, agent: User) -> None:
    ticket = open_ticket(customer, "Clase de salsa")
    client = Client(HTTP_HOST="localhost")
    client.force_login(_spanish(agent))
    response = client.post(
        "/home/bulk", {"ticket": [ticket.pk], "priority": "high", "action": "apply"}, follow=True
    )
    assert "Se ha cambiado 1 consulta." in response.content.decode()


def test_a_spanish_agent_reads_a_tickets_controls_and_history_in_spanish(
    customer: User, agent: User, other_agent: User
) -> None:
    ticket = open_ticket(customer, "Clase de salsa", priority="high", staff=other_agent)
    html = _page(_spanish(agent), f"/ticket/{ticket.pk}")
    for spanish in (
        "Propiedades",  # the controls' card
        "Hacerme cargo",  # claim
        "Añadir nota interna",  # the composer's note button
        "Enviar y cerrar",
        "Fecha de vencimiento",
        "Historial",
        "abrió la consulta",  # a history line
        "cambió la prioridad de Media a Alta",
        "Atajos de teclado",  # the shortcuts' help
    ):
        assert spanish in html, spanish
    for english in ("Properties", "Claim ticket", "Add internal note", "opened the ticket"):
        assert english not in html, english


def test_an_english_agent_keeps_the_english_ticket_page(
    customer: User, agent: User, other_agent: User
) -> None:
    ticket = open_ticket(customer, "Salsa class", priority="high", staff=other_agent)
    html = _page(agent, f"/ticket/{ticket.pk}")
    assert "Properties" in html and "Claim ticket" in html
    assert "changed priority from Medium to High" in html
    assert "Propiedades" not in html


def test_a_spanish_admin_reads_the_rules_in_spanish(admin: User) -> None:
    _spanish(admin)
    listing = _page(admin, "/rules")
    assert "Reglas automáticas" in listing and "Regla nueva" in listing
    assert "Automation rules" not in listing
    form = _page(admin, "/rules/new")
    for spanish in ("Condiciones", "Se crea una consulta", "no contiene", "Cambiar la prioridad"):
        assert spanish in form, spanish
    for english in ("Conditions", "A ticket is created", "does not contain", "Save rule"):
        assert english not in form, english


def test_a_rules_description_is_spanish_on_the_page_and_english_in_its_log(
    admin: User,
) -> None:
    from frontdesk.automations import schema

    condition = {"field": "priority", "operator": "is", "value": "urgent"}
    action = {"action": "set_status", "value": "pending"}
    assert schema.condition_words(condition) == "Priority is Urgent"
    assert schema.action_words(action) == "Set status Pending"
    with translation.override("es"):
        assert schema.condition_words(condition) == "Priority is Urgent"  # as a run's log
        said = translation.gettext
        assert schema.condition_words(condition, None, said) == "Prioridad es Urgente"
        assert schema.action_words(action, None, said) == "Cambiar el estado Pendiente"


def test_a_spanish_agent_reads_the_reports_in_spanish(customer: User, agent: User) -> None:
    open_ticket(customer, "Clase de salsa")
    html = _page(_spanish(agent), "/reports")
    for spanish in ("Informes", "Resumen", "Consultas creadas", "Últimos 30 días", "Por agente"):
        assert spanish in html, spanish
    for english in ("Tickets created", "Summary", "Last 30 days", "Per agent"):
        assert english not in html, english
    csv = Client(HTTP_HOST="localhost")
    csv.force_login(agent)
    exported = b"".join(csv.get("/reports/summary.csv?range=30").streaming_content)  # type: ignore[attr-defined]
    assert b"Tickets created" in exported  # the exports keep their English


# --- staff mail -----------------------------------------------------------------------------


def test_a_new_ticket_mail_follows_each_agents_language(
    customer: User, agent: User, other_agent: User
) -> None:
    _spanish(agent)
    ticket = open_ticket(customer, "Clase de salsa")
    to_spanish = render(OutboxMail.objects.get(kind=kinds.NEW_TICKET, recipient=agent))
    to_english = render(OutboxMail.objects.get(kind=kinds.NEW_TICKET, recipient=other_agent))
    assert to_spanish.subject == f"[{ticket.number}] Consulta nueva: Clase de salsa"
    assert "Ha llegado una consulta nueva y todavía no la tiene nadie" in to_spanish.text
    assert f"Hola, {agent.username}:" in to_spanish.text
    assert '<html lang="es">' in to_spanish.html
    assert to_english.subject == f"[{ticket.number}] New ticket: Clase de salsa"
    assert "A new ticket arrived and nobody has it yet" in to_english.text
    assert "Consulta" not in to_english.text


def test_an_assignment_mail_in_spanish_names_status_and_priority_in_spanish(
    ticket: Ticket, agent: User, other_agent: User
) -> None:
    _spanish(other_agent)
    services.ticket_assign(actor=agent, ticket_id=ticket.pk, assignee_id=other_agent.pk)
    mail = render(OutboxMail.objects.filter(kind=kinds.TICKET_ASSIGNED).latest("id"))
    assert mail.subject == f"[{ticket.number}] Asignada a ti: {ticket.title}"
    assert f"{agent.username} te ha asignado {ticket.number}" in mail.text
    assert "Estado: Abierta · Prioridad: Media" in mail.text or "Estado: Nueva" in mail.text
    assert "Priority" not in mail.text


def test_a_mention_in_spanish(ticket: Ticket, agent: User, other_agent: User) -> None:
    _spanish(other_agent)
    services.message_post(actor=agent, ticket_id=ticket.pk, body="@bob mira", internal=True)
    mail = render(OutboxMail.objects.filter(kind=kinds.MENTIONED).latest("id"))
    assert mail.subject == f"[{ticket.number}] {agent.username} te ha mencionado: {ticket.title}"
    assert "(Interna: el cliente no la ve.)" in mail.text
    assert "Nota interna" in mail.html


def _notice(kind: str, recipient: User, ticket: Ticket, data: dict[str, object]) -> OutboxMail:
    return OutboxMail(
        kind=kind, recipient=recipient, to_address=recipient.email, ticket=ticket, data=data
    )


def test_an_sla_alert_and_a_rule_notice_in_the_recipients_language(
    ticket: Ticket, agent: User, other_agent: User
) -> None:
    _spanish(agent)
    due = now() + timedelta(minutes=30)
    data = {
        "headline": "SLA warning, first response",
        "text": "SLA warning: first response is due …",
        "metric": "first_response",
        "level": "warning",
        "due_at": due.isoformat(),
        "policy": "Standard",
        "minutes": 30,
    }
    spanish = render(_notice(kinds.SLA_ALERT, agent, ticket, data))
    assert "Aviso del SLA: primera respuesta" in spanish.subject
    assert "(dentro de 30 minutos), política Standard." in spanish.text
    english = render(_notice(kinds.SLA_ALERT, other_agent, ticket, data))
    assert "SLA warning, first response" in english.subject
    assert "(in 30 minutes), policy Standard." in english.text
    # An alert written before the mail could say it again keeps its stored English.
    older = render(_notice(kinds.SLA_ALERT, agent, ticket, {"headline": "Old", "text": "Kept"}))
    assert "Old" in older.subject and "Kept" in older.text
    rule = {"headline": "Rule “VIP”", "text": "…", "rule": 1, "rule_name": "VIP"}
    notice = render(_notice(kinds.RULE_NOTICE, agent, ticket, rule))
    assert "Regla «VIP»" in notice.subject
    assert f"La regla «VIP» ha coincidido con {ticket.number}." in notice.text


def test_a_digest_names_the_kinds_in_the_recipients_language() -> None:
    with translation.override("es"):
        assert translation.gettext(kinds.KINDS[kinds.MENTIONED].label) == (
            "Alguien me menciona en una nota interna"
        )


# --- the scripts' texts ---------------------------------------------------------------------


def test_the_scripts_texts_come_in_the_pages_language(customer: User, agent: User) -> None:
    ticket = open_ticket(customer, "Clase de salsa")
    html = _page(_spanish(agent), f"/ticket/{ticket.pk}")
    found = re.search(r'<script id="js-texts" type="application/json">(.*?)</script>', html)
    assert found is not None
    texts = json.loads(found.group(1))
    assert texts["texts"]["session_stay"] == "Mantener la sesión"
    assert texts["one"]["chars_left"] == "Te queda %(count)s carácter (límite %(max)s)."
    assert texts["other"]["selected"] == "%(count)s consultas seleccionadas"
    # texts.js, loaded before the scripts that use it
    assert html.index("frontdesk/texts.js") < html.index("frontdesk/shortcuts.js")
    english = _page(customer, f"/ticket/{ticket.pk}")
    assert '"session_stay": "Stay signed in"' in english


def test_every_text_a_script_asks_for_is_in_the_catalogue() -> None:
    with translation.override("es"):
        texts = js_texts()
    with translation.override("en"):
        english = js_texts()
    known = set(texts["texts"]) | set(texts["other"])
    asked = set()
    for script in [*STATIC.glob("*.js"), LIVE_JS]:
        for line in script.read_text().splitlines():
            if ".t(" in line or ".n(" in line:
                asked |= set(re.findall(r'\.[tn]\("([a-z_]+)"', line))
                asked |= set(re.findall(r'"([a-z]+_[a-z_]+)"', line))
    assert len(asked) > 30
    assert asked <= known, asked - known
    # each is translated: the Spanish differs from the English ("Error:" is the same word)
    same = [key for key, text in texts["texts"].items() if text == english["texts"][key]]
    same.remove("error")
    assert same == [], same
    assert texts["one"]["selected"] != english["one"]["selected"]


def test_a_notice_and_a_services_error_on_a_staff_page_in_spanish(
    ticket: Ticket, agent: User
) -> None:
    client = Client(HTTP_HOST="localhost")
    client.force_login(_spanish(agent))
    logged = client.post(f"/ticket/{ticket.pk}/time", {"duration": "1h 30m"}, follow=True)
    assert "Registrado:" in logged.content.decode()
    refused = client.post(f"/ticket/{ticket.pk}/time", {"duration": "soon"}, follow=True)
    html = refused.content.decode()
    assert "Escribe una duración como 1h 30m, 90m, 1.5h o 45 (minutos)." in html
    assert "Write a duration" not in html
