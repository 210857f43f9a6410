"""What a report reads from the aggregates (reports/aggregates.py, decision 65): the whole
UTC days from the day rows, the other whole UTC hours from the hour rows (the breakdowns by
value of the teams the gate takes whole; those of the teams it shows per assignee are left to
the tickets, ``PerAssignee``), the SLA targets they could not hold (still running), the per-day
counts of any zone as sums of hours and their quarters, and the tickets open before a
period."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncHour

from frontdesk.accounts.models import User
from frontdesk.core import clock
from frontdesk.reports import aggregates
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
from frontdesk.reports.tallies import LIVE_METRICS, Counts, Tallies, Tally, Window
from frontdesk.sla.models import RUNNING, Metric, SlaClock
from frontdesk.teams.models import Team
from frontdesk.tickets import access

ONE_HOUR = timedelta(hours=1)


def _hour_floor(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _hour_ceil(moment: datetime) -> datetime:
    floor = _hour_floor(moment)
    return floor if floor == moment else floor + ONE_HOUR


@dataclass(frozen=True)
class Span:
    """What of a period the aggregates can hold: its whole UTC hours, and the whole UTC days
    [first, end) among them (None without one)."""

    hours: Window
    days: tuple[date, date] | None


def aggregated_span(period: Period) -> Span | None:
    """None: the period holds no whole UTC hour (read the tickets)."""
    first, end = _hour_ceil(period.starts), _hour_floor(period.ends)
    if first >= end:
        return None
    day = aggregates.utc_day(first)
    if aggregates.midnight(day) < first:
        day += timedelta(days=1)
    last = aggregates.utc_day(end)
    return Span(hours=(first, end), days=(day, last) if day < last else None)


def _organisation(value: str) -> int | None:
    return int(value) if value else None


# The breakdown an aggregate row stands for, and how its value reads as the ticket's.
_ROW_BREAKDOWNS: dict[str, tuple[str, Callable[[str], Any]]] = {
    CATEGORY: ("category", str),
    CHANNEL: ("channel", str),
    ORGANISATION: ("organisation", _organisation),
}


@dataclass(frozen=True)
class PerAssignee:
    """What the hour rows leave to the tickets: in ``windows``, the breakdowns by value
    (category, channel, organisation) of the tickets of ``teams`` (and of no team, with
    ``no_team``), the teams whose rows summed over their assignees the gate did not take. It
    shows them per assignee, and the hour rows hold no breakdown per assignee."""

    windows: list[Window]
    teams: list[int]
    no_team: bool

    def condition(self, via: str = "") -> Q:
        """These teams' tickets, or (``via``) rows of them: the gate's condition is added by
        the reader."""
        found = Q(**{f"{via}team_id__in": self.teams})
        if self.no_team:
            found |= Q(**{f"{via}team__isnull": True})
        return found


def add_aggregates(
    user: User, held: Window, tallies: Tallies, counts: Counts
) -> PerAssignee | None:
    """The window ``held`` from the aggregates: its whole UTC days from the day rows, the
    hours before and after them from the hour rows, through the gate's own condition on their
    team and assignee; and the SLA targets they could not hold (still running). Returns what
    the hour rows leave to the tickets (None: nothing)."""
    first = aggregates.utc_day(held[0])
    if aggregates.midnight(first) < held[0]:
        first += timedelta(days=1)
    end = aggregates.utc_day(held[1])
    hours = [held]
    if first < end:
        _add_days(user, (first, end), tallies, counts)
        days = (aggregates.midnight(first), aggregates.midnight(end))
        hours = [w for w in ((held[0], days[0]), (days[1], held[1])) if w[0] < w[1]]
    left = None
    if hours:
        left = _add_hours(user, hours, tallies, counts)
    _running_targets(user, held, tallies, counts)
    return left


def _add_days(user: User, whole: tuple[date, date], tallies: Tallies, counts: Counts) -> None:
    """The whole UTC days [first, end) from the day rows.

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


