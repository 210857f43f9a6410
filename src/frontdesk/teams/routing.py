"""Automatic assignment in a team, run by the worker (teams/tasks.py).

When a ticket enters a team (opened into it, or moved) and nobody has it, and the team assigns
automatically, it goes to one of the team's members who is available and under their cap of
open tickets: the next after the last one given a ticket (round-robin, by id) or the one with
the fewest open tickets (least loaded, ties by round-robin order). Nobody fits: the ticket
stays in the team's queue for someone to claim.

An agent away for longer than a team's ``reassign_after_minutes`` loses their open tickets
in that team: each is unassigned and routed again, by System, with the reason in the
conversation. Every instant comes from core/clock, so tests move time and call these directly.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, F, Q

from frontdesk.accounts.models import STAFF_ROLES, User
from frontdesk.core.clock import now
from frontdesk.teams.models import Assignment, Team
from frontdesk.tickets.models import ACTIVE_STATUSES, IS_ACTIVE, Ticket
from frontdesk.tickets.services import ticket_assign_by_system

SWEEP_BATCH = 200


def assigned_why(agent: User, team: Team) -> str:
    how = "round-robin" if team.assignment == Assignment.ROUND_ROBIN else "least load"
    return f"Assigned to {agent.username} by {how} in team {team.name}."


def away_why(agent: User, team: Team) -> str:
    return (
        f"Unassigned: {agent.username} has been away for more than "
        f"{team.reassign_after_minutes} minutes (team {team.name})."
    )


def candidates(team: Team) -> list[User]:
    """The team's members who take tickets now: active staff, available, under their cap;
    each carries ``open_count``, ordered by id."""
    members = (
        User.objects.filter(team_memberships__team=team, role__in=STAFF_ROLES, is_active=True)
        .exclude(agent_status__available=False)
        .annotate(
            open_count=Count(
                "assigned_tickets", filter=Q(assigned_tickets__status__in=ACTIVE_STATUSES)
            ),
            cap=F("agent_status__max_open_tickets"),
        )
        .order_by("pk")
    )
    return [m for m in members if m.cap is None or m.open_count < m.cap]


def choose(team: Team, people: list[User]) -> User | None:
    """The member to give the next ticket to, by the team's rule."""
    if not people:
        return None
    last = team.last_assigned_id or 0
    # Round-robin order: the ids after the last one given a ticket, then from the start.
    in_turn = sorted(people, key=lambda person: (person.pk <= last, person.pk))
    if team.assignment == Assignment.LEAST_LOADED:
        return min(in_turn, key=lambda person: person.open_count)  # type: ignore[attr-defined]
    return in_turn[0]


def ticket_route(*, ticket_id: int) -> int | None:
    """Assign a ticket that entered a team, if the team assigns automatically, nobody has it
    and someone fits. Returns the agent's id, or None when nothing was done."""
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().filter(IS_ACTIVE, pk=ticket_id).first()
        if ticket is None or ticket.assignee_id is not None or ticket.team_id is None:
            return None
        team = Team.objects.select_for_update().get(pk=ticket.team_id)
        if not team.active or team.assignment == Assignment.NONE:
            return None
        agent = choose(team, candidates(team))
        if agent is None:
            return None
        ticket_assign_by_system(ticket=ticket, assignee=agent, why=assigned_why(agent, team))
        team.last_assigned = agent
        team.save(update_fields=["last_assigned"])
    return agent.pk


def teams_away_sweep() -> int:
    """Take the open tickets of agents away too long from them, team by team, and route each
    again. Returns how many tickets were unassigned."""
    moment = now()
    done = 0
    teams = Team.objects.filter(active=True, reassign_after_minutes__gt=0)
    for team in teams:
        since = moment - timedelta(minutes=team.reassign_after_minutes)
        away = User.objects.filter(
            agent_status__available=False,
            agent_status__away_since__lte=since,
        )
        tickets = Ticket.objects.filter(IS_ACTIVE, team=team, assignee__in=away).order_by("pk")
        for ticket_id in list(tickets.values_list("pk", flat=True)[:SWEEP_BATCH]):
            if _unassign_away(ticket_id, team, since):
                done += 1
                ticket_route(ticket_id=ticket_id)
    return done


def _unassign_away(ticket_id: int, team: Team, since: datetime) -> bool:
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update().filter(IS_ACTIVE, pk=ticket_id, team=team).first()
        )
        if ticket is None or ticket.assignee_id is None:
            return False
        agent = User.objects.filter(
            pk=ticket.assignee_id,
            agent_status__available=False,
            agent_status__away_since__lte=since,
        ).first()
        if agent is None:  # back meanwhile
            return False
        ticket_assign_by_system(ticket=ticket, assignee=None, why=away_why(agent, team))
    return True
