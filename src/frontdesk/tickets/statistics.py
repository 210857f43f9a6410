"""Counts and averages over tickets: the workspace's view counts, the REST statistics and the
desk summary behind both, kept in the cache so that a million tickets are not counted on every
page."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db.models import Count, FloatField, Func, Q, QuerySet, Sum

from frontdesk.accounts.models import User
from frontdesk.core.clock import now
from frontdesk.core.compiled import CompiledRead
from frontdesk.satisfaction.selectors import satisfaction_scores
from frontdesk.tickets import access
from frontdesk.tickets.models import IS_ACTIVE, Category, Priority, Status, Ticket

# Counting a million tickets is a full scan (about a second on SQLite), too slow for every page
# and API call, so the counts are kept in Django's cache (Redis in production; per process with
# the default local memory). A small desk's counts are recomputed after every change, so they
# are always exact; a desk whose count takes longer than SUMMARY_CHEAP_SECONDS reuses them for
# up to SUMMARY_MAX_AGE_SECONDS, and a job (tasks.py) refreshes them before that.
SUMMARY_MAX_AGE_SECONDS = 60
SUMMARY_CHEAP_SECONDS = 0.05
SUMMARY_CACHE_KEY = "frontdesk:desk-summary:v2"
DESK_VERSION_KEY = "frontdesk:desk-version"


class _Hours(Func):
    """Hours from the second datetime to the first, as a float, computed by the database
    (Django's own duration arithmetic calls a Python function per row on SQLite)."""

    arity = 2
    output_field = FloatField()
    template = "(EXTRACT(EPOCH FROM (%(expressions)s)) / 3600.0)"
    arg_joiner = " - "

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 24.0)",
            arg_joiner=") - julianday(",
            **extra,
        )


@dataclass(frozen=True)
class DeskSummary:
    """Counts and sums over a set of tickets, from one grouped scan."""

    total: int
    by_status: dict[str, int]
    by_priority: dict[str, int]
    by_category: dict[str, int]
    overdue: int
    unassigned: int
    resolved: int  # tickets with a resolution time, and the sum of those times in hours
    resolution_hours: float
    responded: int  # tickets with a first response, and the sum of those times in hours
    first_response_hours: float


# One row of counts per team, status, priority and category: at most 280 per team.
CountRow = dict[str, Any]
_GROUPS = ("team_id", "status", "priority", "category")
_SUMS = ("n", "overdue", "unassigned", "resolved", "resolution", "responded", "first_response")
_COLUMNS = (*_GROUPS, *_SUMS)


def _counted(tickets: QuerySet[Ticket], at: datetime) -> QuerySet[Ticket, tuple[Any, ...]]:
    """``tickets`` counted in one grouped scan, by team, status, priority and category, as
    they stand at ``at``: a row of ``_COLUMNS``."""
    return (
        tickets.order_by()
        .values_list(*_GROUPS)
        .annotate(
            n=Count("pk"),
            overdue=Count("pk", filter=IS_ACTIVE & Q(due_at__lt=at)),
            unassigned=Count("pk", filter=IS_ACTIVE & Q(assignee__isnull=True)),
            resolved=Count("resolved_at"),
            resolution=Sum(_Hours("resolved_at", "created_at")),
            responded=Count("first_response_at"),
            first_response=Sum(_Hours("first_response_at", "created_at")),
        )
    )


def _as_rows(counted: Iterable[tuple[Any, ...]]) -> list[CountRow]:
    return [dict(zip(_COLUMNS, row, strict=True)) for row in counted]


def _count_rows(tickets: QuerySet[Ticket]) -> list[CountRow]:
    """``tickets`` counted now (:func:`_counted`)."""
    return _as_rows(_counted(tickets, now()))


# An agent's own tickets in other teams, counted on each of their workspace pages: the grouped
# query compiled once per number of teams (core/compiled.py; building it was 1.6 ms of a
# 20 ms page at a million tickets).
_beyond_rows = CompiledRead(
    lambda team_count, user_id, at, *teams: _counted(
        Ticket.objects.filter(access.beyond_teams(user_id, teams)), at
    )
)


