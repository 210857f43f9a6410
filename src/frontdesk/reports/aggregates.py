"""The reports' aggregates, kept by the worker (docs/decisions.md, 65).

For each UTC day: a DayTally row per team and assignee (and per value of the category,
channel and organisation breakdowns) with the tickets opened that day (their count, first
responses, SLA targets met and missed whose clock is not running) and those resolved that
day (count, resolution times), and the satisfaction answers given that day, good and bad;
the breakdowns' rows once more per team, summed over its assignees (models.every_assignee);
and HourCount rows per UTC hour: per team and assignee, holding what the day's DESK row holds
for that hour (a day in any zone is a sum of hours) and how many of its tickets were opened
and resolved in each quarter of it (a zone's midnight at :15, :30 or :45 splits an hour
there), and per team and breakdown value, summed over its assignees. A day is always counted
whole from the tickets, in the same terms as the exact reading in reports/selectors.py
(business seconds from a stopped SLA clock, else the wall clock), and replaces what was
there.

``aggregates_refresh`` (a periodic job, reports/tasks.py) counts again the days touched by
the tickets changed since its last run: a ticket's day of opening, its day of resolving, and
the days its status changed (a reopened ticket has lost the resolution it was counted under),
and the day its satisfaction answer was given. ``aggregates_build`` counts every day
(``frontdesk reports_build``, ``frontdesk demo`` after its bulk load, and once a night, for
what no change marks: a deleted ticket, a team or a person removed)."""

from __future__ import annotations

import functools
import multiprocessing
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import connection, connections, transaction
from django.db.models import IntegerField, Max, Min, OuterRef, Subquery

from frontdesk.core import clock
from frontdesk.core.bulk import datetime_adapter, insert_rows
from frontdesk.core.lifecycle import database_connections_close
from frontdesk.core.memory import cycle_collector_paused
from frontdesk.reports.histograms import Times, add_bucket, bucket_of, buckets_text
from frontdesk.reports.models import (
    CATEGORY,
    CHANNEL,
    DAY_DIMENSIONS,
    DESK,
    HOUR_DIMENSIONS,
    ORGANISATION,
    AggregateState,
    DayTally,
    HourCount,
    StaleDay,
    every_assignee,
)
from frontdesk.satisfaction.models import Rating, Survey
from frontdesk.sla.models import Metric, SlaClock
from frontdesk.tickets.models import Ticket, TicketEvent

# A change committed this long after its stamp (a slow transaction) is still seen next run.
LATE_COMMITS = timedelta(minutes=2)
_CHUNK = 500
ONE_DAY = timedelta(days=1)
ONE_HOUR = timedelta(hours=1)
# Blocks of days summed into rows of their own (DayTally.span), each starting on a day whose
# ordinal is a multiple of its length: a 90-day period reads about ten blocks, not 90 days.
SPANS = (64, 16, 4)
_SUMMED = (
    "created", "solved", "first_response_met", "first_response_missed", "resolution_met",
    "resolution_missed", "good", "bad",
)  # fmt: skip
_DIMS = ("team_id", "assignee_id", "category", "channel", "organisation_id")
# The rows are written as values (core.bulk.insert_rows), not as model instances: preparing
# instances for bulk_create was most of a build's time (cProfile of ``aggregates_build`` on a
# 100,000-ticket demo: 185 of 397 s in the SQL compiler's preparing of 800,000 rows' values).
_TALLY_COLUMNS = (
    "team_id", "assignee_id", "created", "solved", "first_response", "resolution",
    "first_response_met", "first_response_missed", "resolution_met", "resolution_missed",
    "business_time", "good", "bad",
)  # fmt: skip
DAY_COLUMNS = ("day", "span", "dimension", "value", *_TALLY_COLUMNS)
HOUR_COLUMNS = (
    "hour", "dimension", "value", "created_15", "created_30", "created_45", "solved_15",
    "solved_30", "solved_45", *_TALLY_COLUMNS,
)  # fmt: skip


def stopped_clock(metric: str) -> Subquery:
    """The business seconds the ticket's stopped ``metric`` clock consumed (None without one)."""
    return Subquery(
        SlaClock.objects.filter(
            ticket_id=OuterRef("pk"), metric=metric, stopped_at__isnull=False
        ).values("consumed_seconds")[:1],
        output_field=IntegerField(),
    )


