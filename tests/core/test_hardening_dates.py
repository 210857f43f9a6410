"""Dates at the calendar's edge answer 400 with a clear message on every face, never 500, and
change nothing: a filter that leaves the calendar once moved to UTC, and a due date that some
reader's time zone could not show (the first or last day of the calendar)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.tickets.models import Ticket
from tests.admin_forms import admin_browser, change_form, form_errors
from tests.api.helpers import Api, error_of

pytestmark = pytest.mark.django_db

OUTSIDE = "The due date is outside the calendar"
EDGE_DUE_DATES = [
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31T10:00:00+00:00",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+14:00",
]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("created_before", "9999-12-31T23:59:59-14:00"),
        ("created_before", "9999-12-31"),
        ("created_after", "9999-12-31T23:59:59-14:00"),
        ("created_after", "0001-01-01T00:00:00+14:00"),
    ],
)
def test_rest_filters_at_the_edge_are_400(agent: User, name: str, value: str) -> None:
    response = Api(agent).get("/tickets/", **{name: value})
    assert response.status_code == 400
    assert name in error_of(response)["fields"]


@pytest.mark.parametrize("value", EDGE_DUE_DATES)
def test_rest_due_dates_at_the_edge_are_400(agent: User, ticket: Ticket, value: str) -> None:
    response = Api(agent).patch(f"/tickets/{ticket.pk}/", {"due_date": value})
    assert response.status_code == 400, response.content
    assert OUTSIDE in error_of(response)["message"]
    ticket.refresh_from_db()
    assert ticket.due_at is None


def test_the_last_day_that_every_time_zone_can_show_is_accepted(
    agent: User, ticket: Ticket
) -> None:
    response = Api(agent).patch(f"/tickets/{ticket.pk}/", {"due_date": "9999-12-30T23:00:00Z"})
    assert response.status_code == 200
    agent.time_zone = "Pacific/Kiritimati"  # UTC+14: 31 December 9999, 13:00
    agent.save(update_fields=["time_zone"])
    client = Client()
    client.force_login(agent)
    assert client.get(f"/ticket/{ticket.pk}").status_code == 200
    assert client.get("/home").status_code == 200


def test_the_ticket_page_refuses_an_edge_due_date(agent: User, ticket: Ticket) -> None:
    agent.time_zone = "Pacific/Kiritimati"
    agent.save(update_fields=["time_zone"])
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    page = client.get(f"/ticket/{ticket.pk}")
    token = page.cookies["csrftoken"].value if "csrftoken" in page.cookies else ""
    answer: Any = client.post(
        f"/ticket/{ticket.pk}",
        {"action": "due", "due_at": "9999-12-31T23:59", "csrfmiddlewaretoken": token},
    )
    assert answer.status_code == 400
    assert OUTSIDE in answer.content.decode()
    ticket.refresh_from_db()
    assert ticket.due_at is None
    assert client.get(f"/ticket/{ticket.pk}").status_code == 200


def test_the_admin_refuses_an_edge_due_date(admin: User, ticket: Ticket) -> None:
    response = change_form(
        admin_browser(admin),
        f"/admin/tickets/ticket/{ticket.pk}/change/",
        "ticket_form",
        due_at_0="9999-12-31",
        due_at_1="23:59:59",
    )
    assert response.status_code == 200
    assert any(OUTSIDE in error for errors in form_errors(response).values() for error in errors)
    ticket.refresh_from_db()
    assert ticket.due_at is None


def test_an_edge_moment_is_never_stored(agent: User, ticket: Ticket) -> None:
    from frontdesk.core.errors import InvalidInput
    from frontdesk.tickets import services

    with pytest.raises(InvalidInput):
        services.ticket_update(
            actor=agent,
            ticket_id=ticket.pk,
            changes={"due_at": datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)},
        )
