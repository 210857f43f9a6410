"""A ticket's SLA clocks: which policy applies, and what each change to the ticket does to its
first-response, next-response and resolution clocks.

The receivers in sla/signals.py call these inside the use case's transaction, with the ticket
it holds locked: a change that rolls back moves no clock. Business time is counted in the
policy's calendar (sla/calendars.py); a clock keeps the business seconds it has consumed, so a
pause (Pending) and a new target (another priority or policy) start from what was used.

* opened: the first matching policy (by position) gives the targets for the ticket's priority;
  first response and resolution run from the opening;
* an agent's public reply stops first and next response; a customer's public reply after the
  first response starts next response;
* Pending pauses every running clock, leaving it resumes them; resolved or closed stops them,
  reopened resumes resolution;
* a new priority or category (or an edited policy) applies the policy that now matches, and
  writes the ticket's new due date in its history when it moved.

The ticket's own ``due_at`` is the nearest due time of its running clocks, so the Overdue view,
the REST ``overdue`` filter and the list's due column show the SLA without another join.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.dispatch import Signal

from frontdesk.accounts.models import User
from frontdesk.core import clock
from frontdesk.core.compiled import CompiledRead
from frontdesk.core.errors import InvalidInput
from frontdesk.sla import calendars
from frontdesk.sla.calendars import Calendar
from frontdesk.sla.models import Holiday, Metric, SlaClock, SlaPolicy, SlaTarget
from frontdesk.tickets.models import DONE_STATUSES, Status, Ticket, TicketEvent

T = TypeVar("T")
logger = logging.getLogger(__name__)

# Sent with a ticket's id and the instants (warnings, due times) its clocks now wait for.
checks_planned = Signal()

# Set while the SLA itself changes a ticket (an escalation raising its priority): that change
# keeps the targets it escalates, or every breach would raise the priority again at once.
_escalating: ContextVar[bool] = ContextVar("sla_escalating", default=False)


@contextmanager
def escalating() -> Iterator[None]:
    token = _escalating.set(True)
    try:
        yield
    finally:
        _escalating.reset(token)


def is_escalating() -> bool:
    return _escalating.get()


# --- which policy ---------------------------------------------------------------------------


def _policies() -> list[SlaPolicy]:
    if not _any_active_policy(None):
        return []
    return list(
        SlaPolicy.objects.filter(active=True)
        .select_related("calendar")
        .prefetch_related(
            "targets",
            Prefetch("organisations", to_attr="scope_organisations"),
            Prefetch("calendar__holidays", queryset=Holiday.objects.all()),
        )
        .order_by("position", "id")
    )


def _any_active_policy_query(shape: None) -> QuerySet[SlaPolicy, tuple[int]]:
    return SlaPolicy.objects.filter(active=True).values_list("pk")[:1]


# Every ticket opened asks for its policy, and most desks have none: this read, compiled once
# (core/compiled.py), spares them the policies' query and its prefetches, which were a
# quarter of the CPU of a SupportMe `POST /ticket/new`.
_any_active_policy = CompiledRead(_any_active_policy_query)


def policy_matches(policy: SlaPolicy, ticket: Ticket) -> bool:
    organisations = {org.pk for org in getattr(policy, "scope_organisations", ())}
    return (
        (not policy.categories or ticket.category in policy.categories)
        and (not policy.channels or ticket.channel in policy.channels)
        and (not organisations or ticket.organisation_id in organisations)
    )


def policy_for(ticket: Ticket) -> SlaPolicy | None:
    """The first active policy, by position, whose scope takes ``ticket``."""
    return next((policy for policy in _policies() if policy_matches(policy, ticket)), None)


def _target(policy: SlaPolicy, priority: str) -> SlaTarget | None:
    return next((t for t in policy.targets.all() if t.priority == priority), None)


def target_minutes(policy: SlaPolicy | None, priority: str) -> dict[str, int]:
    """The metrics ``policy`` sets a target for at ``priority``, in business minutes."""
    target = None if policy is None else _target(policy, priority)
    if target is None:
        return {}
    found = {
        Metric.FIRST_RESPONSE: target.first_response_minutes,
        Metric.NEXT_RESPONSE: target.next_response_minutes,
        Metric.RESOLUTION: target.resolution_minutes,
    }
    return {str(metric): minutes for metric, minutes in found.items() if minutes}


def calendar_of(policy: SlaPolicy | None) -> Calendar | None:
    return None if policy is None or policy.calendar is None else policy.calendar.spec()


# --- the clocks of one ticket ---------------------------------------------------------------

# A calendar with no working time ahead (every day a holiday) must not stop a ticket from being
# opened or answered: its targets count round the clock, and the log says why.


def _round_the_clock_if_unworkable(
    count: Callable[..., T], calendar: Calendar | None, *args: Any
) -> T:
    try:
        return count(calendar, *args)
    except InvalidInput:
        logger.warning("An SLA calendar has no working time ahead; counting round the clock.")
        return count(None, *args)


def _add(calendar: Calendar | None, start: datetime, seconds: float) -> datetime:
    return _round_the_clock_if_unworkable(calendars.add_business_seconds, calendar, start, seconds)


def _between(calendar: Calendar | None, start: datetime, end: datetime) -> int:
    return _round_the_clock_if_unworkable(calendars.business_seconds_between, calendar, start, end)


def _clocks_of_query(shape: str, ticket_id: int) -> QuerySet[SlaClock]:
    return SlaClock.objects.filter(ticket_id=ticket_id).select_related("policy__calendar")


# Read at every public message and status change, most often to find no clock at all: built
# and compiled each time, this read was a third of a SupportMe reply's CPU (bench/README.md).
_clocks_of = CompiledRead(_clocks_of_query)


@dataclass
class Clocks:
    ticket: Ticket
    rows: dict[str, SlaClock]
    policy: SlaPolicy | None
    calendar: Calendar | None
    moment: datetime

    @classmethod
    def load(cls, ticket: Ticket) -> Clocks:
        rows = {row.metric: row for row in _clocks_of("ticket", ticket.pk)}
        policy = next(iter(rows.values())).policy if rows else None
        return cls(ticket, rows, policy, calendar_of(policy), clock.now())

    def waiting(self) -> bool:
        """Does the ticket's state hold the clocks (Pending, resolved, closed)?"""
        return self.ticket.status == Status.PENDING or self.ticket.status in DONE_STATUSES

    def checkpoint(self, row: SlaClock) -> None:
        """Add the business time since ``row`` started running to what it consumed."""
        if row.running_since is not None:
            row.consumed_seconds += _between(self.calendar, row.running_since, self.moment)
            row.running_since = self.moment

    def pause(self, row: SlaClock) -> None:
        self.checkpoint(row)
        row.running_since = None

    def stop(self, row: SlaClock) -> None:
        self.pause(row)
        row.stopped_at = self.moment

    def resume(self, row: SlaClock) -> None:
        if row.running_since is None and not self.waiting():
            row.running_since = self.moment

    def plan(self, row: SlaClock) -> None:
        """The warning and due instants of a running clock (none for one that is not)."""
        if row.running_since is None:
            row.warn_at = row.due_at = None
            return
        target = row.target_minutes * 60
        left = target - row.consumed_seconds
        if left > 0:
            row.due_at = _add(self.calendar, row.running_since, left)
        else:  # missed already: when it was missed if known, else now (a shorter target)
            row.due_at = min(row.due_at or row.running_since, row.running_since)
        percent = row.policy.warn_percent if row.policy_id else 0
        warn = target * percent // 100 - row.consumed_seconds
        row.warn_at = (
            _add(self.calendar, row.running_since, warn) if 0 < percent < 100 and warn > 0 else None
        )

    def start(self, metric: str, minutes: int, *, since: datetime | None = None) -> SlaClock:
        """Start counting ``metric`` from now, or from ``since`` (in the past) as if it had run
        since then; a ticket waiting (Pending) keeps that time as consumed, and waits."""
        assert self.policy is not None
        row = self.rows.get(metric) or SlaClock(ticket=self.ticket, metric=metric)
        row.policy = self.policy
        row.target_minutes = minutes
        row.consumed_seconds = 0
        row.stopped_at = row.breached_at = row.due_at = None
        row.running_since = since or self.moment
        if self.waiting():
            self.pause(row)
        self.rows[metric] = row
        return row

    def save(self, *, actor: User | None, history: bool) -> None:
        """Write the rows, the ticket's due date (with a history row when ``history``), and ask
        the worker to look at the new warning and due instants."""
        for row in self.rows.values():
            self.plan(row)
            row.save()
        running = [row.due_at for row in self.rows.values() if row.due_at is not None]
        due = min(running) if running else None
        ticket = self.ticket
        if self.rows and due != ticket.due_at:
            old, ticket.due_at = ticket.due_at, due
            Ticket.objects.filter(pk=ticket.pk).update(due_at=due)
            if history:
                _record_due(ticket, actor, old, due)
        _schedule(ticket.pk, self.rows.values())


