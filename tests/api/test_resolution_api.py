"""The resolution in the REST API: read by who may, written by agents only."""

from __future__ import annotations

from typing import Any

import pytest

from frontdesk.accounts.models import User
from frontdesk.tickets import services
from frontdesk.tickets.models import Status, Ticket, TicketEvent
from tests.api.helpers import Api, error_of

pytestmark = pytest.mark.django_db

FIXED = "Replaced the toner.\nPrints again."


def resolution_of(response: Any) -> tuple[str, bool]:
    assert response.status_code == 200, response.content
    data = response.json()
    return data["resolution"], data["resolution_public"]


def test_agent_resolves_with_a_resolution(as_agent: Api, ticket: Ticket) -> None:
    response = as_agent.post(
        f"/tickets/{ticket.pk}/change_status/", {"status": "resolved", "resolution": FIXED}
    )
    assert response.json()["status"] == "resolved"
    assert resolution_of(response) == (FIXED, True)
    rows = as_agent.get("/history/", ticket=str(ticket.pk)).json()["results"]
    assert (rows[0]["field"], rows[0]["old_value"], rows[0]["new_value"]) == (
        "resolution",
        "",
        FIXED,
    )


def test_change_status_with_a_staff_only_resolution(as_agent: Api, ticket: Ticket) -> None:
    response = as_agent.post(
        f"/tickets/{ticket.pk}/change_status/",
        {"status": "closed", "resolution": FIXED, "resolution_public": False},
    )
    assert response.json()["status"] == "closed"
    assert resolution_of(response) == (FIXED, False)


def test_a_resolution_with_another_status_is_refused(as_agent: Api, ticket: Ticket) -> None:
    response = as_agent.post(
        f"/tickets/{ticket.pk}/change_status/", {"status": "pending", "resolution": FIXED}
    )
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["resolution"]
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolution) == (Status.NEW, "")


def test_agent_patches_and_puts_the_resolution(as_agent: Api, ticket: Ticket) -> None:
    url = f"/tickets/{ticket.pk}/"
    patched = as_agent.patch(url, {"resolution": FIXED, "resolution_public": False})
    assert resolution_of(patched) == (FIXED, False)
    body = {
        "subject": "Printer is broken",
        "priority": "medium",
        "category": "general",
        "tags": [],
        "due_date": None,
        "estimated_hours": None,
        "actual_hours": None,
        "assigned_to": None,
        "status": "new",
    }
    # A PUT without the resolution (a client older than it) leaves it alone...
    assert resolution_of(as_agent.put(url, body)) == (FIXED, False)
    # ...and one with it replaces it.
    replaced = as_agent.put(url, {**body, "resolution": "Other", "resolution_public": True})
    assert resolution_of(replaced) == ("Other", True)


def test_agent_creates_a_resolved_ticket_with_its_resolution(as_agent: Api, customer: User) -> None:
    response = as_agent.post(
        "/tickets/",
        {
            "subject": "Phoned about the printer",
            "description": "Talked them through it.",
            "customer": customer.pk,
            "status": "resolved",
            "resolution": FIXED,
        },
    )
    assert response.status_code == 201, response.content
    assert (response.json()["status"], response.json()["resolution"]) == ("resolved", FIXED)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"resolution": "x" * 10_001}, "resolution"),
        ({"resolution": "Bad \u0007 bell"}, "resolution"),
        ({"resolution": None}, "resolution"),
        ({"resolution": 12}, "resolution"),
        ({"resolution_public": "maybe"}, "resolution_public"),
    ],
)
def test_invalid_resolutions_are_400(
    as_agent: Api, ticket: Ticket, body: dict[str, Any], field: str
) -> None:
    response = as_agent.patch(f"/tickets/{ticket.pk}/", body)
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == [field]
    assert not TicketEvent.objects.filter(ticket=ticket, field__startswith="resolution").exists()


# --- customers ------------------------------------------------------------------------------


def test_customer_reads_a_public_resolution(as_customer: Api, agent: User, ticket: Ticket) -> None:
    services.ticket_change_status(
        actor=agent, ticket_id=ticket.pk, status=Status.RESOLVED, resolution=FIXED
    )
    assert resolution_of(as_customer.get(f"/tickets/{ticket.pk}/")) == (FIXED, True)


def test_customer_never_reads_a_staff_only_resolution(
    as_customer: Api, as_agent: Api, agent: User, ticket: Ticket
) -> None:
    services.ticket_change_status(
        actor=agent,
        ticket_id=ticket.pk,
        status=Status.RESOLVED,
        resolution="Customer broke it; do not tell them.",
        resolution_public=False,
    )
    for response in (
        as_customer.get(f"/tickets/{ticket.pk}/"),
        as_customer.post(f"/tickets/{ticket.pk}/change_status/", {"status": "closed"}),
    ):
        assert resolution_of(response) == ("", False)
        assert "do not tell" not in response.content.decode()
    for path in ("/tickets/", "/tickets/my_tickets/"):
        listed = as_customer.get(path).json()["results"]
        assert [(t["resolution"], t["resolution_public"]) for t in listed] == [("", False)]
    # Staff read it as it is, in the list too.
    assert as_agent.get("/tickets/").json()["results"][0]["resolution"].startswith("Customer")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", "/tickets/{id}/", {"resolution": "Fixed it myself."}),
        ("PATCH", "/tickets/{id}/", {"status": "closed", "resolution_public": True}),
        ("POST", "/tickets/{id}/change_status/", {"status": "closed", "resolution": "Done."}),
    ],
)
def test_customers_setting_the_resolution_are_refused(
    as_customer: Api, ticket: Ticket, method: str, path: str, body: dict[str, Any]
) -> None:
    response = as_customer.call(method, path.format(id=ticket.pk), body)
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    assert set(error_of(response)["fields"]) <= {"resolution", "resolution_public"}
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolution) == (Status.NEW, "")
