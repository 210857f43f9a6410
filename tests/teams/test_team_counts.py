"""An agent's counts (the workspace's view counts, the statistics) come from the desk's counts
kept per team plus their own tickets in other teams: the same numbers as counting every ticket
they may see, without counting the desk for each of them."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frontdesk.accounts.models import User
from frontdesk.core.clock import now
from frontdesk.teams.models import Team
from frontdesk.teams.services import ticket_set_team
from frontdesk.tickets import access, services, statistics
from frontdesk.tickets.models import Ticket
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(
    admin: User, agent: User, other_agent: User, customer: User, front_desk: Team, online: Team
) -> list[Ticket]:
    """Tickets in Front desk (Alice's), in Online (Bob's), in no team; one of Online's is
    assigned to Alice, one is overdue, one closed."""
    made = []
    for n, team in enumerate([front_desk, online, online, online, None, None]):
        ticket = open_ticket(customer, f"Ticket {n}", "Hello.")
        if team is not None:
            ticket_set_team(actor=admin, ticket_id=ticket.pk, team_id=team.pk)
        made.append(ticket)
    services.ticket_assign(actor=admin, ticket_id=made[1].pk, assignee_id=agent.pk)
    services.ticket_change_status(actor=admin, ticket_id=made[2].pk, status="closed")
    Ticket.objects.filter(pk=made[3].pk).update(due_at=now() - timedelta(hours=1))
    return made


def test_the_team_scope_is_the_gate(
    admin: User, agent: User, other_agent: User, customer: User, desk: list[Ticket]
) -> None:
    assert access.team_scope(admin) is None
    assert access.team_scope(customer) is None
    for user in (agent, other_agent):
        scope = access.team_scope(user)
        assert scope is not None
        in_teams = Ticket.objects.filter(team_id__in=[t for t in scope.teams if t is not None])
        whole = in_teams | Ticket.objects.filter(team__isnull=True)
        split = set(whole.values_list("pk", flat=True))
        beyond = set(Ticket.objects.filter(scope.beyond).values_list("pk", flat=True))
        assert not split & beyond  # counted once
        visible = set(access.tickets_visible_to(user).values_list("pk", flat=True))
        assert split | beyond == visible


def test_each_agents_counts_equal_counting_what_they_may_see(
    admin: User, agent: User, other_agent: User, desk: list[Ticket]
) -> None:
    for user in (admin, agent, other_agent):
        expected = asdict(statistics.summarize(access.tickets_visible_to(user)))
        counted = asdict(statistics.summary_for(user))
        # Sums of hours added in another order may differ in their last digits.
        for hours in ("resolution_hours", "first_response_hours"):
            assert counted.pop(hours) == pytest.approx(expected.pop(hours))
        assert counted == expected
    alice = statistics.summary_for(agent)
    assert (alice.total, alice.overdue) == (4, 0)  # Front desk's, two in no team, Online's one
    bob = statistics.summary_for(other_agent)
    assert (bob.total, bob.overdue, bob.by_status["closed"]) == (5, 1, 1)


def test_on_a_large_desk_an_agent_does_not_count_the_desk_again(
    agent: User, desk: list[Ticket], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(statistics, "SUMMARY_CHEAP_SECONDS", 0.0)  # every count is "costly"
    cache.clear()
    statistics.desk_summary()  # counted once for everyone (the job does it each minute)
    open_ticket(desk[0].requester, "One more", "Hello.")  # kept a minute on a large desk
    with CaptureQueriesContext(connection) as queries:
        counted = statistics.summary_for(agent)
    assert len(queries) == 2  # their teams; their own tickets in other teams (assignee index)
    assert "assignee_id" in queries[1]["sql"]
    assert counted.total == 4  # the minute-old counts: the new ticket is not in them yet


def test_on_a_desk_without_teams_an_agent_reads_the_desks_counts(
    agent: User, customer: User
) -> None:
    open_ticket(customer, "No teams here", "Hello.")
    statistics.desk_summary()
    with CaptureQueriesContext(connection) as queries:
        counted = statistics.summary_for(agent)
    assert counted.total == 1
    assert not [q for q in queries if "tickets_ticket" in q["sql"]]