def _record_due(ticket: Ticket, actor: User | None, old: object, new: object) -> None:
    # tickets.services imports nothing of the SLA; the SLA writes history as every use case.
    from frontdesk.tickets.services import record_change

    record_change(ticket, actor, TicketEvent.Field.DUE_AT, old, new)


def _schedule(ticket_id: int, rows: Iterable[SlaClock]) -> None:
    """Tell sla/signals.py which instants to check the ticket at (it queues the jobs after
    commit); a signal, so that the jobs' module, which runs these functions, is not imported
    by them."""
    moments = sorted({m for row in rows for m in (row.warn_at, row.due_at) if m is not None})
    if moments:
        checks_planned.send(sender=SlaClock, ticket_id=ticket_id, moments=moments)


# --- what each change does ------------------------------------------------------------------


def ticket_opened(ticket: Ticket, actor: User | None) -> None:
    policy = policy_for(ticket)
    minutes = target_minutes(policy, ticket.priority)
    if not minutes:
        return
    clocks = Clocks(ticket, {}, policy, calendar_of(policy), clock.now())
    for metric in (Metric.FIRST_RESPONSE, Metric.RESOLUTION):
        if metric in minutes and not (
            metric == Metric.FIRST_RESPONSE and ticket.first_response_at is not None
        ):
            clocks.start(metric, minutes[metric])
    clocks.save(actor=actor, history=False)