def _add_hours(
    user: User, hours: list[Window], tallies: Tallies, counts: Counts
) -> PerAssignee | None:
    """Whole UTC hours from the hour rows: the desk's (and, with the breakdowns, the agents'
    and teams') from the rows per team and assignee; the breakdowns by value from the rows per
    team the gate takes, as for the days (``_add_days``). Returns the teams whose breakdowns
    are left to the tickets (None without breakdowns, or when the gate took every team)."""
    dimensions = [DESK, *(_TEAM_ROWS if tallies.breakdowns else ())]
    within = Q()
    for starts, ends in hours:  # each a range of report_hour_dim_idx (dimension, hour)
        within |= Q(dimension__in=dimensions, hour__gte=starts, hour__lt=ends)
    taken = _add_rows(
        HourCount.objects.filter(access.ticket_condition(user), within), tallies, counts
    )
    if not tallies.breakdowns:
        return None
    # The teams left, listed rather than "not taken": a team the gate takes whole but with
    # no ticket in these hours is listed and reads nothing, and where every team was taken
    # (an admin, on a desk busy in every team) no ticket is read at all.
    teams = list(
        Team.objects.exclude(pk__in=[t for t in taken if t is not None]).values_list(
            "pk", flat=True
        )
    )
    if not teams and None in taken:
        return None
    return PerAssignee(windows=hours, teams=teams, no_team=None not in taken)


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


def _add_rows(rows: QuerySet[Any], tallies: Tallies, counts: Counts) -> set[int | None]:
    """Add aggregate rows (day or hour rows) to the tallies. Returns the teams of the
    breakdowns' team rows."""
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
                found.append(groups["agent"].setdefault(assignee, Tally()))
                found.append(groups["team"].setdefault(team, Tally()))
        else:
            if dimension in _TEAM_ROWS:
                teams.add(team)
                name, key = _TEAM_ROWS[dimension]
            else:
                name, key = _ROW_BREAKDOWNS[dimension]
            found = [groups[name].setdefault(key(value), Tally())]
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


def _running_targets(user: User, held: Window, tallies: Tallies, counts: Counts) -> None:
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
            opened__gte=held[0],
            opened__lt=held[1],
            metric__in=LIVE_METRICS,
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


# An hour row's counts of its quarters from :15, :30 and :45 (models.HourCount).
_QUARTERS = {
    "created_at": ("created_15", "created_30", "created_45"),
    "resolved_at": ("solved_15", "solved_30", "solved_45"),
}
_QUARTER_FIELDS = [field for fields in _QUARTERS.values() for field in fields]


def _quarter(moment: datetime) -> int | None:
    """Which quarter of its hour ``moment`` begins (0 to 3); None: not a quarter's start."""
    if moment.second or moment.microsecond or moment.minute % 15:
        return None
    return moment.minute // 15


def _from_quarter(found: dict[str, Any], name: str, quarter: int) -> int:
    """Of a sum of hour rows (``found``), the tickets ``name`` stamped from ``quarter`` on."""
    return sum(found[field] or 0 for field in _QUARTERS[name][quarter - 1 :]) if quarter else 0


def _desk_hours(user: User) -> QuerySet[HourCount]:
    """The hour rows per team and assignee the gate takes for ``user``."""
    return HourCount.objects.filter(access.ticket_condition(user), dimension=DESK)


def add_per_day(user: User, period: Period, held: Window, counts: Counts) -> None:
    """Opened and resolved per day of the viewer in ``held``, from the hour rows. A midnight
    of the viewer inside a UTC hour (India, Nepal, Chatham) splits it: what the hour held
    from that midnight on is moved to the next day, from the counts of its quarters (one
    query for every split hour)."""
    hours = (
        _desk_hours(user)
        .filter(hour__gte=held[0], hour__lt=held[1])
        .order_by()
        .values("hour")
        .annotate(opened=Sum("created"), done=Sum("solved"))
        .values_list("hour", "opened", "done")
    )
    created, solved = counts.created_per_day, counts.solved_per_day
    for hour, opened, done in hours:
        day = period.day_of(hour)
        created[day] = created.get(day, 0) + opened
        solved[day] = solved.get(day, 0) + done
    splits = [
        midnight
        for midnight in (period.day_end(day) for day in period.each_day())
        if held[0] < midnight < held[1] and midnight != _hour_floor(midnight)
    ]
    if not splits:
        return
    per_hour = {
        found["hour"]: found
        for found in _desk_hours(user)
        .filter(hour__in=[_hour_floor(midnight) for midnight in splits])
        .order_by()
        .values("hour")
        .annotate(**{field: Sum(field) for field in _QUARTER_FIELDS})
    }
    off_quarter = []
    for midnight in splits:
        quarter = _quarter(midnight)
        if quarter is None:  # no zone's midnight since 2000, but counted right if one were
            off_quarter.append(midnight)
            continue
        found = per_hour.get(_hour_floor(midnight))
        for name, per_day in (("created_at", created), ("resolved_at", solved)):
            count = _from_quarter(found, name, quarter) if found else 0
            _move(period, midnight, count, per_day)
    if off_quarter:
        _split_by_tickets(user, period, off_quarter, counts)


