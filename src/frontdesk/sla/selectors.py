"""Reads of the SLA for the faces: a ticket's targets as agents see them (the ticket page, the
REST API). Customers see none of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import User
from frontdesk.core import clock
from frontdesk.core.compiled import CompiledRead
from frontdesk.core.errors import NotAllowed
from frontdesk.sla.models import Metric, SlaClock
from frontdesk.tickets import access
from frontdesk.tickets.models import Ticket

ORDER = {metric: place for place, metric in enumerate(Metric.values)}


@dataclass(frozen=True)
class TargetState:
    metric: str
    label: str
    target_minutes: int
    state: str  # running, paused, met, missed (stopped after its target was used up)
    due_at: datetime | None
    seconds_left: int | None  # while running; negative when overdue
    consumed_seconds: int
    breached: bool


@dataclass(frozen=True)
class TicketSla:
    policy_id: int
    policy_name: str
    targets: list[TargetState]


def ticket_sla(*, user: User, ticket: Ticket) -> TicketSla | None:
    """The SLA of a ticket ``user`` has already read through the gate, or None (no policy, or
    a customer). One query."""
    if not user.is_staff_member:
        return None
    rows = sorted(_clocks_of(None, ticket.pk), key=lambda row: ORDER[row.metric])
    if not rows:
        return None
    moment = clock.now()
    return TicketSla(
        policy_id=rows[0].policy_id,
        policy_name=rows[0].policy.name,
        targets=[_state(row, moment) for row in rows],
    )


def _clocks_query(shape: None, ticket_id: int) -> QuerySet[SlaClock]:
    return SlaClock.objects.filter(ticket_id=ticket_id).select_related("policy")


# Read on every agent's ticket page: with the query built by the ORM each time the card cost
# 0.8 ms of CPU, compiled once (core/compiled.py) 0.25 ms (a million tickets, SQLite;
# bench/README.md, "The agent's ticket page at a million tickets").
_clocks_of = CompiledRead(_clocks_query)


def _state(row: SlaClock, moment: datetime) -> TargetState:
    left = None
    if row.running_since is not None and row.due_at is not None:
        left = int((row.due_at - moment).total_seconds())
        state = "running"
        breached = left < 0 or row.breached
    else:
        breached = row.breached or row.breached_at is not None
        state = "paused" if row.stopped_at is None else "missed" if breached else "met"
    return TargetState(
        metric=row.metric,
        label=str(Metric(row.metric).label),
        target_minutes=row.target_minutes,
        state=state,
        due_at=row.due_at,
        seconds_left=left,
        consumed_seconds=row.consumed_seconds,
        breached=breached,
    )


def ticket_sla_get(*, user: User, ticket_id: int) -> TicketSla | None:
    """A ticket's SLA for an agent: through the gate (NotFound as for any ticket one may not
    see); customers are refused."""
    if not user.is_staff_member:
        raise NotAllowed(gettext_noop("Only agents and admins can see a ticket's SLA."))
    ticket = access.ticket_get(user=user, ticket_id=ticket_id)
    return ticket_sla(user=user, ticket=ticket)
