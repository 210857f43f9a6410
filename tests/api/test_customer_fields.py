"""Customers read the same ticket fields through the REST API as on their ticket page: how
staff work a ticket (priority, category, tags, due date, hours, first response, channel) is
null for them, on every answer that carries a ticket; staff read everything."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from frontdesk.accounts.models import User
from tests.api.helpers import Api
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db

WORKINGS_FIELDS = (
    "priority",
    "category",
    "due_date",
    "estimated_hours",
    "actual_hours",
    "tags",
    "first_response_at",
    "channel",
)
DUE = datetime(2031, 5, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def worked_ticket(customer: User, agent: User):  # type: ignore[no-untyped-def]
    return open_ticket(
        customer,
        staff=agent,
        assignee=agent,
        priority="urgent",
        category="billing",
        tags=["vip", "refund risk"],
        due_at=DUE,
        estimated_hours=Decimal("2.5"),
        actual_hours=Decimal("1.0"),
        messages=[(agent, "On it.")],
    )


def _tickets_in(response) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    assert response.status_code in (200, 201), response.content
    data = response.json()
    return data.get("results", [data])  # type: ignore[no-any-return]


def test_customers_read_no_workings_anywhere(as_customer: Api, worked_ticket) -> None:  # type: ignore[no-untyped-def]
    pk = worked_ticket.pk
    answers = [
        as_customer.get(f"/tickets/{pk}/"),
        as_customer.get("/tickets/"),
        as_customer.get("/tickets/my_tickets/"),
        as_customer.post(f"/tickets/{pk}/change_status/", {"status": "closed"}),
        as_customer.post("/tickets/", {"subject": "New one", "description": "Another"}),
    ]
    for answer in answers:
        for row in _tickets_in(answer):
            for name in WORKINGS_FIELDS:
                assert row[name] is None, (answer.request["PATH_INFO"], name, row[name])
            # What their page shows, they still read.
            assert row["status"] and row["subject"] and row["ticket_number"]
            assert "updated_at" in row and "assigned_to" in row


def test_staff_read_every_field(as_agent: Api, worked_ticket) -> None:  # type: ignore[no-untyped-def]
    row = as_agent.get(f"/tickets/{worked_ticket.pk}/").json()
    assert row["priority"] == "urgent"
    assert row["category"] == "billing"
    assert row["tags"] == ["refund risk", "vip"]
    assert row["due_date"].startswith("2031-05-01T09:00:00")
    assert row["estimated_hours"] == 2.5 and row["actual_hours"] == 1.0
    assert row["first_response_at"] is not None
    assert row["channel"]


def test_the_schema_says_these_fields_are_staff_only(anonymous: Api) -> None:
    schema = anonymous.get("/api/ticketing/openapi.json").json()
    ticket = schema["components"]["schemas"]["TicketOut"]["properties"]
    for name in WORKINGS_FIELDS:
        assert "null for customers" in ticket[name]["description"], name
        assert any(option.get("type") == "null" for option in ticket[name].get("anyOf", [])), name


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"priority": "urgent"}, "priority"),
        ({"category": "billing"}, "category"),
        ({"tag": "vip"}, "tag"),
        ({"overdue": "true"}, "overdue"),
        ({"ordering": "priority"}, "sort"),
        ({"ordering": "due_date"}, "sort"),
    ],
)
def test_customers_cannot_learn_workings_by_filtering(
    as_customer: Api, as_agent: Api, worked_ticket, query: dict[str, str], field: str
) -> None:  # type: ignore[no-untyped-def]
    refused = as_customer.get("/tickets/", **query)
    assert refused.status_code == 400, refused.content
    assert "Only staff" in refused.json()["error"]["message"]
    assert as_agent.get("/tickets/", **query).status_code == 200


def test_customers_overdue_list_is_refused(as_customer: Api, worked_ticket) -> None:  # type: ignore[no-untyped-def]
    assert as_customer.get("/tickets/overdue/").status_code == 400
