"""The reports: what the desk did in a period, and in the period of the same length before it,
counted over the tickets the viewer may see (tickets/access.py; staff only).

* created: tickets opened in the period; solved: tickets resolved in it (closing without a
  resolution stamps one, tickets/workflow.py); backlog: tickets open at the end of each day
  (opened by then and not resolved by then, as the tickets stand now: a reopened ticket has
  lost its resolution time, so it counts as open since it was opened).
* first response: from opening to the first staff reply, of the tickets opened in the
  period; resolution: from opening to resolving, of the tickets solved in the period. Where
  an SLA policy runs a clock for the ticket (sla/clocks.py), the time is the business time
  that clock consumed, counted in the policy's calendar by sla/calendars.py (Pending pauses
  it, as it pauses the target); elsewhere it is the time on the wall. Median and p90 (the
  nearest rank: the value 90 % of the tickets did as well as or better than).
* SLA compliance: of the tickets opened in the period with a target, the share that met it;
  a target still running and not yet due is not counted either way.
* satisfaction: the answers given in the period (satisfaction/selectors.py's surveys, through
  the same gate), good against bad.

Breakdowns put each ticket under its assignee, team, category, channel and organisation as
they stand now.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery

from frontdesk.accounts.models import Organisation, User
from frontdesk.core import clock
from frontdesk.core.errors import NotAllowed
from frontdesk.reports.periods import Period
from frontdesk.satisfaction.models import Rating
from frontdesk.satisfaction.selectors import Score, surveys_for_api
from frontdesk.sla.models import Metric, SlaClock
from frontdesk.teams.models import Team
from frontdesk.tickets import access
from frontdesk.tickets.models import Category, Channel, Ticket

STAFF_ONLY = "Reports are for agents and admins."

# Each breakdown: its name, its title, and the ticket field it groups by.
DIMENSIONS = (
    ("agent", "Agent", "assignee_id"),
    ("team", "Team", "team_id"),
    ("category", "Category", "category"),
    ("channel", "Channel", "channel"),
    ("organisation", "Organisation", "organisation_id"),
)
NONE_LABELS = {
    "agent": "Unassigned",
    "team": "No team",
    "organisation": "No organisation",
}


# --- numbers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Durations:
    """Seconds: how many, their median and their 90th percentile (None without any)."""

    count: int
    median: int | None
    p90: int | None


def durations_of(values: Iterable[int]) -> Durations:
    ordered = sorted(values)
    if not ordered:
        return Durations(0, None, None)
    middle = len(ordered) // 2
    median = (
        ordered[middle] if len(ordered) % 2 else round((ordered[middle - 1] + ordered[middle]) / 2)
    )
    return Durations(len(ordered), median, _rank(ordered, 0.9))


def _rank(ordered: list[int], share: float) -> int:
    """The nearest-rank percentile of sorted values."""
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass(frozen=True)
class Compliance:
    met: int
    missed: int

    @property
    def share(self) -> int | None:
        """Met in whole percent, or None when no target was decided."""
        decided = self.met + self.missed
        return round(100 * self.met / decided) if decided else None


@dataclass(frozen=True)
class Summary:
    created: int
    solved: int
    backlog: int  # open at the end of the period
    first_response: Durations
    resolution: Durations
    first_response_sla: Compliance
    resolution_sla: Compliance
    satisfaction: Score


@dataclass(frozen=True)
class Day:
    day: date
    created: int
    solved: int
    backlog: int


@dataclass(frozen=True)
class Group:
    """One line of a breakdown."""

    key: str
    label: str
    created: int
    solved: int
    first_response: Durations
    resolution: Durations
    sla: Compliance  # first response and resolution targets together
    satisfaction: Score


@dataclass(frozen=True)
class Breakdown:
    name: str
    title: str
    groups: list[Group]


@dataclass(frozen=True)
class Report:
    period: Period
    previous_period: Period
    summary: Summary
    previous: Summary
    days: list[Day]
    breakdowns: list[Breakdown]
    business_time: bool  # some times were counted by SLA clocks in business hours


# --- reading ---------------------------------------------------------------------------------

_DIMENSION_FIELDS = tuple(name for _, _, name in DIMENSIONS)


@dataclass
class _Tally:
    created: int = 0
    solved: int = 0
    first_response: list[int] = field(default_factory=list)
    resolution: list[int] = field(default_factory=list)
    met: int = 0
    missed: int = 0
    good: int = 0
    bad: int = 0


@dataclass
class _Read:
    """What one period's queries found, before it is summed up."""

    created_per_day: dict[date, int]
    solved_per_day: dict[date, int]
    backlog_before: int
    desk: _Tally
    groups: dict[str, dict[Any, _Tally]]
    first_response_sla: Compliance
    resolution_sla: Compliance
    business_time: bool


def _stopped_clock(metric: str) -> Subquery:
    """The business seconds the ticket's stopped ``metric`` clock consumed (None without one)."""
    return Subquery(
        SlaClock.objects.filter(
            ticket_id=OuterRef("pk"), metric=metric, stopped_at__isnull=False
        ).values("consumed_seconds")[:1],
        output_field=IntegerField(),
    )


