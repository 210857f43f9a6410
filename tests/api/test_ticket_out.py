"""The REST lists write each ticket with ``schemas.ticket_out``, not through Ninja's schema:
it must say exactly what ``TicketOut`` says, for every kind of ticket and caller."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from ninja.responses import NinjaJSONEncoder

from frontdesk.accounts.models import User
from frontdesk.api.schemas import TicketOut, ticket_out
from frontdesk.tickets import api_selectors, services
from frontdesk.tickets.models import Status, Ticket
from tests.api.helpers import Api
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db


def _tickets(customer: User, agent: User) -> list[Ticket]:
    plain = open_ticket(customer, "Plain")
    worked = open_ticket(
        customer,
        "Worked on",
        messages=[(agent, "Looking at it.")],
        assignee=agent,
        staff=agent,
        priority="urgent",
        category="billing",
        tags=["boiler", "annex"],
        due_at=datetime(2030, 5, 1, 9, 30, 15, 123456, tzinfo=UTC),
        estimated_hours=Decimal("2.50"),
        actual_hours=Decimal("0.25"),
    )
    hidden = open_ticket(customer, "Staff-only resolution", staff=agent)
    services.ticket_change_status(
        actor=agent, ticket_id=hidden.pk, status=Status.RESOLVED, resolution="Reset the relay."
    )
    public = open_ticket(customer, "Public resolution", staff=agent)
    services.ticket_change_status(
        actor=agent,
        ticket_id=public.pk,
        status=Status.CLOSED,
        resolution="Replaced the fuse.",
        resolution_public=True,
    )
    return [plain, worked, hidden, public]


def _schema(ticket: Ticket, user: User) -> dict[str, object]:
    request = SimpleNamespace(auth=user)
    return TicketOut.model_validate(ticket, context={"request": request}).model_dump()


@pytest.mark.parametrize("who", ["customer", "agent", "admin"])
def test_ticket_out_is_what_the_schema_says(
    who: str, customer: User, agent: User, admin: User
) -> None:
    _tickets(customer, agent)
    caller = {"customer": customer, "agent": agent, "admin": admin}[who]
    listed = api_selectors.tickets_list_for_api(user=caller, filters={}, limit=50).items
    one_by_one = [api_selectors.ticket_get_for_api(user=caller, ticket_id=t.pk) for t in listed]
    assert len(listed) == 4
    for row, ticket in zip(listed, one_by_one, strict=True):
        # A list's row (tickets/rows.py) is written as the ticket itself would be.
        assert ticket_out(row, caller) == _schema(ticket, caller)
        assert ticket_out(ticket, caller) == _schema(ticket, caller)


def test_the_list_answers_as_the_schema_would(customer: User, agent: User) -> None:
    tickets = _tickets(customer, agent)
    answer = Api(agent).get("/tickets/", ordering="created_at")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json; charset=utf-8"
    expected = [
        _schema(api_selectors.ticket_get_for_api(user=agent, ticket_id=t.pk), agent)
        for t in tickets
    ]
    assert answer.json() == {
        "results": json.loads(json.dumps(expected, cls=NinjaJSONEncoder)),
        "next": None,
    }