def seconds_between(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds()))


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


class _Row:
    """A DayTally or HourCount row being counted. Its durations are kept as the histogram's
    buckets they are stored as (reports/histograms.py), each value's bucket found once for all
    the rows it counts in."""

    __slots__ = (
        "bad", "business_time", "created", "created_quarters", "first_response", "good",
        "outcomes", "resolution", "solved", "solved_quarters",
    )  # fmt: skip

    def __init__(self) -> None:
        self.created = self.solved = self.good = self.bad = 0
        self.first_response: dict[int, list[int]] = {}
        self.resolution: dict[int, list[int]] = {}
        self.outcomes: dict[str, int] = {}
        self.business_time = False
        # An hour row's tickets opened and resolved in each of its quarters (minute // 15).
        self.created_quarters = [0, 0, 0, 0]
        self.solved_quarters = [0, 0, 0, 0]

    def add(self, other: _Row) -> None:
        self.created += other.created
        self.solved += other.solved
        for mine, theirs in (
            (self.first_response, other.first_response),
            (self.resolution, other.resolution),
        ):
            for bucket, (count, low, high) in theirs.items():
                add_bucket(mine, bucket, count, low, high)
        for outcome, count in other.outcomes.items():
            self.outcomes[outcome] = self.outcomes.get(outcome, 0) + count
        self.business_time |= other.business_time
        self.good += other.good
        self.bad += other.bad


def _keys(team: Any, assignee: Any, category: str, channel: str, organisation: Any) -> list[Any]:
    return [
        (DESK, "", team, assignee),
        (CATEGORY, category, team, assignee),
        (CHANNEL, channel, team, assignee),
        (ORGANISATION, "" if organisation is None else str(organisation), team, assignee),
    ]


def _hour_keys(
    team: Any, assignee: Any, category: str, channel: str, organisation: Any
) -> list[Any]:
    """The hour rows a ticket counts in: its team and assignee's (DESK), then its team's row
    of each breakdown value, summed over the team's assignees."""
    desk, *by_value = _keys(team, assignee, category, channel, organisation)
    return [desk, *((every_assignee(name), value, team, None) for name, value, *_ in by_value)]


