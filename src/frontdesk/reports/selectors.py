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
EXACT_BELOW tickets or more, its whole UTC days are read from them (the satisfaction answers
given on those days too), the hours at either end from the tickets, and the report says until
when the aggregates hold every change (``Report.as_of``). The SLA targets whose clock is
running are always read from their rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import Organisation, User
from frontdesk.core import clock
from frontdesk.core.errors import NotAllowed
from frontdesk.reports import aggregates
from frontdesk.reports.histograms import Times, stats_of
from frontdesk.reports.models import (
    CATEGORY,
    CHANNEL,
    DESK,
    ORGANISATION,
    DayTally,
    HourCount,
    every_assignee,
)
from frontdesk.reports.periods import Period
from frontdesk.satisfaction.models import Rating, Survey
from frontdesk.satisfaction.selectors import Score
from frontdesk.sla.models import RUNNING, Metric, SlaClock
from frontdesk.teams.models import Team
from frontdesk.tickets import access
from frontdesk.tickets.models import Category, Channel, Ticket

STAFF_ONLY = gettext_noop("Reports are for agents and admins.")

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

_DIMENSION_FIELDS = tuple(name for _, _, name in DIMENSIONS)


@dataclass
class _Tally:
    created: int = 0
    solved: int = 0
    first_response: Times = field(default_factory=Times)
    resolution: Times = field(default_factory=Times)
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


# Up to this many tickets opened in a period (by the aggregates' count), the report reads the
# tickets themselves: exact and as fresh as they are, and cheap at that size.
EXACT_BELOW = 20_000
_LIVE_METRICS = (Metric.FIRST_RESPONSE, Metric.RESOLUTION)


@dataclass
class _Counts:
    """Per-day counts, compliance and the business-time flag, as found so far."""

    created_per_day: dict[date, int] = field(default_factory=dict)
    solved_per_day: dict[date, int] = field(default_factory=dict)
    met: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_LIVE_METRICS, 0))
    missed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_LIVE_METRICS, 0))
    business: bool = False


def _whole_days(period: Period) -> tuple[date, date] | None:
    """The UTC days [first, end) wholly inside ``period``, when the aggregates can count it:
    at least one such day, and every midnight of the viewer's zone on a whole UTC hour (the
    per-day counts come from hourly rows). None: read the tickets."""
    if any(
        moment.minute or moment.second
        for moment in (period.starts, *(period.day_end(day) for day in period.each_day()))
    ):
        return None
    first = aggregates.utc_day(period.starts)
    if aggregates.midnight(first) < period.starts:
        first += timedelta(days=1)
    end = aggregates.utc_day(period.ends)
    return (first, end) if first < end else None


def _read(
    user: User, period: Period, *, breakdowns: bool = True, aggregated: bool = False
) -> _Read:
    """One period's numbers; ``breakdowns=False``: the desk's alone (the period compared
    with needs no more). ``aggregated``: whole UTC days from the aggregates
    (reports/aggregates.py), the hours at either end from the tickets."""
    visible = access.tickets_visible_to(user)
    tallies = _Tallies(breakdowns=breakdowns)
    counts = _Counts()
    whole = _whole_days(period) if aggregated else None
    windows = [(period.starts, period.ends)]
    if whole is not None:
        middle = (aggregates.midnight(whole[0]), aggregates.midnight(whole[1]))
        windows = [w for w in ((period.starts, middle[0]), (middle[1], period.ends)) if w[0] < w[1]]
    dims_of: dict[int, tuple[Any, ...]] = {}
    for starts, ends in windows:
        _count_opened(visible, period, (starts, ends), tallies, counts, dims_of)
        _count_solved(visible, period, (starts, ends), tallies, counts)
        _compliance(user, (starts, ends), dims_of, tallies, counts)
    _count_answers(user, windows, tallies)
    if whole is not None:
        _add_aggregates(user, whole, tallies, counts)
        counts.created_per_day, counts.solved_per_day = _hourly(user, period)
        backlog_before = _backlog_before_aggregated(user, period.starts)
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


Window = tuple[datetime, datetime]