class _Tallies:
    """The desk's tally and, with ``breakdowns``, one per group of each breakdown."""

    def __init__(self, *, breakdowns: bool) -> None:
        self.desk = _Tally()
        self.groups: dict[str, dict[Any, _Tally]] = {name: {} for name, _, _ in DIMENSIONS}
        self.breakdowns = breakdowns
        self._found: dict[tuple[Any, ...], list[_Tally]] = {}

    def fields(self) -> tuple[str, ...]:
        """The ticket fields a row must bring: the breakdowns' (none for the desk alone)."""
        return _DIMENSION_FIELDS if self.breakdowns else ()

    def of(self, dims: Iterable[Any]) -> list[_Tally]:
        """The desk's tally, then those of a ticket's groups (its DIMENSIONS values). Found
        once per set of values: many tickets share them."""
        values = tuple(dims)
        found = self._found.get(values)
        if found is None:
            found = [self.desk]
            if self.breakdowns:
                for (name, _, _), key in zip(DIMENSIONS, values, strict=True):
                    found.append(self.groups[name].setdefault(key, _Tally()))
            self._found[values] = found
        return found


def _read(user: User, period: Period, *, breakdowns: bool = True) -> _Read:
    """One period's numbers; ``breakdowns=False``: the desk's alone (the period compared
    with needs no more)."""
    visible = access.tickets_visible_to(user)
    tallies = _Tallies(breakdowns=breakdowns)
    created_per_day, dims_of, business_opened = _count_opened(visible, period, tallies)
    solved_per_day, business_solved = _count_solved(visible, period, tallies)
    compliance = _compliance(user, period, dims_of, tallies)
    for *dims, rating, count in _answers(user, period):
        for tally in tallies.of(dims):
            if rating == Rating.GOOD:
                tally.good += count
            else:
                tally.bad += count
    # Open at the start: opened before it, less those also resolved before it. Two counts
    # that each read one index (ticket_created_idx, ticket_resolved_idx) rather than one
    # "unresolved or resolved later" that scanned the table (decision 65).
    before = visible.filter(created_at__lt=period.starts)
    backlog_before = before.count() - before.filter(resolved_at__lt=period.starts).count()
    return _Read(
        created_per_day=created_per_day,
        solved_per_day=solved_per_day,
        backlog_before=backlog_before,
        desk=tallies.desk,
        groups=tallies.groups,
        first_response_sla=compliance[Metric.FIRST_RESPONSE],
        resolution_sla=compliance[Metric.RESOLUTION],
        business_time=business_opened or business_solved,
    )


def _count_opened(
    visible: QuerySet[Ticket], period: Period, tallies: _Tallies
) -> tuple[dict[date, int], dict[int, tuple[Any, ...]], bool]:
    """The tickets opened in the period: per day, their groups by id, their first responses
    (in business time where a clock stopped; whether any did)."""
    per_day: dict[date, int] = {}
    dims_of: dict[int, tuple[Any, ...]] = {}
    business = False
    opened = (
        visible.filter(created_at__gte=period.starts, created_at__lt=period.ends)
        .annotate(fr_business=_stopped_clock(Metric.FIRST_RESPONSE))
        .order_by()
        .values_list("pk", "created_at", "first_response_at", "fr_business", *tallies.fields())
    )
    for pk, created_at, first_response_at, fr_business, *dims in opened:
        groups = dims_of[pk] = tuple(dims)
        day = period.day_of(created_at)
        per_day[day] = per_day.get(day, 0) + 1
        seconds = None
        if fr_business is not None:
            seconds, business = fr_business, True
        elif first_response_at is not None:
            seconds = _seconds(created_at, first_response_at)
        for tally in tallies.of(groups):
            tally.created += 1
            if seconds is not None:
                tally.first_response.append(seconds)
    return per_day, dims_of, business


def _count_solved(
    visible: QuerySet[Ticket], period: Period, tallies: _Tallies
) -> tuple[dict[date, int], bool]:
    """The tickets resolved in the period: per day, and their resolution times."""
    per_day: dict[date, int] = {}
    business = False
    solved = (
        visible.filter(resolved_at__gte=period.starts, resolved_at__lt=period.ends)
        .annotate(res_business=_stopped_clock(Metric.RESOLUTION))
        .order_by()
        .values_list("created_at", "resolved_at", "res_business", *tallies.fields())
    )
    for created_at, resolved_at, res_business, *dims in solved:
        day = period.day_of(resolved_at)
        per_day[day] = per_day.get(day, 0) + 1
        if res_business is not None:
            seconds, business = res_business, True
        else:
            seconds = _seconds(created_at, resolved_at)
        for tally in tallies.of(dims):
            tally.solved += 1
            tally.resolution.append(seconds)
    return per_day, business


def _seconds(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds()))