def _summary_of(rows: list[CountRow]) -> DeskSummary:
    """The rows of :func:`_count_rows` added up."""
    by: dict[str, dict[str, int]] = {
        "status": dict.fromkeys(Status.values, 0),
        "priority": dict.fromkeys(Priority.values, 0),
        "category": dict.fromkeys(Category.values, 0),
    }
    sums = dict.fromkeys(("n", "overdue", "unassigned", "resolved", "responded"), 0)
    hours = {"resolution": 0.0, "first_response": 0.0}
    for row in rows:
        for field, counts in by.items():
            counts[row[field]] = counts.get(row[field], 0) + row["n"]
        for name in sums:
            sums[name] += row[name]
        for name in hours:
            hours[name] += row[name] or 0.0
    return DeskSummary(
        total=sums["n"],
        by_status=by["status"],
        by_priority=by["priority"],
        by_category=by["category"],
        overdue=sums["overdue"],
        unassigned=sums["unassigned"],
        resolved=sums["resolved"],
        resolution_hours=hours["resolution"],
        responded=sums["responded"],
        first_response_hours=hours["first_response"],
    )


def _combined(summaries: list[DeskSummary]) -> DeskSummary:
    """Summaries of sets of tickets that do not overlap, added up."""
    if len(summaries) == 1:
        return summaries[0]

    def counts(of: Callable[[DeskSummary], dict[str, int]]) -> dict[str, int]:
        total: dict[str, int] = {}
        for summary in summaries:
            for key, count in of(summary).items():
                total[key] = total.get(key, 0) + count
        return total

    return DeskSummary(
        total=sum(s.total for s in summaries),
        by_status=counts(lambda s: s.by_status),
        by_priority=counts(lambda s: s.by_priority),
        by_category=counts(lambda s: s.by_category),
        overdue=sum(s.overdue for s in summaries),
        unassigned=sum(s.unassigned for s in summaries),
        resolved=sum(s.resolved for s in summaries),
        resolution_hours=sum(s.resolution_hours for s in summaries),
        responded=sum(s.responded for s in summaries),
        first_response_hours=sum(s.first_response_hours for s in summaries),
    )


def summarize(tickets: QuerySet[Ticket]) -> DeskSummary:
    """Count ``tickets`` by status, priority and category, with the overdue and unassigned
    ones and the resolution and first-response times, in one query."""
    return _summary_of(_count_rows(tickets))


@dataclass(frozen=True)
class _CachedSummary:
    by_team: dict[int | None, DeskSummary]  # the desk's counts per team (None: no team)
    summary: DeskSummary  # all of them added up
    version: int  # the desk's version it counted
    seconds: float  # what counting cost


def desk_changed() -> None:
    """Note that tickets changed (tickets/signals.py): cheap summaries are counted again."""
    try:
        cache.incr(DESK_VERSION_KEY)
    except ValueError:  # not there yet (or evicted)
        cache.add(DESK_VERSION_KEY, 1, None)


def _desk_counts(*, refresh: bool = False) -> _CachedSummary:
    """Every ticket counted: exact on a small desk, at most ``SUMMARY_MAX_AGE_SECONDS`` old
    on a large one. ``refresh`` counts again regardless."""
    version = cache.get(DESK_VERSION_KEY, 0)
    cached = cache.get(SUMMARY_CACHE_KEY)
    usable = isinstance(cached, _CachedSummary) and not refresh
    if usable and (cached.version == version or cached.seconds >= SUMMARY_CHEAP_SECONDS):
        return cached
    started = time.monotonic()
    rows = _count_rows(Ticket.objects.all())
    rows_of: dict[int | None, list[CountRow]] = {}
    for row in rows:
        rows_of.setdefault(row["team_id"], []).append(row)
    by_team = {team: _summary_of(team_rows) for team, team_rows in rows_of.items()}
    counted = _CachedSummary(by_team, _summary_of(rows), version, time.monotonic() - started)
    cache.set(SUMMARY_CACHE_KEY, counted, SUMMARY_MAX_AGE_SECONDS)
    return counted