def ticket_retargeted(ticket: Ticket, actor: User | None, *, history: bool = True) -> None:
    """Priority, category or the policies changed: apply the policy that matches now, keeping
    the business time each clock consumed (a history row when the due date moved, unless
    ``history`` is off: the demo's bulk tickets). A clock the new targets lack is removed; a metric
    new to the ticket counts from its opening."""
    clocks = Clocks.load(ticket)
    for row in clocks.rows.values():
        clocks.checkpoint(row)
    policy = policy_for(ticket)
    minutes = target_minutes(policy, ticket.priority)
    if not clocks.rows and not minutes:
        return
    old_due = ticket.due_at
    gone = [metric for metric in clocks.rows if metric not in minutes]
    SlaClock.objects.filter(ticket=ticket, metric__in=gone).delete()
    for metric in gone:
        del clocks.rows[metric]
    clocks.policy, clocks.calendar = policy, calendar_of(policy)
    for metric, value in minutes.items():
        kept = clocks.rows.get(metric)
        if kept is not None:
            kept.policy, kept.target_minutes = policy, value  # type: ignore[assignment]
        elif metric == Metric.RESOLUTION or (
            metric == Metric.FIRST_RESPONSE and ticket.first_response_at is None
        ):
            clocks.start(metric, value, since=min(ticket.created_at, clocks.moment))
    if not clocks.rows:  # the ticket left every policy: its due date is its own again
        if old_due is not None:
            ticket.due_at = None
            Ticket.objects.filter(pk=ticket.pk).update(due_at=None)
            if history:
                _record_due(ticket, actor, old_due, None)
        return
    clocks.save(actor=actor, history=history)


def status_changed(ticket: Ticket, old: str, new: str, actor: User | None) -> None:
    clocks = Clocks.load(ticket)
    if not clocks.rows:
        return
    for row in clocks.rows.values():
        if new in DONE_STATUSES:
            if row.stopped_at is None:
                clocks.stop(row)
        elif new == Status.PENDING:
            clocks.pause(row)
        elif old in DONE_STATUSES and row.metric == Metric.RESOLUTION:
            row.stopped_at = None
            clocks.resume(row)
        elif row.stopped_at is None:
            clocks.resume(row)
    clocks.save(actor=actor, history=False)


def public_reply(ticket: Ticket, *, by_staff: bool, actor: User | None) -> None:
    clocks = Clocks.load(ticket)
    if not clocks.rows:
        return
    if by_staff:
        for metric in (Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE):
            row = clocks.rows.get(metric)
            if row is not None and row.stopped_at is None:
                clocks.stop(row)
    elif ticket.first_response_at is not None:
        minutes = target_minutes(clocks.policy, ticket.priority).get(Metric.NEXT_RESPONSE)
        following = clocks.rows.get(Metric.NEXT_RESPONSE)
        if minutes and (following is None or following.stopped_at is not None):
            clocks.start(Metric.NEXT_RESPONSE, minutes)
    clocks.save(actor=actor, history=False)


def tickets_under(policy_id: int) -> list[int]:
    """Some active tickets (ten at most) with a clock of the policy."""
    return list(
        SlaClock.objects.filter(policy_id=policy_id)
        .exclude(ticket__status__in=DONE_STATUSES)
        .values_list("ticket_id", flat=True)
        .distinct()[:10]
    )


REAPPLY_BATCH = 200


def sla_policies_reapply(*, actor_id: int | None = None, after: int = 0) -> int:
    """Apply the policies as they are now to the active tickets that have SLA clocks, a batch
    of tickets after ``after`` at a time, each in its own transaction (the worker runs it after
    an admin's edit). Returns how many."""
    actor = User.objects.filter(pk=actor_id).first() if actor_id is not None else None
    done = 0
    while True:
        batch = list(
            SlaClock.objects.filter(ticket_id__gt=after)
            .exclude(ticket__status__in=DONE_STATUSES)
            .order_by("ticket_id")
            .values_list("ticket_id", flat=True)
            .distinct()[:REAPPLY_BATCH]
        )
        if not batch:
            return done
        for ticket_id in batch:
            with transaction.atomic():
                ticket = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
                if ticket is not None:
                    ticket_retargeted(ticket, actor)
                    done += 1
        after = batch[-1]
