"""/api/ticketing/rules/: admins manage and dry-run rules, agents read them and their log,
customers are refused; bad input is a 400 naming the field, with nothing changed."""

from __future__ import annotations

import pytest

from frontdesk.accounts.models import User
from frontdesk.automations import engine
from frontdesk.automations.models import Event, Rule
from tests.api.helpers import Api, error_of
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db

RULE = {
    "name": "Billing mails",
    "event": "ticket_created",
    "conditions": [{"field": "title", "operator": "contains", "value": "invoice"}],
    "actions": [{"action": "set_priority", "value": "high"}],
}


def test_an_admin_manages_rules(as_admin: Api, as_agent: Api, customer: User) -> None:
    made = as_admin.post("/rules/", RULE)
    assert made.status_code == 201, made.content
    rule = made.json()
    assert (rule["active"], rule["position"], rule["match"]) == (False, 0, "all")
    other = as_admin.post("/rules/", {**RULE, "name": "Second"}).json()
    order = as_admin.put("/rules/order/", {"rules": [other["id"], rule["id"]]})
    assert [r["name"] for r in order.json()] == ["Second", "Billing mails"]
    ticket = open_ticket(customer, title="Invoice")
    dry = as_admin.post(f"/rules/{rule['id']}/dry-run/", {})
    assert dry.status_code == 200, dry.content
    assert dry.json()["count"] == 1 and dry.json()["tickets"][0]["id"] == ticket.pk
    patched = as_admin.patch(f"/rules/{rule['id']}/", {"active": True})
    assert patched.status_code == 200 and patched.json()["active"] is True
    engine.rules_evaluate(ticket_id=ticket.pk, event=Event.TICKET_CREATED)
    runs = as_agent.get(f"/rules/{rule['id']}/runs/").json()
    assert [(r["ticket"], r["done"]) for r in runs] == [(ticket.pk, ["Set priority High"])]
    on_ticket = as_agent.get(f"/rules/tickets/{ticket.pk}/runs/").json()
    assert [r["rule_name"] for r in on_ticket] == ["Billing mails"]
    assert [r["name"] for r in as_agent.get("/rules/").json()] == ["Second", "Billing mails"]
    assert as_admin.delete(f"/rules/{rule['id']}/").status_code == 204
    assert as_agent.get(f"/rules/{rule['id']}/").status_code == 404


def test_dry_run_of_an_unsaved_rule(as_admin: Api, customer: User) -> None:
    open_ticket(customer, title="Invoice")
    answer = as_admin.post(
        "/rules/dry-run/", {"event": "ticket_created", "conditions": RULE["conditions"]}
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["count"] == 1
    assert answer.json()["conditions"] == ["Title contains invoice"]
    assert not Rule.objects.exists()


def test_bad_rules_are_400_naming_the_field(as_admin: Api) -> None:
    answer = as_admin.post(
        "/rules/", {**RULE, "actions": [{"action": "set_priority", "value": "whenever"}]}
    )
    assert answer.status_code == 400
    error = error_of(answer)
    assert "Action 1" in error["message"] and "actions" in str(error["fields"])
    assert not Rule.objects.exists()


def test_agents_read_customers_are_refused(as_agent: Api, as_customer: Api, customer: User) -> None:
    assert as_agent.post("/rules/", RULE).status_code == 403
    assert as_agent.get("/rules/").status_code == 200
    ticket = open_ticket(customer)
    assert as_customer.get("/rules/").status_code == 403
    assert as_customer.get(f"/rules/tickets/{ticket.pk}/runs/").status_code == 403
