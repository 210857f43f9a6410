"""A REST list's answer, byte for byte, is what Ninja would write from ``TicketOut`` (its
renderer: ``json.dumps`` with ``NinjaJSONEncoder``): the same key order, separators, escaping
of non-ASCII text, datetime format (milliseconds, ``Z``), hours as numbers and custom fields'
values. And a list whose ids are chosen by SQL compiled once (``paging.PageIds``) lists the
same tickets, page by page, as the query built for each request."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from ninja.responses import NinjaJSONEncoder

from frontdesk.accounts.models import User
from frontdesk.api.schemas import TicketOut
from frontdesk.fields import services as field_services
from frontdesk.teams import services as team_services
from frontdesk.tickets import api_selectors, services
from frontdesk.tickets.filters import choice_filters
from frontdesk.tickets.models import Status, Ticket
from tests.api.helpers import Api
from tests.conftest import open_ticket, time_at

pytestmark = pytest.mark.django_db

TITLE = 'Réservation \u2013 cours «salsa» ☕ 🎉 "quoted" \\ </script>'
BODY = "Ligne un\nligne deux\t€80 — ça marche? \u00e9\u0301"


def _define_fields(admin: User) -> None:
    for values in (
        {"key": "style", "label": "Style", "type": "choice", "choices": ["Salsa", "Tango"]},
        {
            "key": "levels",
            "label": "Levels",
            "type": "multi_choice",
            "choices": ["Beginner", "Improver", "Advanced"],
            "customer_visible": True,
        },
        {"key": "paid", "label": "Paid", "type": "number"},
        {"key": "class_date", "label": "Class date", "type": "date"},
        {"key": "member", "label": "Member", "type": "checkbox"},
        {"key": "note", "label": "Note", "type": "text", "customer_visible": True},
    ):
        field_services.field_define(actor=admin, values=values)


def _desk(customer: User, agent: User, admin: User) -> list[Ticket]:
    """Tickets with every field of the representation set, and some with none."""
    _define_fields(admin)
    team = team_services.team_create(actor=admin, values={"name": "Ténérife", "members": []})
    full = open_ticket(
        customer,
        TITLE,
        BODY,
        messages=[(agent, "Vu ✓")],
        assignee=agent,
        staff=agent,
        priority="high",
        category="billing",
        tags=["annex 2", "boiler"],
        due_at=datetime(2030, 5, 1, 9, 30, 15, 123456, tzinfo=UTC),
        estimated_hours=Decimal("2.50"),
        actual_hours=Decimal("0.25"),
    )
    field_services.ticket_fields_set(
        actor=agent,
        ticket_id=full.pk,
        values={
            "style": "Tango",
            "levels": ["Advanced", "Beginner"],
            "paid": "12.5",
            "class_date": "2030-04-30",
            "member": True,
            "note": "Prefers the «annex» \u2013 2nd floor",
        },
    )
    team_services.ticket_set_team(actor=admin, ticket_id=full.pk, team_id=team.pk)
    plain = open_ticket(customer, "Plain", "Hello.")
    resolved = open_ticket(customer, "Resolved", "Fix it.", staff=agent, priority="high")
    services.ticket_change_status(
        actor=agent,
        ticket_id=resolved.pk,
        status=Status.RESOLVED,
        resolution="Replaced the fuse — «fixed».",
        resolution_public=True,
    )
    unassigned = open_ticket(customer, "Nobody's yet", "Waiting.", priority="high", staff=agent)
    overdue = open_ticket(
        customer,
        "Late",
        "Late.",
        staff=agent,
        due_at=datetime(2000, 1, 1, 8, tzinfo=UTC),
    )
    return [full, plain, resolved, unassigned, overdue]


def _rendered(user: User, tickets: list[Any], next_url: str | None) -> bytes:
    """What Ninja's renderer writes for a page of ``TicketOut``."""
    request = SimpleNamespace(auth=user)
    results = [
        TicketOut.model_validate(
            api_selectors.ticket_get_for_api(user=user, ticket_id=row["id"]),
            context={"request": request},
        ).model_dump()
        for row in tickets
    ]
    return json.dumps({"results": results, "next": next_url}, cls=NinjaJSONEncoder).encode()


LISTS = [
    ("/tickets/", {}),
    ("/tickets/", {"status": "open", "priority": "high"}),
    ("/tickets/", {"ordering": "created_at", "limit": "2"}),
    ("/tickets/", {"ordering": "priority", "limit": "2"}),
    ("/tickets/", {"field_style": "Tango"}),
    ("/tickets/my_tickets/", {}),
    ("/tickets/unassigned/", {"limit": "1"}),
    ("/tickets/overdue/", {}),
]