def _count_day(day: date) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The day's DayTally rows (DAY_COLUMNS) and HourCount rows (HOUR_COLUMNS), as values."""
    starts = midnight(day)
    ends = starts + ONE_DAY
    rows: dict[tuple[Any, ...], _Row] = {}
    hours: dict[tuple[Any, ...], _Row] = {}
    found_rows: dict[tuple[Any, ...], list[_Row]] = {}

    def rows_of(dims: tuple[Any, ...]) -> list[_Row]:
        found = found_rows.get(dims)
        if found is None:
            found = found_rows[dims] = [_row_at(rows, key) for key in _keys(*dims)]
        return found

    def hours_of(moment: datetime, dims: tuple[Any, ...]) -> list[_Row]:
        """The hour rows of ``moment``'s hour a ticket of these groups counts in (DESK first),
        keyed by the hour's number in the day (the database gives UTC times): hashing an aware
        datetime asks for its offset."""
        at = moment.hour
        return [_row_at(hours, (at, *key)) for key in _hour_keys(*dims)]

    dims_of: dict[int, tuple[Any, ...]] = {}
    hour_rows: dict[int, list[_Row]] = {}
    dims = _DIMS
    opened = (
        Ticket.objects.filter(created_at__gte=starts, created_at__lt=ends)
        .annotate(fr_business=stopped_clock(Metric.FIRST_RESPONSE))
        .order_by()
        .values_list("pk", "created_at", "first_response_at", "fr_business", *dims)
    )
    for pk, created_at, first_response_at, fr_business, *found in opened:
        groups = dims_of[pk] = tuple(found)
        in_hours = hour_rows[pk] = hours_of(created_at, groups)
        seconds = None
        business = fr_business is not None
        if business:
            seconds = fr_business
        elif first_response_at is not None:
            seconds = seconds_between(created_at, first_response_at)
        bucket = None if seconds is None else bucket_of(seconds)
        for row in (*rows_of(groups), *in_hours):
            row.created += 1
            row.business_time |= business
            if bucket is not None:
                add_bucket(row.first_response, bucket, 1, seconds, seconds)  # type: ignore[arg-type]
        for row in in_hours:
            row.created_quarters[created_at.minute // 15] += 1
    # The targets whose clock is not running: stopped (met or missed), or paused (missed if it
    # ran over before the pause, else not decided). Their outcome changes only when the clock
    # does, with the ticket; a running one's changes with the time, and is read live.
    clocks = (
        SlaClock.objects.filter(
            ticket__created_at__gte=starts,
            ticket__created_at__lt=ends,
            metric__in=(Metric.FIRST_RESPONSE, Metric.RESOLUTION),
            running_since__isnull=True,
        )
        .order_by()
        .values_list(
            "ticket_id", "metric", "consumed_seconds", "target_minutes", "breached_at",
            "stopped_at",
        )
    )  # fmt: skip
    for ticket_id, metric, consumed, target, breached_at, stopped_at in clocks:
        missed = consumed > target * 60 or breached_at is not None
        if not missed and stopped_at is None:
            continue
        outcome = f"{metric}_{'missed' if missed else 'met'}"
        known = dims_of.get(ticket_id)
        for row in (*rows_of(known), *hour_rows[ticket_id]) if known is not None else ():
            row.outcomes[outcome] = row.outcomes.get(outcome, 0) + 1
    solved = (
        Ticket.objects.filter(resolved_at__gte=starts, resolved_at__lt=ends)
        .annotate(res_business=stopped_clock(Metric.RESOLUTION))
        .order_by()
        .values_list("created_at", "resolved_at", "res_business", *dims)
    )
    for created_at, resolved_at, res_business, *found in solved:
        groups = tuple(found)
        business = res_business is not None
        seconds = res_business if business else seconds_between(created_at, resolved_at)
        bucket = bucket_of(seconds)
        in_hours = hours_of(resolved_at, groups)
        for row in (*rows_of(groups), *in_hours):
            row.solved += 1
            row.business_time |= business
            add_bucket(row.resolution, bucket, 1, seconds, seconds)
        for row in in_hours:
            row.solved_quarters[resolved_at.minute // 15] += 1
    answers = (
        Survey.objects.filter(rated_at__gte=starts, rated_at__lt=ends)
        .order_by()
        .values_list(*(f"ticket__{name}" for name in dims), "rated_at", "rating")
    )
    for *found, rated_at, rating in answers:
        for row in (*rows_of(tuple(found)), *hours_of(rated_at, tuple(found))):
            if rating == Rating.GOOD:
                row.good += 1
            else:
                row.bad += 1
    _add_team_rows(rows)
    as_day = connection.ops.adapt_datefield_value(day)
    tallies = [
        (as_day, 1, dimension, value, *_tally_values(team, assignee, row))
        for (dimension, value, team, assignee), row in rows.items()
    ]
    as_hour = datetime_adapter()
    hour_values = [as_hour(starts + at * ONE_HOUR) for at in range(24)]
    counts = [
        (hour_values[at], dimension, value, *_quarter_values(row), *_tally_values(team, who, row))
        for (at, dimension, value, team, who), row in hours.items()
    ]
    return tallies, counts


def _row_at(table: dict[tuple[Any, ...], _Row], key: tuple[Any, ...]) -> _Row:
    """The row of ``key``, new if there is none (not ``setdefault``, which makes one each time:
    170,000 a day for about 10,000 rows)."""
    row = table.get(key)
    if row is None:
        row = table[key] = _Row()
    return row


def _tally_values(team: Any, assignee: Any, row: _Row) -> tuple[Any, ...]:
    """A row's _TALLY_COLUMNS."""
    return (
        team,
        assignee,
        row.created,
        row.solved,
        buckets_text(row.first_response),
        buckets_text(row.resolution),
        row.outcomes.get("first_response_met", 0),
        row.outcomes.get("first_response_missed", 0),
        row.outcomes.get("resolution_met", 0),
        row.outcomes.get("resolution_missed", 0),
        row.business_time,
        row.good,
        row.bad,
    )


def _quarter_values(row: _Row) -> tuple[int, ...]:
    """An hour row's counts of its last three quarters (the first is the rest), created then
    solved."""
    created, solved = row.created_quarters, row.solved_quarters
    return (*created[1:], *solved[1:])


def _add_team_rows(rows: dict[tuple[Any, ...], _Row]) -> None:
    """Each breakdown's rows once more per team, summed over its assignees."""
    for (dimension, value, team, _assignee), row in list(rows.items()):
        if dimension != DESK:
            _row_at(rows, (every_assignee(dimension), value, team, None)).add(row)


def block_of(day: date, span: int) -> date:
    """The first day of the ``span``-day block ``day`` is in."""
    return date.fromordinal(day.toordinal() - day.toordinal() % span)


def blocks(first: date, end: date) -> list[tuple[int, date]]:
    """The days [first, end) as the fewest aligned blocks: ``(span, first day)``, span 1 for
    a day alone."""
    found = []
    while first < end:
        span = next(
            (
                span
                for span in SPANS
                if first.toordinal() % span == 0 and first + timedelta(days=span) <= end
            ),
            1,
        )
        found.append((span, first))
        first += timedelta(days=span)
    return found


def days_count(days: Iterable[date], *, processes: int = 1) -> int:
    """Count ``days`` (UTC) again from the tickets, each in one transaction, then sum the
    blocks they are in again. Returns how many days. With ``processes`` > 1 the days, then
    the blocks, are counted by that many forked processes, each writing its own (see
    _in_processes)."""
    wanted = sorted(set(days))
    steps: list[tuple[Callable[[list[date]], None], list[date]]] = [(_days_write, wanted)]
    # The shorter blocks first: a longer one is summed from them.
    for span in sorted(SPANS):
        firsts = sorted({block_of(day, span) for day in wanted})
        steps.append((functools.partial(_blocks_sum, span), firsts))
    # Not inside a transaction (a test's): the children would not see what it holds.
    if processes > 1 and len(wanted) > 1 and not connection.in_atomic_block:
        _in_processes(steps, processes)
    else:
        for work, items in steps:
            work(items)
    return len(wanted)


def _days_write(days: list[date]) -> None:
    for day in days:
        with cycle_collector_paused():
            tallies, counts = _count_day(day)
        starts = midnight(day)
        with transaction.atomic():
            DayTally.objects.filter(dimension__in=DAY_DIMENSIONS, span=1, day=day).delete()
            # Every dimension, named so that the delete is ranges of report_hour_dim_idx.
            HourCount.objects.filter(
                dimension__in=HOUR_DIMENSIONS, hour__gte=starts, hour__lt=starts + ONE_DAY
            ).delete()
            insert_rows(DayTally, DAY_COLUMNS, tallies)
            insert_rows(HourCount, HOUR_COLUMNS, counts)


def _blocks_sum(span: int, firsts: list[date]) -> None:
    for first in firsts:
        with cycle_collector_paused():
            _sum_block(span, first)


def _in_processes(
    steps: list[tuple[Callable[[list[date]], None], list[date]]], processes: int
) -> None:
    """Do each step's work in ``processes`` forked processes, every ``processes``-th item
    (day or block) each (the desk's busy days are spread alike), one step after the other:
    a block is summed from the days, or shorter blocks, before it. Counting is Python, a
    core's worth per process; each day and block is written in a transaction of its own, and
    SQLite's writers take turns (core/sqlite/writers.py). For the commands that build every
    day at once (``frontdesk demo``, ``reports_build``), not for the worker's job, which shares
    its process. Summing the blocks in the parent alone took 25-37 s of a million-ticket
    build's 100 s of CPU."""
    database_connections_close()
    context = multiprocessing.get_context("fork")
    with context.Pool(processes) as pool:
        for work, items in steps:
            shares = [items[start::processes] for start in range(processes)]
            pool.map(_work_in_child, [(work, share) for share in shares if share])


def _work_in_child(task: tuple[Callable[[list[date]], None], list[date]]) -> None:
    work, items = task
    try:
        work(items)
    finally:
        connections.close_all()


def _sum_block(span: int, first: date) -> None:
    """The rows of the ``span`` days from ``first``, summed per team, assignee and value from
    the next shorter blocks in it (counted before it: the shorter first)."""
    rows: dict[tuple[Any, ...], tuple[list[int], Times, Times, list[bool]]] = {}
    shorter = max((length for length in SPANS if length < span), default=1)
    days = DayTally.objects.filter(
        dimension__in=DAY_DIMENSIONS,
        span=shorter,
        day__gte=first,
        day__lt=first + timedelta(days=span),
    ).values_list(
        "dimension", "value", "team_id", "assignee_id", *_SUMMED, "first_response",
        "resolution", "business_time",
    )  # fmt: skip
    for dimension, value, team, assignee, *found in days:
        key = (dimension, value, team, assignee)
        row = rows.get(key)
        if row is None:
            row = rows[key] = ([0] * len(_SUMMED), Times(), Times(), [False])
        for index, number in enumerate(found[: len(_SUMMED)]):
            row[0][index] += number
        row[1].merge(found[-3])
        row[2].merge(found[-2])
        row[3][0] |= found[-1]
    as_day = connection.ops.adapt_datefield_value(first)
    summed = []
    for (dimension, value, team, assignee), (numbers, fr, res, business) in rows.items():
        created, solved, fr_met, fr_missed, res_met, res_missed, good, bad = numbers
        summed.append((
            as_day, span, dimension, value, team, assignee, created, solved,
            buckets_text(fr.buckets), buckets_text(res.buckets), fr_met, fr_missed, res_met,
            res_missed, business[0], good, bad,
        ))  # fmt: skip
    with transaction.atomic():
        DayTally.objects.filter(dimension__in=DAY_DIMENSIONS, span=span, day=first).delete()
        insert_rows(DayTally, DAY_COLUMNS, summed)


def _state() -> AggregateState | None:
    return AggregateState.objects.order_by("pk").first()


def fresh_at() -> datetime | None:
    """Until when the aggregates hold every change; None before they were first built."""
    state = _state()
    return state.fresh_at if state is not None else None


def aggregates_build(*, processes: int = 1) -> int:
    """Count every day that has a ticket, and drop the rows of any other. Returns the days.
    ``processes``: see days_count."""
    moment = clock.now()
    span = Ticket.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    days: list[date] = []
    if span["first"] is not None:
        first = utc_day(span["first"])
        last = max(utc_day(span["last"]), utc_day(moment))
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        DayTally.objects.filter(day__lt=block_of(first, max(SPANS))).delete()
        HourCount.objects.filter(dimension__in=HOUR_DIMENSIONS, hour__lt=midnight(first)).delete()
    else:
        DayTally.objects.all().delete()
        HourCount.objects.all().delete()
    done = days_count(days, processes=processes)
    state = _state() or AggregateState(fresh_at=moment, built_at=moment)
    state.fresh_at = state.built_at = moment
    state.save()
    return done


def aggregates_refresh() -> int:
    """Count again the days touched by the tickets changed since the last run (the first run
    builds them all). Returns how many days were counted."""
    state = _state()
    if state is None:
        return aggregates_build()
    moment = clock.now()
    changed = Ticket.objects.filter(last_activity_at__gte=state.fresh_at - LATE_COMMITS)
    stale = list(StaleDay.objects.values_list("pk", "day"))  # days deleted tickets were in
    days: set[date] = {day for _pk, day in stale}
    ids: list[int] = []
    for pk, created_at, resolved_at in changed.values_list("pk", "created_at", "resolved_at"):
        ids.append(pk)
        days.add(utc_day(created_at))
        if resolved_at is not None:
            days.add(utc_day(resolved_at))
    for start in range(0, len(ids), _CHUNK):
        events = TicketEvent.objects.filter(
            ticket_id__in=ids[start : start + _CHUNK], field=TicketEvent.Field.STATUS
        ).values_list("created_at", flat=True)
        for at in events:  # the resolution a reopened ticket no longer shows (± its stamp)
            days.update({utc_day(at - timedelta(seconds=1)), utc_day(at + timedelta(seconds=1))})
        answered = Survey.objects.filter(
            ticket_id__in=ids[start : start + _CHUNK], rated_at__isnull=False
        ).values_list("rated_at", flat=True)
        days.update(utc_day(at) for at in answered if at is not None)
    done = days_count(days)
    StaleDay.objects.filter(pk__in=[pk for pk, _day in stale]).delete()
    state.fresh_at = moment
    state.save(update_fields=["fresh_at"])
    return done
