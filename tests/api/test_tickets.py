"""Tickets: the permission matrix, create, update, delete and the actions."""

from __future__ import annotations

from typing import Any

import pytest

from frontdesk.accounts.models import User
from frontdesk.tickets.models import Channel, Message, MessageKind, Status, Ticket, TicketEvent
from tests.api.helpers import Api, error_of
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db

NEW = {"subject": "Login issue here", "description": "User cannot login at all."}


# --- reading --------------------------------------------------------------------------------


def test_detail_shape(as_agent: Api, customer: User, agent: User) -> None:
    ticket = open_ticket(customer)
    data = as_agent.get(f"/tickets/{ticket.pk}/").json()
    assert data["id"] == ticket.pk
    assert data["ticket_number"] == f"TKT-{ticket.pk:06d}"
    assert data["subject"] == "Heating not working"
    assert data["description"] == "The heating in studio 2 is off."
    assert data["customer"] == customer.pk
    assert data["customer_detail"] == {
        "id": customer.pk,
        "username": "John",
        "email": "john@example.com",
        "organisation": None,
    }
    assert data["organisation"] is None
    assert data["status"] == "new"
    assert data["assigned_to"] is None
    assert data["created_by"] == customer.pk
    assert data["tags"] == []
    assert data["channel"] == "web"
    assert (data["resolution"], data["resolution_public"]) == ("", True)
    for field in ("due_date", "resolved_at", "closed_at", "first_response_at", "actual_hours"):
        assert data[field] is None


@pytest.mark.parametrize(
    ("who", "status"),
    [("as_customer", 200), ("as_other_customer", 404), ("as_agent", 200), ("as_admin", 200)],
)
def test_detail_matrix(
    request: pytest.FixtureRequest, customer: User, who: str, status: int
) -> None:
    ticket = open_ticket(customer)
    response = request.getfixturevalue(who).get(f"/tickets/{ticket.pk}/")
    assert response.status_code == status
    if status == 404:
        assert error_of(response)["code"] == "not_found"


@pytest.mark.parametrize("ticket_id", ["999999", "99999999999999999999999"])
def test_missing_ticket_is_404(as_agent: Api, ticket_id: str) -> None:
    response = as_agent.get(f"/tickets/{ticket_id}/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_list_matrix(request: pytest.FixtureRequest, customer: User, other_customer: User) -> None:
    mine, theirs = open_ticket(customer), open_ticket(other_customer)
    expected = {
        "as_customer": {mine.pk},
        "as_other_customer": {theirs.pk},
        "as_agent": {mine.pk, theirs.pk},
        "as_admin": {mine.pk, theirs.pk},
    }
    for who, visible in expected.items():
        rows = request.getfixturevalue(who).get("/tickets/").json()["results"]
        assert {row["id"] for row in rows} == visible, who


def test_description_ignores_internal_notes(as_customer: Api, customer: User, agent: User) -> None:
    # Built by hand: opening through the services always writes a public message first.
    ticket = Ticket.objects.create(title="Imported ticket", requester=customer, created_by=agent)
    Message.objects.create(
        ticket=ticket, author=agent, body="Secret note", kind=MessageKind.INTERNAL
    )
    Message.objects.create(ticket=ticket, author=customer, body="Public words here")
    assert as_customer.get(f"/tickets/{ticket.pk}/").json()["description"] == "Public words here"


# --- creating -------------------------------------------------------------------------------


def test_customer_opens_for_themselves(as_customer: Api, customer: User) -> None:
    response = as_customer.post("/tickets/", NEW)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["customer"] == customer.pk
    assert data["created_by"] == customer.pk
    assert data["description"] == NEW["description"]
    assert data["channel"] is None  # staff only (tests/api/test_customer_fields.py)
    assert Ticket.objects.get(pk=data["id"]).channel == Channel.API
    assert as_customer.post("/tickets/", {**NEW, "customer": customer.pk}).status_code == 201


def test_customer_cannot_open_for_someone_else(as_customer: Api, other_customer: User) -> None:
    response = as_customer.post("/tickets/", {**NEW, "customer": other_customer.pk})
    assert response.status_code == 403
    assert "customer" in error_of(response)["fields"]
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("priority", "high"),
        ("category", "technical"),
        ("assigned_to", 1),
        ("status", "open"),
        ("due_date", "2030-01-01T00:00:00Z"),
        ("estimated_hours", 2),
        ("actual_hours", "1.5"),
        ("tags", ["vip"]),
        ("resolution", "Fixed it myself."),
        ("resolution_public", False),
    ],
)
def test_customer_mass_assignment_is_refused(as_customer: Api, field: str, value: Any) -> None:
    response = as_customer.post("/tickets/", {**NEW, field: value})
    assert response.status_code == 403
    error = error_of(response)
    assert error["code"] == "forbidden"
    assert list(error["fields"]) == [field]
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("field", ["ticket_number", "created_by", "resolved_at", "id", "foo"])
def test_read_only_and_unknown_fields_are_refused(
    as_agent: Api, customer: User, field: str
) -> None:
    response = as_agent.post("/tickets/", {**NEW, "customer": customer.pk, field: 1})
    assert response.status_code == 400
    assert field in error_of(response)["fields"]


