"""The rules' pages: admins create (rows of selects, no JSON), dry-run, reorder and delete
with CSRF; agents read; customers are refused; the ticket's sidebar shows what fired."""

from __future__ import annotations

import pytest
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.automations import engine
from frontdesk.automations.models import Event, Rule
from frontdesk.automations.services import rule_create
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def post(client: Client, path: str, data: dict[str, str]) -> object:
    client.get("/rules")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    return client.post(path, {**data, "csrfmiddlewaretoken": token})


FORM = {
    "name": "Billing mails",
    "event": "ticket_created",
    "match": "all",
    "c-0-field": "title",
    "c-0-operator": "contains",
    "c-0-text": "invoice",
    "a-0-action": "set_category",
    "a-0-choice": "billing",
    "a-1-action": "set_priority",
    "a-1-choice": "high",
}


def test_an_admin_creates_a_rule_from_rows(admin: User, customer: User) -> None:
    client = signed_in(admin)
    open_ticket(customer, title="Invoice please")
    dry = post(client, "/rules/new", {**FORM, "dry_run": "1"})
    assert dry.status_code == 200  # type: ignore[attr-defined]
    assert "Dry-run: 1 ticket matches now" in dry.content.decode()  # type: ignore[attr-defined]
    assert not Rule.objects.exists()
    saved = post(client, "/rules/new", FORM)
    rule = Rule.objects.get()
    assert saved["Location"] == f"/rules/{rule.pk}"  # type: ignore[index]
    assert rule.conditions == [{"field": "title", "operator": "contains", "value": "invoice"}]
    assert rule.actions == [
        {"action": "set_category", "value": "billing"},
        {"action": "set_priority", "value": "high"},
    ]
    page = client.get(f"/rules/{rule.pk}").content.decode()
    assert 'value="invoice"' in page and "Billing mails" in page
    listing = client.get("/rules").content.decode()
    assert "Title contains invoice" in listing and "Set priority High" in listing


def test_a_bad_row_is_shown_and_nothing_saved(admin: User) -> None:
    answer = post(signed_in(admin), "/rules/new", {**FORM, "a-0-choice": "", "a-0-text": "??"})
    assert answer.status_code == 400  # type: ignore[attr-defined]
    page = answer.content.decode()  # type: ignore[attr-defined]
    assert "Action 1 (Set category): unknown value" in page
    assert 'value="Billing mails"' in page  # kept what was typed
    assert not Rule.objects.exists()


def test_order_and_delete(admin: User) -> None:
    client = signed_in(admin)
    a = rule_create(
        actor=admin,
        values={
            "name": "A",
            "event": "ticket_created",
            "actions": [{"action": "add_tag", "value": "a"}],
        },
    )
    b = rule_create(
        actor=admin,
        values={
            "name": "B",
            "event": "ticket_created",
            "actions": [{"action": "add_tag", "value": "b"}],
        },
    )
    post(client, f"/rules/{b.pk}/move", {"direction": "up"})
    assert list(Rule.objects.values_list("name", flat=True)) == ["B", "A"]
    post(client, f"/rules/{a.pk}/delete", {})
    assert list(Rule.objects.values_list("name", flat=True)) == ["B"]


def test_agents_read_customers_do_not(admin: User, agent: User, customer: User) -> None:
    rule = rule_create(
        actor=admin,
        values={
            "name": "A",
            "event": "ticket_created",
            "actions": [{"action": "add_tag", "value": "a"}],
        },
    )
    client = signed_in(agent)
    assert client.get("/rules").status_code == 200
    assert client.get(f"/rules/{rule.pk}").status_code == 200
    assert post(client, "/rules/new", FORM).status_code == 403  # type: ignore[attr-defined]
    assert post(client, f"/rules/{rule.pk}/move", {"direction": "up"}).status_code == 403  # type: ignore[attr-defined]
    other = signed_in(customer)
    assert other.get("/rules").status_code == 403
    assert other.get(f"/rules/{rule.pk}").status_code == 403


def test_the_ticket_sidebar_shows_what_fired(admin: User, agent: User, customer: User) -> None:
    rule_create(
        actor=admin,
        values={
            **{
                "name": "Tagger",
                "event": "ticket_created",
                "actions": [{"action": "add_tag", "value": "seen"}],
            },
            "active": True,
        },
    )
    ticket = open_ticket(customer)
    engine.rules_evaluate(ticket_id=ticket.pk, event=Event.TICKET_CREATED)
    page = signed_in(agent).get(f"/ticket/{ticket.pk}").content.decode()
    assert "Automations" in page and "Tagger" in page and "Add tag seen" in page
    assert "Tagger" not in signed_in(customer).get(f"/ticket/{ticket.pk}").content.decode()
    log = signed_in(agent).get(f"/rules/ticket/{ticket.pk}").content.decode()
    assert "Tagger" in log
    assert signed_in(customer).get(f"/rules/ticket/{ticket.pk}").status_code == 403
