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
* satisfaction: the answers given in the period (satisfaction's surveys, through the same
  gate's condition on their ticket), good against bad.

Breakdowns put each ticket under its assignee, team, category, channel and organisation as
they stand now.

Once the worker has built the aggregates (reports/aggregates.py) and a period holds
EXACT_BELOW tickets or more, they are read for what they hold (the satisfaction answers too),
and the report says until when they hold every change (``Report.as_of``): a period's whole
UTC days from the day rows, its other whole UTC hours from the hour rows, and from the tickets
the minutes before its first and after its last whole UTC hour, and, in those hours, the
breakdowns by value of the teams the gate shows only per assignee (the hour rows hold them per
team). The days of the chart are sums of hours, and of quarters of an hour, in any zone. The
SLA targets whose clock is running are always read from their rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import Organisation, User
from frontdesk.core import clock
from frontdesk.core.errors import NotAllowed
from frontdesk.reports import aggregates
from frontdesk.reports.held import (
    PerAssignee,
    add_aggregates,
    add_per_day,
    aggregated_span,
    open_before,
    opened_on_its_days,
)
from frontdesk.reports.histograms import Times, stats_of
from frontdesk.reports.periods import Period
from frontdesk.reports.tallies import (
    DIMENSIONS,
    LIVE_METRICS,
    Counts,
    Tallies,
    Tally,
    Window,
)
from frontdesk.satisfaction.models import Rating, Survey
from frontdesk.satisfaction.selectors import Score
from frontdesk.sla.models import Metric, SlaClock
from frontdesk.teams.models import Team
from frontdesk.tickets import access
from frontdesk.tickets.models import Category, Channel, Ticket

STAFF_ONLY = gettext_noop("Reports are for agents and admins.")

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


def durations_of(values: Iterable[int] | Times) -> Durations:
    """Count, median and p90 of exact values, or of Times (exact values and histograms from
    the aggregates: reports/histograms.py says where they are exact)."""
    return Durations(*(values.stats() if isinstance(values, Times) else stats_of(values)))


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
    # The whole days came from the aggregates, which hold the changes made until then; None:
    # every number was read from the tickets as they are.
    as_of: datetime | None = None


# --- reading ---------------------------------------------------------------------------------


@dataclass
class _Read:
    """What one period's queries found, before it is summed up."""

    created_per_day: dict[date, int]
    solved_per_day: dict[date, int]
    backlog_before: int
    desk: Tally
    groups: dict[str, dict[Any, Tally]]
    first_response_sla: Compliance
    resolution_sla: Compliance
    business_time: bool


# Up to this many tickets opened in a period (by the aggregates' count), the report reads the
# tickets themselves: exact and as fresh as they are, and cheap at that size.
EXACT_BELOW = 20_000


def _read(
    user: User, period: Period, *, breakdowns: bool = True, aggregated: bool = False
) -> _Read:
    """One period's numbers; ``breakdowns=False``: the desk's alone (the period compared
    with needs no more). ``aggregated``: what the aggregates hold (reports/aggregates.py) is
    read from them, every whole UTC hour, and the rest of the period from the tickets: the
    minutes before the first and after the last (a zone off UTC's whole hours)."""
    visible = access.tickets_visible_to(user)
    tallies = Tallies(breakdowns=breakdowns)
    counts = Counts()
    span = aggregated_span(period) if aggregated else None
    held = span.hours if span is not None else None
    windows = [(period.starts, period.ends)]
    if held is not None:
        windows = [w for w in ((period.starts, held[0]), (held[1], period.ends)) if w[0] < w[1]]
    dims_of: dict[int, tuple[Any, ...]] = {}
    for starts, ends in windows:
        _count_opened(visible, period, (starts, ends), tallies, counts, dims_of)
        _count_solved(visible, period, (starts, ends), tallies, counts)
        _compliance(user, (starts, ends), dims_of, tallies, counts)
    _count_answers(user, windows, tallies)
    if held is not None:
        left = add_aggregates(user, held, tallies, counts)
        if left is not None:
            _add_per_assignee(user, period, left, tallies)
        if breakdowns:  # the period compared with shows no days
            add_per_day(user, period, held, counts)
    if span is not None:
        backlog_before = open_before(user, period.starts)
    else:
        # Open at the start: opened before it, less those also resolved before it. Two counts
        # that each read one index (ticket_created_idx, ticket_resolved_idx) rather than one
        # "unresolved or resolved later" that scanned the table (decision 65).
        before = visible.filter(created_at__lt=period.starts)
        backlog_before = before.count() - before.filter(resolved_at__lt=period.starts).count()
    return _Read(
        created_per_day=counts.created_per_day,
        solved_per_day=counts.solved_per_day,
        backlog_before=backlog_before,
        desk=tallies.desk,
        groups=tallies.groups,
        first_response_sla=Compliance(
            counts.met[Metric.FIRST_RESPONSE], counts.missed[Metric.FIRST_RESPONSE]
        ),
        resolution_sla=Compliance(counts.met[Metric.RESOLUTION], counts.missed[Metric.RESOLUTION]),
        business_time=counts.business,
    )


def _count_opened(
    visible: QuerySet[Ticket],
    period: Period,
    window: Window,
    tallies: Tallies,
    counts: Counts,
    dims_of: dict[int, tuple[Any, ...]],
) -> None:
    """The tickets opened in ``window``: per day, their groups by id (``dims_of``), their first
    responses (in business time where a clock stopped)."""
    per_day = counts.created_per_day
    opened = (
        visible.filter(created_at__gte=window[0], created_at__lt=window[1])
        .annotate(fr_business=aggregates.stopped_clock(Metric.FIRST_RESPONSE))
        .order_by()
        .values_list("pk", "created_at", "first_response_at", "fr_business", *tallies.fields())
    )
    for pk, created_at, first_response_at, fr_business, *dims in opened:
        groups = dims_of[pk] = tuple(dims)
        day = period.day_of(created_at)
        per_day[day] = per_day.get(day, 0) + 1
        seconds = None
        if fr_business is not None:
            seconds, counts.business = fr_business, True
        elif first_response_at is not None:
            seconds = aggregates.seconds_between(created_at, first_response_at)
        for tally in tallies.of(groups):
            tally.created += 1
            if seconds is not None:
                tally.first_response.append(seconds)


def _count_solved(
    visible: QuerySet[Ticket],
    period: Period,
    window: Window,
    tallies: Tallies,
    counts: Counts,
) -> None:
    """The tickets resolved in ``window``: per day, and their resolution times."""
    per_day = counts.solved_per_day
    solved = (
        visible.filter(resolved_at__gte=window[0], resolved_at__lt=window[1])
        .annotate(res_business=aggregates.stopped_clock(Metric.RESOLUTION))
        .order_by()
        .values_list("created_at", "resolved_at", "res_business", *tallies.fields())
    )
    for created_at, resolved_at, res_business, *dims in solved:
        day = period.day_of(resolved_at)
        per_day[day] = per_day.get(day, 0) + 1
        if res_business is not None:
            seconds, counts.business = res_business, True
        else:
            seconds = aggregates.seconds_between(created_at, resolved_at)
        for tally in tallies.of(dims):
            tally.solved += 1
            tally.resolution.append(seconds)


def _compliance(
    user: User,
    window: Window,
    dims_of: dict[int, tuple[Any, ...]],
    tallies: Tallies,
    counts: Counts,
    *,
    only: Q | None = None,
) -> None:
    """Met and missed first-response and resolution targets of the tickets opened in
    ``window``, for the desk (``counts``) and each group (added to their tallies). ``only``:
    the clocks it takes, else every one."""
    moment = clock.now()
    clocks = (
        SlaClock.objects.filter(
            access.ticket_condition(user, via="ticket__"),
            only if only is not None else Q(),
            ticket__created_at__gte=window[0],
            ticket__created_at__lt=window[1],
            metric__in=LIVE_METRICS,
        )
        .order_by()
        .values_list(
            "ticket_id", "metric", "consumed_seconds", "target_minutes", "running_since",
            "due_at", "breached_at", "stopped_at",
        )
    )  # fmt: skip
    met, missed = counts.met, counts.missed
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


def _count_answers(
    user: User, windows: list[Window], tallies: Tallies, *, only: Q | None = None
) -> None:
    """The satisfaction answers given in ``windows``, good and bad, per group: through the
    gate's condition on each answer's ticket, from the answers' index on ``rated_at``
    (``surveys_for_api``'s "ticket in the visible tickets" made SQLite list every visible
    ticket first: 0.3 to 0.6 s a query at a million tickets)."""
    if not windows:
        return
    given = Q()
    for starts, ends in windows:
        given |= Q(rated_at__gte=starts, rated_at__lt=ends)
    fields = [f"ticket__{name}" for name in tallies.fields()]
    answers = (
        Survey.objects.filter(
            access.ticket_condition(user, via="ticket__"), only if only is not None else Q(), given
        )
        .order_by()
        .values_list(*fields, "rating")
        .annotate(n=Count("pk"))
    )
    for *dims, rating, count in answers:
        for tally in tallies.of(dims):
            if rating == Rating.GOOD:
                tally.good += count
            else:
                tally.bad += count


def _add_per_assignee(user: User, period: Period, left: PerAssignee, tallies: Tallies) -> None:
    """The breakdowns by value the hour rows leave to the tickets (held.PerAssignee): the
    tickets of those teams that the gate shows, counted into tallies of their own, of which
    only the breakdowns by value are kept. The hour rows per team and assignee gave the
    desk's, agents' and teams' numbers, and the running SLA targets are counted from their
    rows (held._running_targets), so only the clocks not running are read here."""
    own, counts = Tallies(breakdowns=True), Counts()
    visible = access.tickets_visible_to(user).filter(left.condition())
    theirs = left.condition(via="ticket__")
    stopped = theirs & Q(running_since__isnull=True)
    dims_of: dict[int, tuple[Any, ...]] = {}
    for window in left.windows:
        _count_opened(visible, period, window, own, counts, dims_of)
        _count_solved(visible, period, window, own, counts)
        _compliance(user, window, dims_of, own, counts, only=stopped)
    _count_answers(user, left.windows, own, only=theirs)
    tallies.add_by_value(own)


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
    as_of = aggregates.fresh_at()
    if as_of is not None and (
        aggregated_span(period) is None or opened_on_its_days(period) < EXACT_BELOW
    ):
        as_of = None  # a small desk: the tickets themselves
    current = _read(user, period, aggregated=as_of is not None)
    before_period = period.previous()
    before = _read(user, before_period, breakdowns=False, aggregated=as_of is not None)
    return Report(
        period=period,
        previous_period=before_period,
        summary=_summary(current, period),
        previous=_summary(before, before_period),
        days=_days(current, period),
        breakdowns=_breakdowns(current),
        business_time=current.business_time,
        as_of=as_of,
    )
