"""The workspace's selectors: views, counts, filters, sorting, keyset pages, search, history,
and who may use them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from frontdesk.accounts.models import Role, User
from frontdesk.core.errors import InvalidInput, NotAllowed
from frontdesk.tickets import selectors, services
from frontdesk.tickets.models import Priority, Status, Ticket
from frontdesk.tickets.selectors import (
    HistoryEntry,
    WorkspaceSort,
    WorkspaceView,
)
from tests.conftest import make_user, open_ticket

pytestmark = pytest.mark.django_db

START = timezone.now() - timedelta(days=30)


def _at(hours: float) -> datetime:
    return START + timedelta(hours=hours)


def _titles(page: selectors.TicketPage) -> list[str]:
    return [ticket.title for ticket in page.tickets]


@pytest.fixture
def desk(customer: User, agent: User, other_agent: User) -> dict[str, Ticket]:
    """One ticket for each case the views tell apart."""
    now = timezone.now()
    return {
        "queued_old": open_ticket(customer, "Queued old ticket", at=_at(1)),
        "queued_new": open_ticket(customer, "Queued new ticket", at=_at(5)),
        "mine": open_ticket(customer, "Assigned to Alice", at=_at(2), assignee=agent),
        "theirs": open_ticket(customer, "Assigned to Bob", at=_at(3), assignee=other_agent),
        "pending": open_ticket(
            customer, "Waiting on customer", at=_at(4), staff=agent, status=Status.PENDING
        ),
        "overdue": open_ticket(
            customer, "Late ticket here", at=_at(6), staff=agent, due_at=now - timedelta(hours=1)
        ),
        "due_later": open_ticket(
            customer, "Due next week", at=_at(7), staff=agent, due_at=now + timedelta(days=7)
        ),
        "closed_first": open_ticket(
            customer, "Closed long ago", at=_at(8), staff=agent, status=Status.CLOSED
        ),
        "closed_last": open_ticket(
            customer, "Closed just now", at=_at(9), staff=agent, status=Status.RESOLVED
        ),
    }


# --- views and counts ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        (
            WorkspaceView.CLAIMABLE,
            [
                "Queued old ticket",
                "Waiting on customer",
                "Queued new ticket",
                "Late ticket here",
                "Due next week",
            ],
        ),
        (WorkspaceView.MINE, ["Assigned to Alice"]),
        (
            WorkspaceView.OPEN,
            [
                "Queued old ticket",
                "Assigned to Alice",
                "Assigned to Bob",
                "Waiting on customer",
                "Queued new ticket",
                "Late ticket here",
                "Due next week",
            ],
        ),
        (WorkspaceView.PENDING, ["Waiting on customer"]),
        (WorkspaceView.OVERDUE, ["Late ticket here"]),
        (WorkspaceView.CLOSED, ["Closed just now", "Closed long ago"]),
    ],
)
def test_each_view_lists_its_tickets_in_its_order(
    desk: dict[str, Ticket], agent: User, view: str, expected: list[str]
) -> None:
    assert _titles(selectors.tickets_for_workspace(user=agent, view=view)) == expected


def test_overdue_view_puts_the_latest_first(customer: User, agent: User) -> None:
    now = timezone.now()
    open_ticket(customer, "A little late", at=_at(0), staff=agent, due_at=now - timedelta(hours=1))
    open_ticket(
        customer, "Very late indeed", at=_at(1), staff=agent, due_at=now - timedelta(days=3)
    )
    page = selectors.tickets_for_workspace(user=agent, view=WorkspaceView.OVERDUE)
    assert _titles(page) == ["Very late indeed", "A little late"]


def test_counts_match_the_views(desk: dict[str, Ticket], agent: User, admin: User) -> None:
    counts = selectors.workspace_counts(user=agent)
    assert counts == {
        "claimable": 5,
        "mine": 1,
        "open": 7,
        "pending": 1,
        "overdue": 1,
        "closed": 2,
    }
    assert selectors.workspace_counts(user=admin)["mine"] == 0
    for view, count in counts.items():
        assert len(selectors.tickets_for_workspace(user=agent, view=view).tickets) == count


def test_customers_cannot_use_the_workspace(
    desk: dict[str, Ticket], customer: User, agent: User
) -> None:
    with pytest.raises(NotAllowed):
        selectors.tickets_for_workspace(user=customer, view=WorkspaceView.OPEN)
    with pytest.raises(NotAllowed):
        selectors.workspace_counts(user=customer)
    with pytest.raises(NotAllowed):
        selectors.agents_assignable(user=customer)
    with pytest.raises(NotAllowed):
        selectors.agent_get(user=customer, agent_id=agent.pk)
    # The history is staff-only: a customer's is empty (tickets/access.py).
    assert selectors.ticket_history(user=customer, ticket=desk["mine"]) == []


def test_deactivated_agents_lose_the_workspace(agent: User) -> None:
    agent.is_active = False
    with pytest.raises(NotAllowed):
        selectors.workspace_counts(user=agent)


# --- filters --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"status": Status.PENDING}, ["Waiting on customer"]),
        ({"priority": Priority.URGENT}, ["Queued new ticket"]),
        ({"category": "billing"}, ["Assigned to Bob"]),
        (
            {"assigned_to": "unassigned", "status": Status.NEW},
            ["Queued old ticket", "Queued new ticket", "Late ticket here", "Due next week"],
        ),
        ({"tag": "Boiler"}, ["Queued old ticket", "Assigned to Alice"]),
        ({"tag": "boiler", "priority": Priority.HIGH}, ["Assigned to Alice"]),
        ({"tag": "no such tag"}, []),
    ],
)
def test_filters_narrow_a_view(
    desk: dict[str, Ticket],
    agent: User,
    filters: dict[str, str],
    expected: list[str],
) -> None:
    for name, changes in [
        ("queued_new", {"priority": Priority.URGENT}),
        ("mine", {"priority": Priority.HIGH, "tags": ["boiler"]}),
        ("theirs", {"category": "billing"}),
        ("queued_old", {"tags": ["boiler"]}),
    ]:
        services.ticket_update(actor=agent, ticket_id=desk[name].pk, changes=changes)
    # ticket_update touches last activity, not creation: the order stays.
    page = selectors.tickets_for_workspace(user=agent, view=WorkspaceView.OPEN, filters=filters)
    assert _titles(page) == expected


def test_assignee_filter_takes_an_agent(
    desk: dict[str, Ticket], agent: User, other_agent: User
) -> None:
    filters = {"assigned_to": str(other_agent.pk)}
    page = selectors.tickets_for_workspace(user=agent, view=WorkspaceView.OPEN, filters=filters)
    assert _titles(page) == ["Assigned to Bob"]


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"status": "sleeping"}, "status"),
        ({"priority": "whenever"}, "priority"),
        ({"category": "gossip"}, "category"),
        ({"assigned_to": "bob"}, "assigned_to"),
    ],
)
def test_unknown_filter_values_are_refused(
    agent: User, filters: dict[str, str], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        selectors.tickets_for_workspace(user=agent, view=WorkspaceView.OPEN, filters=filters)
    assert caught.value.field == field


def test_unknown_view_and_sort_are_refused(agent: User) -> None:
    with pytest.raises(InvalidInput):
        selectors.tickets_for_workspace(user=agent, view="everything")
    with pytest.raises(InvalidInput):
        selectors.tickets_for_workspace(user=agent, view=WorkspaceView.OPEN, sort="random")


# --- sorting and keyset pages ---------------------------------------------------------------


@pytest.fixture
def sortable(customer: User, agent: User) -> list[Ticket]:
    """Six tickets whose created, last activity, priority and due dates disagree, with ties
    on every key so that the primary key has to break them."""
    now = timezone.now()
    rows = [
        ("Ticket number one", 1, 9, Priority.LOW, now + timedelta(days=1)),
        ("Ticket number two", 2, 8, Priority.CRITICAL, None),
        ("Ticket number three", 2, 7, Priority.HIGH, now - timedelta(days=1)),
        ("Ticket number four", 3, 7, Priority.CRITICAL, now + timedelta(days=1)),
        ("Ticket number five", 4, 2, Priority.MEDIUM, None),
        ("Ticket number six", 5, 1, Priority.HIGH, now + timedelta(hours=1)),
    ]
    return [
        open_ticket(
            customer,
            title,
            at=_at(hours),
            changed_at=START + timedelta(days=activity),  # the last activity
            staff=agent,
            priority=priority,
            due_at=due,
            tags=["sortable"],  # a change for every one, the medium priority's too
        )
        for title, hours, activity, priority, due in rows
    ]


SORTED = {
    WorkspaceSort.CREATED: ["one", "two", "three", "four", "five", "six"],
    WorkspaceSort.CREATED_DESC: ["six", "five", "four", "three", "two", "one"],
    WorkspaceSort.LAST_ACTIVITY: ["six", "five", "three", "four", "two", "one"],
    WorkspaceSort.LAST_ACTIVITY_DESC: ["one", "two", "four", "three", "five", "six"],
    WorkspaceSort.PRIORITY: ["two", "four", "three", "six", "five", "one"],
    WorkspaceSort.DUE: ["three", "six", "one", "four", "two", "five"],
}


@pytest.mark.parametrize("sort", list(SORTED))
def test_every_sort_orders_the_list(sortable: list[Ticket], agent: User, sort: str) -> None:
    page = selectors.tickets_for_workspace(user=agent, view=WorkspaceView.OPEN, sort=sort)
    assert [title.split()[-1] for title in _titles(page)] == SORTED[sort]
    assert page.sort == sort and page.next_after is None


@pytest.mark.parametrize("limit", [1, 4])
@pytest.mark.parametrize("sort", list(SORTED))
def test_keyset_pages_walk_the_whole_order_once(
    sortable: list[Ticket], agent: User, sort: str, limit: int
) -> None:
    seen: list[str] = []
    after = ""
    for _ in range(10):
        page = selectors.tickets_for_workspace(
            user=agent, view=WorkspaceView.OPEN, sort=sort, after=after, limit=limit
        )
        seen += [title.split()[-1] for title in _titles(page)]
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == SORTED[sort]


def test_closed_view_pages_by_closing_time(customer: User, agent: User) -> None:
    now = timezone.now()
    for number in range(5):
        open_ticket(
            customer,
            f"Closed ticket {number}",
            at=_at(number),
            changed_at=now - timedelta(hours=number % 2),
            staff=agent,
            status=Status.CLOSED,
        )
    first = selectors.tickets_for_workspace(user=agent, view=WorkspaceView.CLOSED, limit=3)
    assert first.next_after is not None
    rest = selectors.tickets_for_workspace(
        user=agent, view=WorkspaceView.CLOSED, limit=3, after=first.next_after
    )
    assert _titles(first) + _titles(rest) == [
        "Closed ticket 4",
        "Closed ticket 2",
        "Closed ticket 0",
        "Closed ticket 3",
        "Closed ticket 1",
    ]


@pytest.mark.parametrize("after", ["x", "1_2_3", "12", "99999999999999999999_1", "-1e5_3"])
def test_a_broken_cursor_is_refused(agent: User, after: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        selectors.tickets_for_workspace(user=agent, view=WorkspaceView.OPEN, after=after)
    assert caught.value.field == "after"


def test_a_cursor_beyond_the_calendar_is_refused(agent: User) -> None:
    with pytest.raises(InvalidInput):
        selectors.tickets_for_workspace(
            user=agent, view=WorkspaceView.OPEN, after="999999999999999999_1"
        )


# --- search ---------------------------------------------------------------------------------


@pytest.fixture
def searchable(customer: User, other_customer: User, agent: User) -> dict[str, Ticket]:
    boiler = open_ticket(customer, "Boiler makes a noise", at=_at(1))
    heating = open_ticket(customer, "Studio is cold", at=_at(2))
    services.message_post(actor=customer, ticket_id=heating.pk, body="The BOILER is off again.")
    noted = open_ticket(customer, "Mirror is cracked", at=_at(3))
    services.message_post(
        actor=agent, ticket_id=noted.pk, body="Boiler room key is in the office.", internal=True
    )
    elsewhere = open_ticket(other_customer, "Boiler question too", at=_at(4))
    return {"boiler": boiler, "heating": heating, "noted": noted, "elsewhere": elsewhere}


def test_staff_search_titles_messages_and_notes(searchable: dict[str, Ticket], agent: User) -> None:
    found = selectors.tickets_search(user=agent, query="  boiler ")
    assert found.ticket is None
    # Most recent activity first: the message and the note moved two of them up.
    assert set(_titles(found.page)) == {
        "Boiler makes a noise",
        "Studio is cold",
        "Mirror is cracked",
        "Boiler question too",
    }
    assert _titles(found.page)[:2] == ["Mirror is cracked", "Studio is cold"]


def test_customer_search_never_matches_internal_notes_or_others_tickets(
    searchable: dict[str, Ticket], customer: User
) -> None:
    found = selectors.tickets_search(user=customer, query="boiler")
    assert set(_titles(found.page)) == {"Boiler makes a noise", "Studio is cold"}
    assert selectors.tickets_search(user=customer, query="room key").page.tickets == []


def test_search_applies_filters(searchable: dict[str, Ticket], agent: User) -> None:
    services.ticket_change_status(
        actor=agent, ticket_id=searchable["heating"].pk, status=Status.PENDING
    )
    found = selectors.tickets_search(user=agent, query="boiler", filters={"status": Status.PENDING})
    assert _titles(found.page) == ["Studio is cold"]


@pytest.mark.parametrize("form", ["TKT-{:06d}", "tkt-{}", "{}", " TKT{:03d} "])
def test_a_ticket_number_names_the_ticket(
    searchable: dict[str, Ticket], agent: User, form: str
) -> None:
    ticket = searchable["noted"]
    found = selectors.tickets_search(user=agent, query=form.format(ticket.pk))
    assert found.ticket == ticket


def test_a_number_the_customer_may_not_see_is_only_words(
    searchable: dict[str, Ticket], customer: User
) -> None:
    found = selectors.tickets_search(user=customer, query=searchable["elsewhere"].number)
    assert found.ticket is None and found.page.tickets == []


@pytest.mark.parametrize("query", ["", "   ", "x" * 201])
def test_empty_or_huge_searches_are_refused(agent: User, query: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        selectors.tickets_search(user=agent, query=query)
    assert caught.value.field == "q"


def test_search_treats_like_wildcards_as_text(searchable: dict[str, Ticket], agent: User) -> None:
    assert selectors.tickets_search(user=agent, query="%").page.tickets == []
    assert selectors.tickets_search(user=agent, query="_").page.tickets == []


# --- agents and history ---------------------------------------------------------------------


def test_assignable_agents_are_active_staff_by_name(
    admin: User, agent: User, other_agent: User, customer: User
) -> None:
    other_agent.is_active = False
    other_agent.save()
    assert selectors.agents_assignable(user=agent) == [
        (admin.pk, admin.username),
        (agent.pk, agent.username),
    ]
    assert selectors.agent_get(user=agent, agent_id=admin.pk) == admin
    for agent_id in (customer.pk, other_agent.pk, 0, 2**70):
        with pytest.raises(InvalidInput):
            selectors.agent_get(user=agent, agent_id=agent_id)


def test_assignable_agents_are_in_the_order_of_their_names_whatever_the_case(
    admin: User, agent: User, customer: User
) -> None:
    """The list ``lower(username) || ''`` orders (so that SQLite reads the role index) is the
    one ``lower(username)`` ordered: by name, whatever the case, customers left out."""
    made = [make_user(name, Role.AGENT) for name in ("zed", "Carol", "carl", "ÁLVARO", "b")]
    make_user("aaron", Role.CUSTOMER)
    expected = sorted(
        [admin, agent, *made],
        key=lambda user: (user.username.lower() if user.username.isascii() else "~", user.pk),
    )
    found = selectors.agents_assignable(user=agent)
    assert [username for _, username in found if username.isascii()] == [
        user.username for user in expected if user.username.isascii()
    ]
    assert {username for _, username in found} == {user.username for user in [admin, agent, *made]}


def test_history_reads_in_words(customer: User, agent: User, other_agent: User) -> None:
    ticket = open_ticket(customer, "Heating is broken")
    services.ticket_claim(actor=agent, ticket_id=ticket.pk)
    services.ticket_assign(actor=agent, ticket_id=ticket.pk, assignee_id=other_agent.pk)
    due = datetime(2030, 5, 1, 9, 30, tzinfo=UTC)
    services.ticket_update(
        actor=agent,
        ticket_id=ticket.pk,
        changes={"priority": Priority.URGENT, "due_at": due, "tags": ["boiler"]},
    )
    services.ticket_assign(actor=other_agent, ticket_id=ticket.pk, assignee_id=None)
    history = selectors.ticket_history(user=agent, ticket=ticket)
    assert all(isinstance(entry, HistoryEntry) for entry in history)
    rows = [(entry.event.field, entry.old, entry.new) for entry in history]
    assert rows == [
        ("created", None, ticket.number),
        ("assignee", None, agent),
        ("status", "New", "Open"),
        ("assignee", agent, other_agent),
        ("priority", "Medium", "Urgent"),
        ("due_at", None, due),
        ("tags", None, "boiler"),
        ("assignee", other_agent, None),
    ]


# --- query counts ---------------------------------------------------------------------------


@pytest.mark.parametrize("tickets", [3, 30])
def test_workspace_queries_do_not_grow_with_the_list(
    customer: User,
    agent: User,
    other_agent: User,
    tickets: int,
    django_assert_num_queries: Any,
) -> None:
    for number in range(tickets):
        ticket = open_ticket(
            customer,
            f"Counted ticket {number}",
            at=_at(number),
            staff=agent,
            tags=["a", "b"],
            assignee=other_agent if number % 2 else None,
        )
    # Ids are not reset between tests on PostgreSQL: name one of ours by its number.
    last_number = ticket.number
    with django_assert_num_queries(3):  # the page's ids, its tickets, their tags' names
        page = selectors.tickets_for_workspace(user=agent, view=WorkspaceView.OPEN)
        assert [t.tag_names for t in page.tickets] == [["a", "b"]] * tickets
        assert {t.requester.username for t in page.tickets} == {"John"}
        assert {t.assignee.username if t.assignee else "" for t in page.tickets} >= {"Bob"}
    with django_assert_num_queries(2):  # the desk summary (one grouped scan), "mine"
        selectors.workspace_counts(user=agent)
    with django_assert_num_queries(1):  # the summary comes from the cache now
        selectors.workspace_counts(user=agent)
    with django_assert_num_queries(3):
        assert len(selectors.tickets_search(user=agent, query="counted").page.tickets) == tickets
    with django_assert_num_queries(1):  # a ticket named by its number: nothing else to read
        assert selectors.tickets_search(user=agent, query=last_number).ticket == ticket


@pytest.mark.parametrize("changes", [3, 30])
def test_history_takes_two_queries(
    customer: User,
    agent: User,
    other_agent: User,
    changes: int,
    django_assert_num_queries: Any,
) -> None:
    ticket = open_ticket(customer, "A busy ticket here")
    for number in range(changes):
        assignee = agent if number % 2 else other_agent
        services.ticket_assign(actor=agent, ticket_id=ticket.pk, assignee_id=assignee.pk)
    with django_assert_num_queries(2):  # the events with their actors, the assignees named
        history = selectors.ticket_history(user=agent, ticket=ticket)
        names = {entry.event.actor.username for entry in history if entry.event.actor}
    assert names == {"John", "Alice"} and len(history) == changes + 2