def test_agent_opens_on_behalf_with_details(as_agent: Api, customer: User, agent: User) -> None:
    body = {
        **NEW,
        "customer": customer.pk,
        "priority": "high",
        "category": "technical",
        "assigned_to": agent.pk,
        "tags": ["VIP", "login"],
        "estimated_hours": "2.5",
        "due_date": "2030-01-01T09:00:00+00:00",
    }
    response = as_agent.post("/tickets/", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["customer"] == customer.pk
    assert data["created_by"] == agent.pk
    assert (data["priority"], data["category"]) == ("high", "technical")
    assert data["assigned_to"] == agent.pk
    assert data["status"] == "open"  # assigning takes a new ticket into work
    assert data["tags"] == ["login", "vip"]
    assert data["estimated_hours"] == 2.5
    assert data["due_date"].startswith("2030-01-01T09:00:00")


def test_agent_must_name_a_customer(as_agent: Api, agent: User, other_agent: User) -> None:
    for body in (NEW, {**NEW, "customer": other_agent.pk}, {**NEW, "customer": 10**6}):
        response = as_agent.post("/tickets/", body)
        assert response.status_code == 400
        assert "customer" in error_of(response)["fields"]


def test_create_is_all_or_nothing(as_agent: Api, customer: User) -> None:
    response = as_agent.post("/tickets/", {**NEW, "customer": customer.pk, "priority": "huge"})
    assert response.status_code == 400
    assert "priority" in error_of(response)["fields"]
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"subject": " ", "description": "Long enough text."}, "subject"),
        ({"subject": "Bad\u202etitle", "description": "Long enough text."}, "subject"),
        ({"subject": "x" * 201, "description": "Long enough text."}, "subject"),
        ({"subject": "Good title here", "description": "\n \t"}, "description"),
        ({"subject": "Good title here", "description": "x" * 65_537}, "description"),
        ({"subject": 5, "description": "Long enough text."}, "subject"),
        ({"description": "Long enough text."}, "subject"),
    ],
)
def test_create_validation(as_customer: Api, body: dict[str, Any], field: str) -> None:
    response = as_customer.post("/tickets/", body)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert field in error["fields"]


# --- updating -------------------------------------------------------------------------------


def test_agent_patches_details(as_agent: Api, customer: User) -> None:
    ticket = open_ticket(customer)
    body = {"subject": "Printer on fire now", "priority": "urgent", "tags": ["hardware"]}
    response = as_agent.patch(f"/tickets/{ticket.pk}/", body)
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["subject"], data["priority"], data["tags"]) == (
        "Printer on fire now",
        "urgent",
        ["hardware"],
    )
    fields = set(TicketEvent.objects.filter(ticket=ticket).values_list("field", flat=True))
    assert {"title", "priority", "tags"} <= fields