@pytest.mark.parametrize("who", ["customer", "agent", "admin"])
def test_a_list_answers_the_bytes_ninja_would_write(
    who: str, customer: User, agent: User, admin: User
) -> None:
    _desk(customer, agent, admin)
    user = {"customer": customer, "agent": agent, "admin": admin}[who]
    api = Api(user)
    compared = 0
    for path, query in LISTS:
        if who == "customer" and ({"priority", "field_style"} & set(query) or "over" in path):
            continue  # staff-only filters (tests/api/test_ticket_lists.py)
        if who == "customer" and query.get("ordering") == "priority":
            continue
        url: str | None = f"/api/ticketing{path}"
        params: dict[str, str] = query
        while url:
            answer = api.client.get(url, params, headers=api.headers)
            assert answer.status_code == 200, (path, query, answer.content)
            page = json.loads(answer.content)
            assert answer.content == _rendered(user, page["results"], page["next"]), (path, query)
            compared += len(page["results"])
            url, params = page["next"], {}
    assert compared >= (8 if who == "customer" else 16)


def test_the_full_ticket_reads_as_expected(customer: User, agent: User, admin: User) -> None:
    """The bytes above, checked against literal text for the ticket with everything set."""
    team_id = Ticket.objects.get(pk=_desk(customer, agent, admin)[0].pk).team_id
    content = Api(agent).get("/tickets/", ordering="created_at", limit="1").content.decode()
    assert content.isascii()  # non-ASCII text escaped, as json.dumps does
    assert (
        '"subject": "R\\u00e9servation \\u2013 cours \\u00absalsa\\u00bb \\u2615 '
        '\\ud83c\\udf89 \\"quoted\\" \\\\ </script>"'
    ) in content
    assert '"due_date": "2030-05-01T09:30:15.123Z"' in content
    assert '"estimated_hours": 2.5, "actual_hours": 0.25' in content
    assert '"tags": ["annex 2", "boiler"]' in content
    assert (
        '"custom_fields": {"style": "Tango", "levels": ["Beginner", "Advanced"], "paid": 12.5, '
        '"class_date": "2030-04-30", "member": true, "note": '
        '"Prefers the \\u00abannex\\u00bb \\u2013 2nd floor"}'
    ) in content
    assert f'"team": {{"id": {team_id}, "name": "T\\u00e9n\\u00e9rife"}}' in content


@pytest.mark.parametrize("who", ["customer", "agent", "admin"])
@pytest.mark.parametrize("ordering", sorted(api_selectors.API_ORDERINGS))
def test_compiled_ids_list_what_the_built_query_lists(
    who: str, ordering: str, customer: User, agent: User, admin: User
) -> None:
    _desk(customer, agent, admin)
    user = {"customer": customer, "agent": agent, "admin": admin}[who]
    if who == "customer" and ordering in api_selectors.WORKINGS_ORDERINGS:
        return
    shapes: list[dict[str, str]] = [{}, {"status": "open"}, {"my_tickets": "true"}]
    if who != "customer":
        shapes += [
            {"priority": "high"},
            {"unassigned": "true", "priority": "high"},
            {"overdue": "true"},
            {"overdue": "false", "status": "open"},
        ]

    def walk(filters: dict[str, str]) -> list[int]:
        listed: list[int] = []
        cursor = ""
        while True:
            page = api_selectors.tickets_list_for_api(
                user=user, filters=filters, ordering=ordering, cursor=cursor, limit=1
            )
            listed += [row.pk for row in page.items]
            if page.cursor is None:
                return listed
            cursor = page.cursor

    listed = 0
    for filters in shapes:
        assert choice_filters(filters) is not None  # compiled
        # A filter that keeps every ticket, outside the compiled ones: the query is built.
        built = {**filters, "created_after": "2000-01-01"}
        assert choice_filters(built) is None
        assert walk(filters) == walk(built), filters
        listed += len(walk(filters))
    assert listed >= 5 + 3  # every ticket, then more than one shape


def test_the_compiled_overdue_list_reads_the_time_of_each_request(
    customer: User, agent: User, admin: User
) -> None:
    """The time goes into the compiled SQL as a parameter, never with its first value."""
    full, *_, late = _desk(customer, agent, admin)

    def overdue() -> list[int]:
        assert choice_filters({"overdue": "true"}) is not None
        page = api_selectors.tickets_list_for_api(
            user=agent, filters={"overdue": "true"}, ordering="due_date"
        )
        return [row.pk for row in page.items]

    with time_at(datetime(2030, 1, 1, tzinfo=UTC)):
        assert overdue() == [late.pk]
    with time_at(datetime(2031, 1, 1, tzinfo=UTC)):
        assert overdue() == [late.pk, full.pk]
    with time_at(datetime(1999, 1, 1, tzinfo=UTC)):
        assert overdue() == []


def test_bad_filters_are_refused_as_before(customer: User, agent: User) -> None:
    """The first bad filter named, in the filters' order; a customer's staff-only filter."""
    answer = Api(agent).get("/tickets/", status="bogus", overdue="maybe", ordering="due_date")
    assert answer.status_code == 400
    assert list(answer.json()["error"]["fields"]) == ["status"], answer.content
    refused = Api(customer).get("/tickets/", overdue="true")
    assert refused.status_code == 400
    assert list(refused.json()["error"]["fields"]) == ["overdue"], refused.content