def _compliance(
    user: User,
    period: Period,
    dims_of: dict[int, tuple[Any, ...]],
    tallies: _Tallies,
) -> dict[str, Compliance]:
    """Met and missed first-response and resolution targets of the tickets opened in the
    period, for the desk (returned) and each group (added to their tallies)."""
    moment = clock.now()
    clocks = (
        SlaClock.objects.filter(
            access.ticket_condition(user, via="ticket__"),
            ticket__created_at__gte=period.starts,
            ticket__created_at__lt=period.ends,
            metric__in=(Metric.FIRST_RESPONSE, Metric.RESOLUTION),
        )
        .order_by()
        .values_list(
            "ticket_id", "metric", "consumed_seconds", "target_minutes", "running_since",
            "due_at", "breached_at", "stopped_at",
        )
    )  # fmt: skip
    met: dict[str, int] = {Metric.FIRST_RESPONSE: 0, Metric.RESOLUTION: 0}
    missed = dict(met)
    for ticket_id, metric, consumed, target, running, due_at, breached_at, stopped_at in clocks:
        overdue = running is not None and due_at is not None and due_at <= moment
        if consumed > target * 60 or breached_at is not None or overdue:
            outcome = "missed"
        else:  # met once stopped in time; running or paused in time: not decided yet
            outcome = "met" if stopped_at is not None else ""
        if not outcome:
            continue
        (met if outcome == "met" else missed)[metric] += 1
        dims = dims_of.get(ticket_id)
        for tally in tallies.of(dims)[1:] if dims is not None else ():
            if outcome == "met":
                tally.met += 1
            else:
                tally.missed += 1
    return {metric: Compliance(met[metric], missed[metric]) for metric in met}


def _answers(user: User, period: Period) -> Iterable[tuple[Any, ...]]:
    surveys = surveys_for_api(
        user=user, answered=True, rated_after=period.starts, rated_before=period.ends
    )
    fields = [f"ticket__{name}" for name in _DIMENSION_FIELDS]
    return surveys.order_by().values_list(*fields, "rating").annotate(n=Count("pk"))


# --- summing up ------------------------------------------------------------------------------


def _summary(read: _Read, period: Period) -> Summary:
    desk = read.desk
    backlog = read.backlog_before + desk.created - desk.solved
    return Summary(
        created=desk.created,
        solved=desk.solved,
        backlog=backlog,
        first_response=durations_of(desk.first_response),
        resolution=durations_of(desk.resolution),
        first_response_sla=read.first_response_sla,
        resolution_sla=read.resolution_sla,
        satisfaction=Score(desk.good, desk.bad),
    )


def _days(read: _Read, period: Period) -> list[Day]:
    backlog = read.backlog_before
    days = []
    for day in period.each_day():
        created = read.created_per_day.get(day, 0)
        solved = read.solved_per_day.get(day, 0)
        backlog += created - solved
        days.append(Day(day=day, created=created, solved=solved, backlog=backlog))
    return days


def _labels(name: str, keys: Iterable[Any]) -> dict[Any, str]:
    ids = [key for key in keys if key is not None]
    if name == "agent":
        return dict(User.objects.filter(pk__in=ids).values_list("pk", "username"))
    if name == "team":
        return dict(Team.objects.filter(pk__in=ids).values_list("pk", "name"))
    if name == "organisation":
        return dict(Organisation.objects.filter(pk__in=ids).values_list("pk", "name"))
    choices = Category if name == "category" else Channel
    return {key: str(choices(key).label) if key in choices.values else key for key in ids}


def _breakdowns(read: _Read) -> list[Breakdown]:
    found = []
    for name, title, _ in DIMENSIONS:
        tallies = read.groups[name]
        labels = _labels(name, tallies)
        groups = [
            Group(
                key="" if key is None else str(key),
                label=labels.get(key, NONE_LABELS.get(name, ""))
                if key is not None
                else NONE_LABELS.get(name, ""),
                created=tally.created,
                solved=tally.solved,
                first_response=durations_of(tally.first_response),
                resolution=durations_of(tally.resolution),
                sla=Compliance(tally.met, tally.missed),
                satisfaction=Score(tally.good, tally.bad),
            )
            for key, tally in tallies.items()
        ]
        groups.sort(key=lambda g: (-g.created, -g.solved, g.key == "", g.label.lower()))
        found.append(Breakdown(name=name, title=title, groups=groups))
    return found


def check_may_report(user: User) -> None:
    """Staff only: a face that reads its range first asks this before."""
    if not access.sees_ticket_workings(user):
        raise NotAllowed(STAFF_ONLY)


def report_for(*, user: User, period: Period) -> Report:
    """The report of ``period`` and its comparison with the one before, over the tickets
    ``user`` may see. Staff only (NotAllowed)."""
    check_may_report(user)
    current = _read(user, period)
    before_period = period.previous()
    before = _read(user, before_period, breakdowns=False)
    return Report(
        period=period,
        previous_period=before_period,
        summary=_summary(current, period),
        previous=_summary(before, before_period),
        days=_days(current, period),
        breakdowns=_breakdowns(current),
        business_time=current.business_time,
    )