def test_patch_status_and_assignee(as_agent: Api, customer: User, other_agent: User) -> None:
    ticket = open_ticket(customer)
    response = as_agent.patch(
        f"/tickets/{ticket.pk}/", {"status": "in_progress", "assigned_to": other_agent.pk}
    )
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["assigned_to"]) == (
        "in_progress",
        other_agent.pk,
    )


def test_patch_is_all_or_nothing(as_agent: Api, customer: User) -> None:
    ticket = open_ticket(customer)
    response = as_agent.patch(
        f"/tickets/{ticket.pk}/", {"priority": "urgent", "status": "reopened"}
    )
    assert response.status_code == 400
    assert "status" in error_of(response)["fields"]
    ticket.refresh_from_db()
    assert ticket.priority == "medium"


def test_put_replaces_writable_fields(as_agent: Api, customer: User) -> None:
    ticket = open_ticket(customer)
    body = {
        "subject": "Heating not working",
        "priority": "low",
        "category": "bug",
        "tags": [],
        "due_date": None,
        "estimated_hours": None,
        "actual_hours": "3",
        "assigned_to": None,
        "status": "new",
    }
    response = as_agent.put(f"/tickets/{ticket.pk}/", body)
    assert response.status_code == 200, response.content
    assert (response.json()["priority"], response.json()["actual_hours"]) == ("low", 3.0)
    partial = as_agent.put(f"/tickets/{ticket.pk}/", {"priority": "low"})
    assert partial.status_code == 400


def test_customer_may_only_close_and_reopen(as_customer: Api, customer: User) -> None:
    ticket = open_ticket(customer)
    refused = as_customer.patch(f"/tickets/{ticket.pk}/", {"priority": "critical"})
    assert refused.status_code == 403
    assert list(error_of(refused)["fields"]) == ["priority"]
    assert as_customer.patch(f"/tickets/{ticket.pk}/", {"status": "open"}).status_code == 403
    closed = as_customer.patch(f"/tickets/{ticket.pk}/", {"status": "closed"})
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    assert closed.json()["closed_at"] is not None
    reopened = as_customer.patch(f"/tickets/{ticket.pk}/", {"status": "reopened"})
    assert reopened.json()["status"] == "reopened"


def test_other_customer_patch_is_404(as_other_customer: Api, customer: User) -> None:
    ticket = open_ticket(customer)
    for body in ({"status": "closed"}, {"priority": "low"}):
        assert as_other_customer.patch(f"/tickets/{ticket.pk}/", body).status_code == 404


# --- deleting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("as_customer", 403), ("as_other_customer", 404), ("as_agent", 403), ("as_admin", 204)],
)
def test_delete_matrix(
    request: pytest.FixtureRequest, customer: User, who: str, status: int
) -> None:
    ticket = open_ticket(customer)
    response = request.getfixturevalue(who).delete(f"/tickets/{ticket.pk}/")
    assert response.status_code == status
    assert Ticket.objects.filter(pk=ticket.pk).exists() == (status != 204)


# --- actions --------------------------------------------------------------------------------


def test_assign_and_unassign(as_agent: Api, customer: User, other_agent: User) -> None:
    ticket = open_ticket(customer)
    response = as_agent.post(f"/tickets/{ticket.pk}/assign/", {"user_id": other_agent.pk})
    assert response.status_code == 200
    assert response.json()["assigned_to"] == other_agent.pk
    again = as_agent.post(f"/tickets/{ticket.pk}/assign/", {"user_id": other_agent.pk})
    assert again.status_code == 400
    assert "user_id" in error_of(again)["fields"]
    response = as_agent.post(f"/tickets/{ticket.pk}/assign/", {"user_id": None})
    assert response.json()["assigned_to"] is None


