"""/api/ticketing/sla/: admins manage calendars and policies, agents read them and a ticket's
SLA, customers are refused; bad input is a 400 that changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from frontdesk.accounts.models import User
from frontdesk.sla.models import BusinessCalendar, SlaPolicy
from frontdesk.tickets import services
from tests.api.helpers import Api, error_of
from tests.conftest import Clock, open_ticket

pytestmark = pytest.mark.django_db

CALENDAR = {
    "name": "Front desk",
    "time_zone": "Europe/London",
    "hours": {str(day): [["09:00", "17:00"]] for day in range(5)},
    "holidays": [{"day": "2026-12-25", "yearly": True, "name": "Christmas"}],
}


def test_an_admin_manages_calendars_and_policies(as_admin: Api, as_agent: Api) -> None:
    made = as_admin.post("/sla/calendars/", CALENDAR)
    assert made.status_code == 201, made.content
    calendar = made.json()
    assert calendar["hours"]["0"] == [["09:00", "17:00"]]
    assert calendar["holidays"] == [{"day": "2026-12-25", "yearly": True, "name": "Christmas"}]
    policy = {
        "name": "Standard",
        "calendar": calendar["id"],
        "categories": ["billing"],
        "targets": {"high": {"first_response_minutes": 30, "resolution_minutes": 240}},
    }
    created = as_admin.post("/sla/policies/", policy)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["targets"]["high"] == {
        "first_response_minutes": 30,
        "next_response_minutes": None,
        "resolution_minutes": 240,
    }
    assert body["warn_percent"] == 80 and body["position"] == 0
    second = as_admin.post("/sla/policies/", {"name": "Everyone"}).json()
    order = as_admin.put("/sla/policies/order/", {"policies": [second["id"], body["id"]]})
    assert [p["name"] for p in order.json()] == ["Everyone", "Standard"]
    patched = as_admin.patch(f"/sla/policies/{body['id']}/", {"warn_percent": 90})
    assert patched.status_code == 200 and patched.json()["warn_percent"] == 90
    assert [p["name"] for p in as_agent.get("/sla/policies/").json()] == ["Everyone", "Standard"]
    # A calendar in use is kept.
    refused = as_admin.delete(f"/sla/calendars/{calendar['id']}/")
    assert refused.status_code == 400 and "Standard" in error_of(refused)["message"]
    assert as_admin.delete(f"/sla/policies/{body['id']}/").status_code == 204
    assert as_admin.delete(f"/sla/calendars/{calendar['id']}/").status_code == 204


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"hours": {}}, "hours"),
        ({"hours": {"0": [["09:00", "25:00"]]}}, "hours"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ],
)
def test_a_bad_calendar_is_refused_and_nothing_changes(
    as_admin: Api, change: dict[str, object], field: str
) -> None:
    response = as_admin.post("/sla/calendars/", {**CALENDAR, **change})
    assert response.status_code == 400
    assert error_of(response)["fields"] and field in str(error_of(response)["fields"])
    assert not BusinessCalendar.objects.exists()


@pytest.mark.parametrize(
    "values",
    [
        {"name": "X", "categories": ["cooking"]},
        {"name": "X", "targets": {"someday": {"first_response_minutes": 5}}},
        {"name": "X", "targets": {"high": {"first_response_minutes": 0}}},
        {"name": "X", "calendar": 999},
        {"name": "X", "escalate_to": 999},
        {"name": "X", "warn_percent": 100},
    ],
)
def test_a_bad_policy_is_refused(as_admin: Api, values: dict[str, object]) -> None:
    response = as_admin.post("/sla/policies/", values)
    assert response.status_code == 400, response.content
    assert not SlaPolicy.objects.exists()


def test_agents_read_and_customers_are_refused(as_agent: Api, as_customer: Api) -> None:
    assert as_agent.post("/sla/policies/", {"name": "Mine"}).status_code == 403
    assert as_agent.post("/sla/calendars/", CALENDAR).status_code == 403
    assert as_customer.get("/sla/policies/").status_code == 403
    assert as_customer.get("/sla/calendars/").status_code == 403
    assert not SlaPolicy.objects.exists()


def test_a_tickets_sla(
    as_admin: Api, as_agent: Api, as_customer: Api, customer: User, agent: User, clock: Clock
) -> None:
    clock.current = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    as_admin.post(
        "/sla/policies/",
        {"name": "Standard", "targets": {"medium": {"first_response_minutes": 60}}},
    )
    ticket = open_ticket(customer)
    clock.advance(90 * 60)
    body = as_agent.get(f"/sla/tickets/{ticket.pk}/").json()
    assert body["policy_name"] == "Standard"
    [target] = body["targets"]
    assert target["metric"] == "first_response" and target["state"] == "running"
    assert target["seconds_left"] == -30 * 60 and target["breached"] is True
    services.message_post(actor=agent, ticket_id=ticket.pk, body="Sorry for the wait.")
    [target] = as_agent.get(f"/sla/tickets/{ticket.pk}/").json()["targets"]
    assert target["state"] == "missed" and target["consumed_seconds"] == 90 * 60
    assert as_customer.get(f"/sla/tickets/{ticket.pk}/").status_code == 403
    assert as_agent.get("/sla/tickets/999999/").status_code == 404
    plain = as_agent.get(f"/sla/tickets/{open_ticket(customer, 'Other').pk}/").json()
    assert plain["policy"] is not None  # the policy applies to every new ticket


def test_the_openapi_document_lists_the_sla(as_agent: Api) -> None:
    paths = as_agent.get("/openapi.json").json()["paths"]
    assert {"/api/ticketing/sla/policies/", "/api/ticketing/sla/tickets/{ticket_id}/"} <= set(paths)