def desk_summary(*, refresh: bool = False) -> DeskSummary:
    """:func:`summarize` over every ticket, kept as :func:`_desk_counts` says."""
    return _desk_counts(refresh=refresh).summary


def summary_for(user: User) -> DeskSummary:
    """:func:`desk_summary` as ``user`` (staff) may see it: the whole desk's for admins; an
    agent's from the desk's counts of their teams and of the tickets in no team
    (access.team_scope), plus their own tickets in other teams counted now, on the assignee
    index: a million tickets are not counted for every agent's page. On a desk with teams,
    two queries (the agent's teams, their tickets beyond them), three when the desk is
    counted again; none on a desk without teams."""
    counted = _desk_counts()
    if set(counted.by_team) <= {None}:  # a desk without teams
        return counted.summary
    scope = access.team_scope(user)
    if scope is None or set(counted.by_team) <= scope.teams:
        return counted.summary
    parts = [counted.by_team[team] for team in scope.teams if team in counted.by_team]
    teams = sorted(team for team in scope.teams if team is not None)
    beyond = _as_rows(_beyond_rows(len(teams), user.pk, now(), *teams))
    return _combined([*parts, _summary_of(beyond)] if beyond else parts)


@dataclass(frozen=True)
class TicketStatistics:
    total_tickets: int
    by_status: dict[str, int]
    by_priority: dict[str, int]
    by_category: dict[str, int]
    overdue_count: int | None
    unassigned_count: int
    my_tickets_count: int
    avg_resolution_time_hours: float | None
    avg_first_response_time_hours: float | None
    # Customer satisfaction (satisfaction/selectors.py), for staff: the desk's good and bad
    # answers and the share of good, and the same per agent and per team (of the tickets they
    # may see). None and [] for customers.
    satisfaction: dict[str, int | None] | None = None
    satisfaction_by_agent: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    satisfaction_by_team: list[dict[str, Any]] = dataclasses.field(default_factory=list)


def ticket_statistics(*, user: User) -> TicketStatistics:
    """Counts and averages over the tickets ``user`` may see. Staff see the whole desk: its
    counts come from the shared summary (at most a minute old), and only "my tickets" is
    counted now, on the assignee index, and the satisfaction answers. A customer's own tickets
    are summarized on every call, through the requester index. Three queries at most."""
    if user.is_staff_member:
        summary = summary_for(user)
        mine = Ticket.objects.filter(assignee=user).count()
    else:
        summary = summarize(access.tickets_visible_to(user))
        mine = summary.total

    def average(hours: float, count: int) -> float | None:
        return round(hours / count, 2) if count else None

    # How staff work the tickets (priority, category, due dates) is not the customer's to read.
    workings = access.sees_ticket_workings(user)
    scores = satisfaction_scores(user=user)
    return TicketStatistics(
        total_tickets=summary.total,
        by_status=summary.by_status,
        by_priority=summary.by_priority if workings else {},
        by_category=summary.by_category if workings else {},
        overdue_count=summary.overdue if workings else None,
        unassigned_count=summary.unassigned,
        my_tickets_count=mine,
        avg_resolution_time_hours=average(summary.resolution_hours, summary.resolved),
        avg_first_response_time_hours=average(summary.first_response_hours, summary.responded),
        satisfaction=(
            None
            if scores is None
            else {"good": scores.desk.good, "bad": scores.desk.bad, "score": scores.desk.score}
        ),
        satisfaction_by_agent=[asdict(row) for row in scores.agents] if scores else [],
        satisfaction_by_team=[asdict(row) for row in scores.teams] if scores else [],
    )