def test_assign_to_customer_is_invalid(as_agent: Api, customer: User) -> None:
    ticket = open_ticket(customer)
    response = as_agent.post(f"/tickets/{ticket.pk}/assign/", {"user_id": customer.pk})
    assert response.status_code == 400
    assert "user_id" in error_of(response)["fields"]


def test_assign_matrix(
    as_customer: Api, as_other_customer: Api, customer: User, agent: User
) -> None:
    ticket = open_ticket(customer)
    for api in (as_customer, as_other_customer):
        assert api.post(f"/tickets/{ticket.pk}/assign/", {"user_id": agent.pk}).status_code == 403
    assert as_customer.post(f"/tickets/{ticket.pk}/assign/", {}).status_code == 400


def test_change_status(
    as_agent: Api, as_customer: Api, as_other_customer: Api, customer: User
) -> None:
    ticket = open_ticket(customer)
    url = f"/tickets/{ticket.pk}/change_status/"
    assert as_agent.post(url, {"status": "resolved"}).json()["resolved_at"] is not None
    assert as_other_customer.post(url, {"status": "closed"}).status_code == 404
    assert as_customer.post(url, {"status": "closed"}).json()["status"] == "closed"
    bad = as_agent.post(url, {"status": "sideways"})
    assert bad.status_code == 400
    assert "status" in error_of(bad)["fields"]


def test_add_comment(
    as_agent: Api, as_customer: Api, as_other_customer: Api, customer: User
) -> None:
    ticket = open_ticket(customer)
    url = f"/tickets/{ticket.pk}/add_comment/"
    note = as_agent.post(url, {"content": "Working on this issue", "is_internal": True})
    assert note.status_code == 201
    assert note.json()["is_internal"] is True
    reply = as_customer.post(url, {"content": "Thanks for the help"})
    assert reply.status_code == 201
    assert reply.json()["is_internal"] is False
    refused = as_customer.post(url, {"content": "I want to be internal", "is_internal": True})
    assert refused.status_code == 403
    assert as_other_customer.post(url, {"content": "Not my ticket at all"}).status_code == 404
    first_response = as_agent.post(url, {"content": "We are on it now"})
    assert first_response.status_code == 201
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None
    assert ticket.status == Status.OPEN


def test_a_due_date_with_any_offset_is_stored_in_utc(as_agent: Api, customer: User) -> None:
    """PostgreSQL refuses offsets past 15:59; Python allows up to 23:59. Found by the schema
    fuzzer on PostgreSQL: the service moves every due date to UTC before it is stored."""
    ticket = open_ticket(customer)
    response = as_agent.patch(f"/tickets/{ticket.pk}/", {"due_date": "3004-08-11T19:44:31+22:20"})
    assert response.status_code == 200, response.content
    assert response.json()["due_date"].startswith("3004-08-10T21:24:31")


def test_a_due_date_moved_out_of_the_calendar_is_refused(as_agent: Api, customer: User) -> None:
    ticket = open_ticket(customer)
    response = as_agent.patch(f"/tickets/{ticket.pk}/", {"due_date": "9999-12-31T23:00:00-05:00"})
    assert response.status_code == 400
    [message] = error_of(response)["fields"]["due_date"]
    assert message.startswith("The due date is outside the calendar")
    ticket.refresh_from_db()
    assert ticket.due_at is None


def test_filter_moments_take_any_offset(as_agent: Api, customer: User) -> None:
    open_ticket(customer)
    found = as_agent.get("/tickets/", created_before="2999-01-01T00:00:00+22:20")
    assert found.status_code == 200, found.content
    assert len(found.json()["results"]) == 1
    off_the_calendar = as_agent.get("/tickets/", created_before="0001-01-01T00:00:00+05:00")
    assert off_the_calendar.status_code == 400
    assert "created_before" in error_of(off_the_calendar)["fields"]
