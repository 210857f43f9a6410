"""A workspace page's ids chosen by SQL compiled once per view shape (paging.PageIds) are the
ids the query built on every request chose: the same tickets, inside the gate of every reader
the teams cast has, in the same order, page by page, for every view, order and choice filter;
and "Overdue" is read at the time of each request, never at the first one's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from frontdesk.accounts.models import User
from frontdesk.core.clock import now
from frontdesk.teams.models import Team
from frontdesk.teams.services import ticket_set_team
from frontdesk.tickets import access, paging, selectors, services
from frontdesk.tickets.filters import choice_filters
from frontdesk.tickets.models import IS_ACTIVE, Ticket
from frontdesk.tickets.selectors import WorkspaceSort, WorkspaceView
from tests.conftest import open_ticket, time_at

pytestmark = pytest.mark.django_db

READERS = ("agent", "other_agent", "admin")


@pytest.fixture
def desk(
    customer: User, agent: User, other_agent: User, admin: User, front_desk: Team, online: Team
) -> list[Ticket]:
    """Twelve tickets in both teams and in none, claimed by either agent or not, with ties in
    every sort value (the id decides), due dates past and to come, some pending or closed."""
    tickets = [open_ticket(customer, f"Studio ticket {n}") for n in range(12)]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n, ticket in enumerate(tickets):
        Ticket.objects.filter(pk=ticket.pk).update(
            created_at=start + timedelta(hours=n // 2),  # pairs share a creation time
            last_activity_at=start + timedelta(hours=(n * 5) % 7),
            priority=("low", "medium", "high", "urgent")[n % 4],
            due_at=start + timedelta(days=n % 3) if n % 4 else None,
        )
    for n in (0, 3, 6, 9):
        ticket_set_team(actor=admin, ticket_id=tickets[n].pk, team_id=front_desk.pk)
    for n in (1, 4, 7, 10):
        ticket_set_team(actor=admin, ticket_id=tickets[n].pk, team_id=online.pk)
    services.ticket_claim(actor=other_agent, ticket_id=tickets[1].pk)
    services.ticket_claim(actor=other_agent, ticket_id=tickets[5].pk)
    services.ticket_assign(actor=admin, ticket_id=tickets[4].pk, assignee_id=agent.pk)
    services.ticket_claim(actor=agent, ticket_id=tickets[2].pk)
    services.ticket_claim(actor=admin, ticket_id=tickets[11].pk)
    services.ticket_change_status(actor=agent, ticket_id=tickets[8].pk, status="pending")
    services.ticket_change_status(actor=agent, ticket_id=tickets[9].pk, status="closed")
    services.ticket_change_status(actor=admin, ticket_id=tickets[10].pk, status="closed")
    return tickets


def _walk(user: User, view: str, sort: str, filters: dict[str, str]) -> list[int]:
    """Every ticket of the view, two to a page, in the order the pages list them."""
    listed: list[int] = []
    after = ""
    while True:
        page = selectors.tickets_for_workspace(
            user=user, view=view, filters=filters, sort=sort, after=after, limit=2
        )
        listed += [row.pk for row in page.tickets]
        if page.next_after is None:
            return listed
        after = page.next_after


def _compiled_shapes() -> set[object]:
    return {key[1][1] for key in paging._compiled_ids.plans}


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("view", [*WorkspaceView.values])
def test_the_compiled_ids_are_the_built_ids_page_by_page(
    desk: list[Ticket],
    view: str,
    reader: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user: User = request.getfixturevalue(reader)
    monkeypatch.setattr(paging._compiled_ids, "plans", {})  # none cleared past 500 meanwhile
    visible = set(access.tickets_visible_to(user).values_list("pk", flat=True))
    sorts = ["", *WorkspaceSort.values]
    shapes = [{}, {"priority": "high"}, {"status": "open", "category": ""}]
    compiled = {
        (sort, tuple(f.items())): _walk(user, view, sort, f) for sort in sorts for f in shapes
    }
    assert (view, ()) in _compiled_shapes()  # the compiled read chose them
    # Built on every request, as before: the reference.
    monkeypatch.setattr(selectors, "choice_filters", lambda filters: None)
    for (sort, items), listed in compiled.items():
        assert set(listed) <= visible
        assert len(listed) == len(set(listed))
        assert listed == _walk(user, view, sort, dict(items)), (sort, items)
    assert any(compiled.values())


def test_a_filter_outside_the_choices_builds_the_query(desk: list[Ticket], agent: User) -> None:
    assert choice_filters({"assigned_to": "unassigned"}) is None
    assert choice_filters({"priority": "high", "status": ""}) == (("priority", "high"),)
    claimable = _walk(agent, "claimable", "", {})
    assert _walk(agent, "open", "", {"assigned_to": "unassigned"}) == claimable


def test_the_compiled_overdue_view_reads_the_time_of_each_request(
    desk: list[Ticket], agent: User, admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The time is a parameter of the compiled SQL, never its first value."""
    monkeypatch.setattr(paging._compiled_ids, "plans", {})
    due = {
        ticket.pk: ticket.due_at
        for ticket in Ticket.objects.filter(pk__in=[t.pk for t in desk]).exclude(due_at=None)
    }
    for user in (agent, admin):
        for moment in (datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, 1, tzinfo=UTC)):
            with time_at(moment):
                listed = _walk(user, "overdue", "", {})
            visible = access.tickets_visible_to(user).filter(IS_ACTIVE)
            expected = sorted(
                (due[pk], pk)
                for pk in visible.values_list("pk", flat=True)
                if pk in due and due[pk] < moment
            )
            assert listed == [pk for _, pk in expected]
    assert ("overdue", ()) in _compiled_shapes()
    with time_at(now() + timedelta(days=3650)):
        assert _walk(admin, "overdue", "", {})  # every active ticket with a date is late