def _move(period: Period, midnight: datetime, count: int, per_day: dict[date, int]) -> None:
    """``count`` of the hour ``midnight`` splits, counted on its day, belong to the next."""
    before, after = period.day_of(_hour_floor(midnight)), period.day_of(midnight)
    per_day[before] = per_day.get(before, 0) - count
    per_day[after] = per_day.get(after, 0) + count


def _split_by_tickets(user: User, period: Period, splits: list[datetime], counts: Counts) -> None:
    """Split hours at midnights that begin no quarter, counted from the tickets."""
    visible = access.tickets_visible_to(user)
    for name, per_day in (
        ("created_at", counts.created_per_day),
        ("resolved_at", counts.solved_per_day),
    ):
        within = Q()
        for midnight in splits:
            within |= Q(**{f"{name}__gte": midnight, f"{name}__lt": _hour_ceil(midnight)})
        # Grouped by the hour, not a FILTER per split: SQLite evaluated each of a 90-day
        # period's 90 on every row (0.6 s at a million tickets).
        moved = dict(
            visible.filter(within)
            .annotate(at=TruncHour(name, tzinfo=UTC))
            .order_by()
            .values("at")
            .annotate(n=Count("pk"))
            .values_list("at", "n")
        )
        for midnight in splits:
            _move(period, midnight, moved.get(_hour_floor(midnight), 0), per_day)


def open_before(user: User, starts: datetime) -> int:
    """Opened before ``starts`` less resolved before it (a ticket is resolved after it was
    opened), from the days before ``starts``'s UTC day, the whole hours of that day before
    it, and the quarters of its hour before it (a zone off UTC's midnight inside an hour), or
    else the tickets of the minutes between."""
    condition = access.ticket_condition(user)
    day, hour = aggregates.utc_day(starts), _hour_floor(starts)
    days = DayTally.objects.filter(condition, dimension=DESK, span=1, day__lt=day).aggregate(
        opened=Sum("created"), done=Sum("solved")
    )
    hours = (
        _desk_hours(user)
        .filter(hour__gte=aggregates.midnight(day), hour__lt=hour)
        .aggregate(opened=Sum("created"), done=Sum("solved"))
    )
    backlog = sum((found["opened"] or 0) - (found["done"] or 0) for found in (days, hours))
    if hour == starts:
        return backlog
    quarter = _quarter(starts)
    if quarter is not None:
        split = (
            _desk_hours(user)
            .filter(hour=hour)
            .aggregate(
                opened=Sum("created"),
                done=Sum("solved"),
                **{field: Sum(field) for field in _QUARTER_FIELDS},
            )
        )
        backlog += (split["opened"] or 0) - _from_quarter(split, "created_at", quarter)
        backlog -= (split["done"] or 0) - _from_quarter(split, "resolved_at", quarter)
        return backlog
    visible = access.tickets_visible_to(user)
    backlog += visible.filter(created_at__gte=hour, created_at__lt=starts).count()
    backlog -= visible.filter(resolved_at__gte=hour, resolved_at__lt=starts).count()
    return backlog


def opened_on_its_days(period: Period) -> int:
    """How many tickets the aggregates say were opened on the UTC days ``period`` touches
    (the whole desk: a cheap measure of its size)."""
    found = DayTally.objects.filter(
        dimension=DESK,
        span=1,
        day__gte=aggregates.utc_day(period.starts),
        day__lte=aggregates.utc_day(period.ends - timedelta(microseconds=1)),
    ).aggregate(opened=Sum("created"))
    return found["opened"] or 0