def _count_opened(
    visible: QuerySet[Ticket],
    period: Period,
    window: Window,
    tallies: _Tallies,
    counts: _Counts,
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
    tallies: _Tallies,
    counts: _Counts,
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
    tallies: _Tallies,
    counts: _Counts,
) -> None:
    """Met and missed first-response and resolution targets of the tickets opened in
    ``window``, for the desk (``counts``) and each group (added to their tallies)."""
    moment = clock.now()
    clocks = (
        SlaClock.objects.filter(
            access.ticket_condition(user, via="ticket__"),
            ticket__created_at__gte=window[0],
            ticket__created_at__lt=window[1],
            metric__in=_LIVE_METRICS,
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


def _count_answers(user: User, windows: list[Window], tallies: _Tallies) -> None:
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
        Survey.objects.filter(access.ticket_condition(user, via="ticket__"), given)
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


def _organisation(value: str) -> int | None:
    return int(value) if value else None


# The breakdown an aggregate row stands for, and how its value reads as the ticket's.
_ROW_BREAKDOWNS: dict[str, tuple[str, Callable[[str], Any]]] = {
    CATEGORY: ("category", str),
    CHANNEL: ("channel", str),
    ORGANISATION: ("organisation", _organisation),
}


def _add_aggregates(
    user: User, whole: tuple[date, date], tallies: _Tallies, counts: _Counts
) -> None:
    """The whole UTC days [first, end) from the aggregates, through the gate's own condition
    on their team and assignee, and the SLA targets they could not hold (still running).

    The breakdowns come first from their rows per team (models.every_assignee: assignee
    None), as the gate takes them: a team's row with no assignee is taken where the gate
    shows that team's tickets whatever their assignee. Then the rows per assignee, through
    the same condition, of the teams whose row was not taken: where the gate shows only
    the tickets assigned to the viewer. The gate names no assignee that would hide a
    ticket a team shows (tests/reports/test_aggregates.py holds it to that), so no
    ticket is counted twice or missed."""
    visible = DayTally.objects.filter(access.ticket_condition(user))
    team_rows = [every_assignee(name) for name in _ROW_BREAKDOWNS] if tallies.breakdowns else []
    rows = visible.filter(_blocks(whole, [DESK, *team_rows]))
    taken = _add_rows(rows, tallies, counts)
    if tallies.breakdowns:
        other_teams = ~Q(team_id__in=[team for team in taken if team is not None])
        if None in taken:
            other_teams &= Q(team__isnull=False)
        rows = visible.filter(other_teams, _blocks(whole, list(_ROW_BREAKDOWNS)))
        _add_rows(rows, tallies, counts)
    _running_targets(user, whole, tallies, counts)


def _blocks(whole: tuple[date, date], dimensions: list[str]) -> Q:
    """The rows of ``dimensions`` in the blocks (aggregates.blocks) that make up ``whole``:
    one condition per span, each naming the dimensions, so that every one is a range of
    ``report_day_idx`` (dimension, span, day). With the dimensions outside them SQLite read
    every day of a dimension, some 0.3 s for the organisations' rows at a million tickets."""
    starts: dict[int, list[date]] = {}
    for span, first in aggregates.blocks(*whole):
        starts.setdefault(span, []).append(first)
    which = Q()
    for span, days in starts.items():
        which |= Q(dimension__in=dimensions, span=span, day__in=days)
    return which


# A breakdown's rows per team, summed over its assignees, read as the breakdown's.
_TEAM_ROWS = {every_assignee(name): found for name, found in _ROW_BREAKDOWNS.items()}


def _add_rows(rows: QuerySet[DayTally], tallies: _Tallies, counts: _Counts) -> set[int | None]:
    """Add aggregate rows to the tallies. Returns the teams of the breakdowns' team rows."""
    found_rows = rows.order_by().values_list(
        "dimension", "value", "team_id", "assignee_id", "created", "solved",
        "first_response", "resolution", "first_response_met", "first_response_missed",
        "resolution_met", "resolution_missed", "business_time", "good", "bad",
    )  # fmt: skip
    groups = tallies.groups
    teams: set[int | None] = set()
    for (
        dimension, value, team, assignee, created, solved, fr, res, frm, frx, rm, rx, bt, good,
        bad,
    ) in found_rows:  # fmt: skip
        if dimension == DESK:
            counts.met[Metric.FIRST_RESPONSE] += frm
            counts.missed[Metric.FIRST_RESPONSE] += frx
            counts.met[Metric.RESOLUTION] += rm
            counts.missed[Metric.RESOLUTION] += rx
            counts.business |= bt
            found = [tallies.desk]
            if tallies.breakdowns:
                found.append(groups["agent"].setdefault(assignee, _Tally()))
                found.append(groups["team"].setdefault(team, _Tally()))
        else:
            if dimension in _TEAM_ROWS:
                teams.add(team)
                name, key = _TEAM_ROWS[dimension]
            else:
                name, key = _ROW_BREAKDOWNS[dimension]
            found = [groups[name].setdefault(key(value), _Tally())]
        for index, tally in enumerate(found):
            tally.created += created
            tally.solved += solved
            tally.good += good
            tally.bad += bad
            tally.first_response.merge(fr)
            tally.resolution.merge(res)
            if index or dimension != DESK:
                tally.met += frm + rm
                tally.missed += frx + rx
    return teams


def _running_targets(
    user: User, whole: tuple[date, date], tallies: _Tallies, counts: _Counts
) -> None:
    """The aggregates hold the targets whose clock is not running (stopped, or paused); one
    that runs (or was started again) becomes missed when its due time passes, not when the
    ticket changes, so it is counted now, in the database, per group.

    The running clocks are few (one per open ticket under a policy), and found through their
    partial index (sla/models.RUNNING); the period's days are then checked on each one's
    ticket. Its ``created_at`` is read through COALESCE so that SQLite does not start from
    the period's tickets (hundreds of thousands, through ``ticket_created_idx``) and look up
    each one's clocks: 0.3 to 0.6 s for an admin and several seconds for an agent at a million
    tickets, against milliseconds this way (bench/README.md)."""
    moment = clock.now()
    over = F("target_minutes") * 60
    missed = (
        Q(consumed_seconds__gt=over)
        | Q(breached_at__isnull=False)
        | Q(running_since__isnull=False, due_at__lte=moment)
    )
    met = Q(stopped_at__isnull=False, breached_at__isnull=True, consumed_seconds__lte=over) & (
        Q(running_since__isnull=True) | Q(due_at__isnull=True) | Q(due_at__gt=moment)
    )
    fields = [f"ticket__{name}" for name in tallies.fields()]
    live = (
        SlaClock.objects.alias(opened=Coalesce("ticket__created_at", "ticket__created_at"))
        .filter(
            access.ticket_condition(user, via="ticket__"),
            RUNNING,
            opened__gte=aggregates.midnight(whole[0]),
            opened__lt=aggregates.midnight(whole[1]),
            metric__in=_LIVE_METRICS,
        )
        .order_by()
        .values("metric", *fields)
        .annotate(met=Count("pk", filter=met), missed=Count("pk", filter=missed))
        .values_list("metric", "met", "missed", *fields)
    )
    for metric, met_count, missed_count, *dims in live:
        counts.met[metric] += met_count
        counts.missed[metric] += missed_count
        for tally in tallies.of(dims)[1:]:
            tally.met += met_count
            tally.missed += missed_count


def _hourly(user: User, period: Period) -> tuple[dict[date, int], dict[date, int]]:
    """Opened and resolved per day of the viewer, from the hourly counts."""
    created: dict[date, int] = {}
    solved: dict[date, int] = {}
    hours = (
        HourCount.objects.filter(
            access.ticket_condition(user), hour__gte=period.starts, hour__lt=period.ends
        )
        .order_by()
        .values("hour")
        .annotate(opened=Sum("created"), done=Sum("solved"))
        .values_list("hour", "opened", "done")
    )
    for hour, opened, done in hours:
        day = period.day_of(hour)
        if opened:
            created[day] = created.get(day, 0) + opened
        if done:
            solved[day] = solved.get(day, 0) + done
    return created, solved


def _backlog_before_aggregated(user: User, starts: datetime) -> int:
    """Opened before ``starts`` less resolved before it (a ticket is resolved after it was
    opened), from the days before ``starts``'s UTC day and the hours of that day before it."""
    condition = access.ticket_condition(user)
    day = aggregates.utc_day(starts)
    days = DayTally.objects.filter(condition, dimension=DESK, span=1, day__lt=day).aggregate(
        opened=Sum("created"), done=Sum("solved")
    )
    hours = HourCount.objects.filter(
        condition, hour__gte=aggregates.midnight(day), hour__lt=starts
    ).aggregate(opened=Sum("created"), done=Sum("solved"))
    return sum((found["opened"] or 0) - (found["done"] or 0) for found in (days, hours))


def _whole_days_opened(period: Period) -> int:
    """How many tickets the aggregates say were opened on the whole UTC days of ``period``
    (the whole desk: a cheap measure of its size)."""
    whole = _whole_days(period)
    assert whole is not None
    found = DayTally.objects.filter(
        dimension=DESK, span=1, day__gte=whole[0], day__lt=whole[1]
    ).aggregate(opened=Sum("created"))
    return found["opened"] or 0


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
        _whole_days(period) is None or _whole_days_opened(period) < EXACT_BELOW
    ):
        as_of = None  # a small desk, or a zone off UTC's hours: the tickets themselves
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
