"""The ticket list: filters, ordering, keyset pages, search without leaks, query counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from frontdesk.accounts.models import User
from frontdesk.tickets import services
from frontdesk.tickets.models import Ticket
from tests.api.helpers import Api, error_of, ids
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db

# Mid-morning, so that the desk's five hours stay within one day.
START = (timezone.now() - timedelta(days=30)).replace(hour=9, minute=0, second=0, microsecond=0)


def _opened(requester: User, title: str, hours: int, **options: Any) -> Ticket:
    """Opened ``hours`` after START (tests.conftest.open_ticket). Its updated_at is then set
    directly, in the reverse order of creation, which no short sequence of use cases gives
    and the ordering tests need."""
    ticket = open_ticket(requester, title, at=START + timedelta(hours=hours), **options)
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=START + timedelta(hours=100 - hours))
    return ticket


@pytest.fixture
def desk(customer: User, other_customer: User, agent: User) -> dict[str, Ticket]:
    now = timezone.now()
    return {
        "low": _opened(
            customer, "Low priority one", 1, staff=agent, priority="low", category="bug"
        ),
        "mine": _opened(customer, "Assigned to Alice", 2, assignee=agent, status="open"),
        "late": _opened(
            other_customer, "Late ticket here", 3, staff=agent, due_at=now - timedelta(1)
        ),
        "crit": _opened(other_customer, "Critical problem", 4, staff=agent, priority="critical"),
        "done": _opened(customer, "Resolved already", 5, staff=agent, status="resolved"),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "resolved"}, ["done"]),
        ({"priority": "critical"}, ["crit"]),
        ({"category": "bug"}, ["low"]),
        ({"my_tickets": "true"}, ["mine"]),
        ({"unassigned": "true"}, ["low", "late", "crit"]),
        ({"overdue": "true"}, ["late"]),
        ({"search": "critical"}, ["crit"]),
        ({"search": "heating in studio"}, ["low", "mine", "late", "crit", "done"]),
        ({"unassigned": "false"}, ["low", "mine", "late", "crit", "done"]),
    ],
)
def test_filters(
    as_agent: Api, desk: dict[str, Ticket], query: dict[str, str], expected: list[str]
) -> None:
    names = {ticket.pk: name for name, ticket in desk.items()}
    got = [names[pk] for pk in ids(as_agent.get("/tickets/", ordering="created_at", **query))]
    assert got == expected


def test_customer_and_assignee_filters(
    as_agent: Api, desk: dict[str, Ticket], customer: User, agent: User
) -> None:
    got = ids(as_agent.get("/tickets/", customer=str(customer.pk), ordering="created_at"))
    assert got == [desk["low"].pk, desk["mine"].pk, desk["done"].pk]
    assert ids(as_agent.get("/tickets/", assigned_to=str(agent.pk))) == [desk["mine"].pk]


def test_created_after_and_before(as_agent: Api, desk: dict[str, Ticket]) -> None:
    after = (START + timedelta(hours=3)).isoformat()
    assert len(ids(as_agent.get("/tickets/", created_after=after))) == 3
    assert len(ids(as_agent.get("/tickets/", created_before=after))) == 2
    day = START.date().isoformat()
    assert len(ids(as_agent.get("/tickets/", created_before=day))) == 5
    assert len(ids(as_agent.get("/tickets/", created_after=day))) == 5
    tomorrow = (START + timedelta(days=1)).date().isoformat()
    assert ids(as_agent.get("/tickets/", created_after=tomorrow)) == []


def test_collections(as_agent: Api, as_customer: Api, desk: dict[str, Ticket]) -> None:
    assert ids(as_agent.get("/tickets/my_tickets/")) == [desk["mine"].pk]
    assert set(ids(as_agent.get("/tickets/unassigned/"))) == {
        desk["low"].pk,
        desk["late"].pk,
        desk["crit"].pk,
    }
    assert ids(as_agent.get("/tickets/overdue/")) == [desk["late"].pk]
    assert set(ids(as_customer.get("/tickets/my_tickets/"))) == {
        desk["low"].pk,
        desk["mine"].pk,
        desk["done"].pk,
    }
    # Due dates are staff only (tests/api/test_customer_fields.py).
    assert as_customer.get("/tickets/overdue/").status_code == 400


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("created_at", ["low", "mine", "late", "crit", "done"]),
        ("-created_at", ["done", "crit", "late", "mine", "low"]),
        ("updated_at", ["done", "crit", "late", "mine", "low"]),
        ("-updated_at", ["low", "mine", "late", "crit", "done"]),
        ("priority", ["crit", "mine", "late", "done", "low"]),
        ("due_date", ["late", "low", "mine", "crit", "done"]),
    ],
)
def test_ordering(
    as_agent: Api, desk: dict[str, Ticket], ordering: str, expected: list[str]
) -> None:
    names = {ticket.pk: name for name, ticket in desk.items()}
    assert [names[pk] for pk in ids(as_agent.get("/tickets/", ordering=ordering))] == expected


@pytest.mark.parametrize("ordering", ["created_at", "-updated_at", "priority", "due_date"])
def test_keyset_pages_continue_exactly(
    as_agent: Api, desk: dict[str, Ticket], ordering: str
) -> None:
    everything = ids(as_agent.get("/tickets/", ordering=ordering))
    seen: list[int] = []
    response = as_agent.get("/tickets/", ordering=ordering, limit="2")
    while True:
        seen += ids(response)
        next_url = response.json()["next"]
        if next_url is None:
            break
        assert next_url.startswith("/api/ticketing/tickets/?")
        response = as_agent.client.get(next_url, headers=as_agent.headers)
    assert seen == everything


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "bogus"}, "status"),
        ({"priority": "huge"}, "priority"),
        ({"category": "x"}, "category"),
        ({"customer": "abc"}, "customer"),
        ({"assigned_to": "-1"}, "assigned_to"),
        ({"my_tickets": "maybe"}, "my_tickets"),
        ({"unassigned": "2"}, "unassigned"),
        ({"overdue": "yes please"}, "overdue"),
        ({"created_after": "yesterday"}, "created_after"),
        ({"created_before": "2025-13-45"}, "created_before"),
        ({"search": "x" * 201}, "search"),
        ({"ordering": "title"}, "ordering"),
        ({"cursor": "!!!"}, "cursor"),
        ({"cursor": "Y3JlYXRlZF9hdH4x"}, "cursor"),
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"limit": "ten"}, "limit"),
    ],
)
def test_invalid_filters_are_400(as_agent: Api, query: dict[str, str], field: str) -> None:
    response = as_agent.get("/tickets/", **query)
    assert response.status_code == 400, response.content
    error = error_of(response)
    assert error["code"] == "invalid"
    assert field in error["fields"]


def test_cursor_from_another_ordering_is_refused(as_agent: Api, desk: dict[str, Ticket]) -> None:
    next_url = as_agent.get("/tickets/", ordering="created_at", limit="1").json()["next"]
    cursor = next_url.split("cursor=")[1].split("&")[0]
    response = as_agent.get("/tickets/", ordering="priority", cursor=cursor)
    assert response.status_code == 400


def test_search_never_matches_internal_notes_for_customers(
    as_customer: Api, as_agent: Api, customer: User, agent: User
) -> None:
    ticket = open_ticket(customer)
    services.message_post(
        actor=agent, ticket_id=ticket.pk, body="zebra secret internal", internal=True
    )
    assert ids(as_customer.get("/tickets/", search="zebra")) == []
    assert ids(as_agent.get("/tickets/", search="zebra")) == [ticket.pk]
    assert ids(as_customer.get("/tickets/", search=ticket.number)) == [ticket.pk]


def test_customer_filters_cannot_reach_other_tickets(
    as_customer: Api, desk: dict[str, Ticket], other_customer: User
) -> None:
    assert ids(as_customer.get("/tickets/", customer=str(other_customer.pk))) == []
    assert ids(as_customer.get("/tickets/", search="Critical")) == []


def _count_queries(api: Api, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert api.get(path).status_code == 200
    return len(queries)


@pytest.mark.parametrize("path", ["/tickets/", "/tickets/unassigned/", "/comments/", "/history/"])
def test_query_count_does_not_grow(
    as_agent: Api, customer: User, agent: User, other_agent: User, path: str
) -> None:
    def make(count: int) -> None:
        for number in range(count):
            ticket = open_ticket(customer, f"Numbered ticket {number}")
            services.ticket_update(actor=agent, ticket_id=ticket.pk, changes={"tags": ["a", "b"]})

    make(3)
    few = _count_queries(as_agent, path)
    make(17)
    assert _count_queries(as_agent, path) == few
    # The token's user, the page, its tags; a ticket list also its custom field values.
    assert few <= (5 if path.startswith("/tickets/") else 4)


def test_overdue_lists_the_longest_overdue_first_page_by_page(
    as_agent: Api, customer: User, agent: User
) -> None:
    moment = timezone.now()
    late = [
        open_ticket(customer, f"Late ticket {n}", staff=agent, due_at=moment - timedelta(hours=h))
        for n, h in enumerate([3, 50, 1, 20, 7])
    ]
    first = as_agent.get("/tickets/overdue/?limit=3").json()
    second = as_agent.get(first["next"].removeprefix("/api/ticketing")).json()
    listed = [t["id"] for t in first["results"] + second["results"]]
    assert listed == [late[1].pk, late[3].pk, late[4].pk, late[0].pk, late[2].pk]
    newest = as_agent.get("/tickets/overdue/?ordering=-created_at").json()["results"]
    assert [t["id"] for t in newest] == [t.pk for t in reversed(late)]
