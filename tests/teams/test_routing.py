"""Automatic assignment in a team: round-robin and least loaded among available members under
their cap, when a ticket enters the team unassigned; and agents away too long lose their open
tickets in the team to the others (the sweep, with the controllable clock)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pytest

from frontdesk.accounts.models import Role, User
from frontdesk.teams import routing
from frontdesk.teams.models import Team
from frontdesk.teams.services import (
    agent_set_available,
    agent_set_cap,
    team_create,
    ticket_set_team,
)
from frontdesk.tickets import services
from frontdesk.tickets.models import Message, MessageKind, Status, Ticket, TicketEvent
from tests.conftest import Clock, make_user, open_ticket

pytestmark = pytest.mark.django_db
T = TypeVar("T")


@pytest.fixture(autouse=True)
def _committed(monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any) -> None:
    """Each use case below runs as if committed (the test's own transaction never is): the
    routing jobs it queues run after it, as the worker would run them."""
    capture = django_capture_on_commit_callbacks
    monkeypatch.setattr(services, "ticket_open", _committing(services.ticket_open, capture))
    monkeypatch.setattr(
        "tests.teams.test_routing.ticket_set_team",
        _committing(ticket_set_team, capture),
    )


def _committing(use_case: Callable[..., T], capture: Any) -> Callable[..., T]:
    def run(**kwargs: Any) -> T:
        with capture(execute=True):
            return use_case(**kwargs)

    return run


@pytest.fixture
def carol(db: None) -> User:
    return make_user("Carol", Role.AGENT)


@pytest.fixture
def team(admin: User, agent: User, other_agent: User, carol: User) -> Team:
    return team_create(
        actor=admin,
        values={
            "name": "Front desk",
            "members": [agent.pk, other_agent.pk, carol.pk],
            "assignment": "round_robin",
            "is_default": True,
            "reassign_after_minutes": 30,
        },
    )


def _open(customer: User, title: str = "Help") -> Ticket:
    ticket = open_ticket(customer, title, "Please help.")
    ticket.refresh_from_db()
    return ticket


def test_round_robin_gives_tickets_in_turn_with_the_reason(
    team: Team, customer: User, agent: User, other_agent: User, carol: User
) -> None:
    tickets = [_open(customer, f"Ticket {n}") for n in range(4)]
    assert [t.assignee_id for t in tickets] == [agent.pk, other_agent.pk, carol.pk, agent.pk]
    first = tickets[0]
    assert first.status == Status.OPEN and first.team_id == team.pk
    note = first.messages.filter(kind=MessageKind.SYSTEM).last()
    assert note is not None
    assert note.body == "Assigned to Alice by round-robin in team Front desk."
    event = first.events.get(field=TicketEvent.Field.ASSIGNEE)
    assert event.actor_id == 0 and event.new_value == str(agent.pk)


def test_away_agents_and_full_caps_are_skipped(
    team: Team, admin: User, customer: User, agent: User, other_agent: User, carol: User
) -> None:
    agent_set_available(actor=agent, available=False)
    agent_set_cap(actor=admin, agent_id=other_agent.pk, max_open_tickets=1)
    tickets = [_open(customer, f"Ticket {n}") for n in range(4)]
    assert [t.assignee_id for t in tickets] == [other_agent.pk, carol.pk, carol.pk, carol.pk]


def test_nobody_fits_leaves_the_ticket_in_the_queue(
    team: Team, customer: User, agent: User, other_agent: User, carol: User
) -> None:
    for person in (agent, other_agent, carol):
        agent_set_available(actor=person, available=False)
    ticket = _open(customer)
    assert ticket.assignee_id is None and ticket.status == Status.NEW


def test_least_loaded_picks_the_member_with_fewest_open_tickets(
    admin: User, customer: User, agent: User, other_agent: User
) -> None:
    busy = open_ticket(customer, "Old one", "x", assignee=agent, staff=admin)
    assert busy.assignee_id == agent.pk
    team = team_create(
        actor=admin,
        values={
            "name": "Online",
            "members": [agent.pk, other_agent.pk],
            "assignment": "least_loaded",
        },
    )
    ticket = _open(customer)
    assert ticket.team_id is None  # no default team: nothing routed
    ticket_set_team(actor=admin, ticket_id=ticket.pk, team_id=team.pk)
    ticket.refresh_from_db()
    assert ticket.assignee_id == other_agent.pk
    assert ticket.messages.last().body == "Assigned to Bob by least load in team Online."  # type: ignore[union-attr]


def test_a_team_that_does_not_assign_leaves_tickets_to_be_claimed(
    admin: User, customer: User, agent: User
) -> None:
    team_create(
        actor=admin, values={"name": "Front desk", "members": [agent.pk], "is_default": True}
    )
    ticket = _open(customer)
    assert ticket.team_id is not None and ticket.assignee_id is None


def test_an_agent_away_too_long_loses_the_teams_open_tickets(
    team: Team, clock: Clock, customer: User, agent: User, other_agent: User
) -> None:
    ticket = _open(customer)
    assert ticket.assignee_id == agent.pk
    agent_set_available(actor=agent, available=False)
    clock.advance(29 * 60)
    assert routing.teams_away_sweep() == 0
    clock.advance(2 * 60)
    assert routing.teams_away_sweep() == 1
    ticket.refresh_from_db()
    assert ticket.assignee_id == other_agent.pk
    bodies = list(ticket.messages.filter(kind=MessageKind.SYSTEM).values_list("body", flat=True))
    assert "Unassigned: Alice has been away for more than 30 minutes (team Front desk)." in bodies
    assert bodies[-1] == "Assigned to Bob by round-robin in team Front desk."
    assert routing.teams_away_sweep() == 0  # nothing left to take


def test_an_agent_back_in_time_keeps_their_tickets(
    team: Team, clock: Clock, customer: User, agent: User
) -> None:
    ticket = _open(customer)
    agent_set_available(actor=agent, available=False)
    clock.advance(10 * 60)
    agent_set_available(actor=agent, available=True)
    clock.advance(60 * 60)
    assert routing.teams_away_sweep() == 0
    ticket.refresh_from_db()
    assert ticket.assignee_id == agent.pk


def test_a_ticket_assigned_by_hand_at_opening_is_not_routed(
    team: Team, customer: User, agent: User, carol: User
) -> None:
    ticket = open_ticket(customer, "Phoned in", "x", by=carol, assignee=carol)
    assert ticket.assignee_id == carol.pk
    assert not Message.objects.filter(ticket=ticket, body__contains="round-robin").exists()


def test_a_done_ticket_is_not_routed(team: Team, customer: User, agent: User) -> None:
    ticket = _open(customer)
    services.ticket_assign(actor=agent, ticket_id=ticket.pk, assignee_id=None)
    services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.RESOLVED)
    assert routing.ticket_route(ticket_id=ticket.pk) is None
