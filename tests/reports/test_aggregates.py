"""The reports read from the aggregates the worker keeps (reports/aggregates.py, decision 65)
say what the exact reading of the tickets says: on a desk of several teams, assignees and
categories, in zones whose midnights are and are not UTC's, with tickets reopened, and after
tickets changed once the aggregates were built and the job ran again. Through the gate's own
condition: an agent never counts a team's tickets he may not see."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.accounts.models import User
from frontdesk.reports import aggregates, selectors
from frontdesk.reports.histograms import Times, add_bucket, bucket_of, histogram_text, stats_of
from frontdesk.reports.models import (
    BREAKDOWN_DIMENSIONS,
    CATEGORY,
    ORGANISATION,
    DayTally,
    HourCount,
    StaleDay,
    every_assignee,
)
from frontdesk.reports.periods import Period
from frontdesk.reports.selectors import Report, report_for
from frontdesk.satisfaction import services as satisfaction
from frontdesk.satisfaction.models import Survey
from frontdesk.sla.models import SlaClock
from frontdesk.sla.policies import sla_policy_create
from frontdesk.teams.models import Team
from frontdesk.teams.services import team_create, ticket_set_team
from frontdesk.tickets import access, services
from frontdesk.tickets.models import Priority, Status, Ticket
from tests.conftest import Clock, open_ticket, time_at

pytestmark = pytest.mark.django_db

ZONES = (
    "UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Pacific/Chatham",
)  # fmt: skip
# Well apart (a bucket holds one of them), so the aggregates' medians and p90s are exact.
ANSWERS = (timedelta(minutes=10), timedelta(minutes=45), timedelta(hours=3), None)
SOLVES = (timedelta(hours=2), timedelta(hours=26), None, timedelta(days=4), timedelta(hours=7))
CATEGORIES = ("general", "billing", "technical")
BUILT = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def period(zone: str, first: int = 14, last: int = 30) -> Period:
    return Period(first=date(2026, 11, first), last=date(2026, 11, last), zone=ZoneInfo(zone))


@pytest.fixture
def teams(admin: User, agent: User, other_agent: User) -> dict[str, Team]:
    return {
        "phones": team_create(actor=admin, values={"name": "Phones", "members": [agent.pk]}),
        "online": team_create(actor=admin, values={"name": "Online", "members": [other_agent.pk]}),
    }


@pytest.fixture
def desk(
    admin: User, agent: User, other_agent: User, customer: User, other_customer: User,
    teams: dict[str, Team], clock: Clock,
) -> list[Ticket]:  # fmt: skip
    """36 tickets from 5 to 27 November, every 15 hours (at every hour of the day), in no
    team, Phones or Online, unassigned or with either agent, in three categories; answered
    and solved after one of a few times or not; every seventh solved ticket reopened."""
    return _make_desk(
        _utc(5, 3), admin, (agent, other_agent), (customer, other_customer), teams, clock
    )


@pytest.fixture
def autumn_desk(
    admin: User, agent: User, other_agent: User, customer: User, other_customer: User,
    teams: dict[str, Team], clock: Clock,
) -> list[Ticket]:  # fmt: skip
    """The same desk from 24 October to 15 November: over the end of summer time in Europe
    (25 October) and in America (1 November)."""
    start = datetime(2026, 10, 24, 3, 0, tzinfo=UTC)
    return _make_desk(start, admin, (agent, other_agent), (customer, other_customer), teams, clock)


def _make_desk(
    start: datetime, admin: User, agents: tuple[User, User], customers: tuple[User, User],
    teams: dict[str, Team], clock: Clock,
) -> list[Ticket]:  # fmt: skip
    agent, other_agent = agents
    customer, other_customer = customers
    clock.current = BUILT
    made = []
    for n in range(36):
        opened = start + timedelta(hours=15 * n, minutes=7 * n % 60)
        agent_of = (agent, other_agent, None)[n % 3]
        team = (None, teams["phones"], teams["online"], teams["phones"])[n % 4]
        worker = agent_of or admin
        ticket = open_ticket(
            (customer, other_customer)[n % 2], f"Ticket {n}", at=opened,
            assignee=agent_of, staff=worker if agent_of else None,
        )  # fmt: skip
        with time_at(opened + timedelta(minutes=1)):
            if n % 5 == 1:
                services.ticket_update(
                    actor=admin, ticket_id=ticket.pk, changes={"category": CATEGORIES[n % 3]}
                )
            if team is not None:
                ticket_set_team(actor=admin, ticket_id=ticket.pk, team_id=team.pk)
        answer = ANSWERS[n % len(ANSWERS)]
        if answer is not None:
            with time_at(opened + answer):
                services.message_post(actor=worker, ticket_id=ticket.pk, body="On it.")
        solve = SOLVES[n % len(SOLVES)]
        if solve is not None and opened + solve < BUILT:
            with time_at(opened + solve):
                services.ticket_change_status(
                    actor=admin, ticket_id=ticket.pk, status=Status.RESOLVED
                )
            if n % 7 == 0:
                with time_at(opened + solve + timedelta(hours=5)):
                    services.ticket_change_status(
                        actor=admin, ticket_id=ticket.pk, status=Status.REOPENED
                    )
        made.append(ticket)
    clock.current = NOW
    return made


def _exact(user: User, when: Period, monkeypatch: pytest.MonkeyPatch) -> Report:
    monkeypatch.setattr(selectors, "EXACT_BELOW", 10**9)
    report = report_for(user=user, period=when)
    assert report.as_of is None
    return report


def _aggregated(user: User, when: Period, monkeypatch: pytest.MonkeyPatch) -> Report:
    monkeypatch.setattr(selectors, "EXACT_BELOW", 0)
    report = report_for(user=user, period=when)
    return dataclasses.replace(report, as_of=None)


def _build(clock: Clock) -> None:
    moment = clock.current
    aggregates.aggregates_build()
    clock.current = moment


@pytest.mark.parametrize("zone", ZONES)
def test_the_aggregates_say_what_the_tickets_say(
    desk: list[Ticket], admin: User, agent: User, other_agent: User, clock: Clock,
    monkeypatch: pytest.MonkeyPatch, zone: str,
) -> None:  # fmt: skip
    clock.current = BUILT
    aggregates.aggregates_build()
    clock.current = NOW
    assert DayTally.objects.exists()
    for user in (admin, agent, other_agent):
        for when in (period(zone), period(zone, 20, 26), period(zone, 27, 27)):
            exact = _exact(user, when, monkeypatch)
            assert exact.summary.created or when.days == 1, (user, when)
            assert _aggregated(user, when, monkeypatch) == exact, (user.username, when)


@pytest.mark.parametrize("zone", ZONES)
def test_across_a_change_of_summer_time_the_aggregates_say_what_the_tickets_say(
    autumn_desk: list[Ticket], admin: User, agent: User, clock: Clock,
    monkeypatch: pytest.MonkeyPatch, zone: str,
) -> None:  # fmt: skip
    """Days of 23 and 25 hours, and zones whose midnights fall inside a UTC hour (Kolkata,
    Kathmandu, Chatham): the hour rows, the minutes at either end and the split hours."""
    _build(clock)
    autumn = (
        Period(first=date(2026, 10, 31), last=date(2026, 11, 13), zone=ZoneInfo(zone)),
        Period(first=date(2026, 11, 1), last=date(2026, 11, 1), zone=ZoneInfo(zone)),
        Period(first=date(2026, 10, 31), last=date(2026, 11, 2), zone=ZoneInfo(zone)),
    )
    for user in (admin, agent):
        for when in autumn:
            exact = _exact(user, when, monkeypatch)
            assert exact.summary.created and exact.previous.created, (zone, when)
            aggregated = _aggregated(user, when, monkeypatch)
            assert aggregated == exact, (user.username, when)
            monkeypatch.setattr(selectors, "EXACT_BELOW", 0)
            assert report_for(user=user, period=when).as_of is not None


def test_an_hours_rows_sum_to_its_days_rows(answered_desk: list[Ticket], clock: Clock) -> None:
    """The hour rows per team and assignee sum to the day's desk rows, and the hour rows per
    team and breakdown value to the day's rows per team and value; each hour row's quarters
    count its tickets opened and resolved from :15, :30 and :45."""
    _build(clock)
    fields = (
        "created", "solved", "first_response_met", "first_response_missed", "resolution_met",
        "resolution_missed", "good", "bad",
    )  # fmt: skip
    hours: dict[tuple[Any, ...], list[int]] = {}
    for row in HourCount.objects.all():
        key = (row.hour.date(), row.dimension, row.value, row.team_id, row.assignee_id)
        found = hours.setdefault(key, [0] * len(fields))
        for index, name in enumerate(fields):
            found[index] += getattr(row, name)
    dimensions = ["", *(every_assignee(name) for name in BREAKDOWN_DIMENSIONS)]
    days = {
        (row.day, row.dimension, row.value, row.team_id, row.assignee_id): [
            getattr(row, name) for name in fields
        ]
        for row in DayTally.objects.filter(dimension__in=dimensions, span=1)
    }
    assert hours == days
    assert {key[1] for key in hours} == set(dimensions)
    assert any(numbers[6] for numbers in hours.values())  # answers, in the hour rows too
    assert any(numbers[2] for key, numbers in hours.items() if key[1])  # and SLA targets
    quarters = (("created_15", 15), ("created_30", 30), ("created_45", 45))
    counted = 0
    for row in HourCount.objects.filter(dimension="", created__gt=0):
        for name, minute in quarters:
            opened = Ticket.objects.filter(
                team=row.team_id, assignee=row.assignee_id,
                created_at__gte=row.hour + timedelta(minutes=minute),
                created_at__lt=row.hour + timedelta(minutes=minute + 15),
            ).count()  # fmt: skip
            resolved = Ticket.objects.filter(
                team=row.team_id, assignee=row.assignee_id,
                resolved_at__gte=row.hour + timedelta(minutes=minute),
                resolved_at__lt=row.hour + timedelta(minutes=minute + 15),
            ).count()  # fmt: skip
            assert getattr(row, name) == opened, (row, name)
            assert getattr(row, name.replace("created", "solved")) == resolved, (row, name)
            counted += opened
    assert counted  # some tickets opened after a quarter past


def test_the_aggregates_are_read_for_whole_days_with_their_time(
    desk: list[Ticket], admin: User, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock.current = BUILT
    aggregates.aggregates_build()
    clock.current = NOW
    monkeypatch.setattr(selectors, "EXACT_BELOW", 0)
    assert report_for(user=admin, period=period("UTC")).as_of == BUILT
    # A zone whose midnights are not on a whole UTC hour too: its whole hours.
    assert report_for(user=admin, period=period("Asia/Kolkata")).as_of == BUILT
    # Below EXACT_BELOW tickets the tickets themselves are read: exact and fresh.
    monkeypatch.setattr(selectors, "EXACT_BELOW", 10**9)
    assert report_for(user=admin, period=period("UTC")).as_of is None


def test_changes_after_the_build_are_counted_when_the_job_runs_again(
    desk: list[Ticket], admin: User, agent: User, other_agent: User, customer: User,
    teams: dict[str, Team], clock: Clock, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    clock.current = BUILT
    aggregates.aggregates_build()
    solved = next(t for t in desk if Ticket.objects.get(pk=t.pk).resolved_at is not None)
    open_one = next(t for t in desk if Ticket.objects.get(pk=t.pk).resolved_at is None)
    # After the build: a solved ticket reopened (its old day of solving must lose it), an
    # open one answered and solved, one moved to another team, a new ticket opened.
    with time_at(BUILT + timedelta(hours=2)):
        services.ticket_change_status(actor=admin, ticket_id=solved.pk, status=Status.REOPENED)
        services.message_post(actor=agent, ticket_id=open_one.pk, body="Done.")
        services.ticket_change_status(actor=admin, ticket_id=open_one.pk, status=Status.RESOLVED)
        ticket_set_team(actor=admin, ticket_id=desk[0].pk, team_id=teams["online"].pk)
    open_ticket(customer, "After the build", at=BUILT + timedelta(hours=3))
    clock.current = NOW
    stale = _aggregated(admin, period("UTC"), monkeypatch)
    assert stale != _exact(admin, period("UTC"), monkeypatch)  # behind, and saying as of when
    monkeypatch.setattr(selectors, "EXACT_BELOW", 0)
    assert report_for(user=admin, period=period("UTC")).as_of == BUILT
    aggregates.aggregates_refresh()
    assert aggregates.fresh_at() == NOW
    for user in (admin, agent, other_agent):
        for zone in ZONES:
            when = period(zone)
            assert _aggregated(user, when, monkeypatch) == _exact(user, when, monkeypatch)


def test_an_agent_through_the_aggregates_never_counts_a_team_he_may_not_see(
    desk: list[Ticket], admin: User, agent: User, other_agent: User, clock: Clock,
    teams: dict[str, Team], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    clock.current = BUILT
    aggregates.aggregates_build()
    clock.current = NOW
    online = Ticket.objects.filter(team=teams["online"]).exclude(assignee=agent)
    assert online.exists()
    for zone in ZONES:
        when = period(zone)
        mine = _aggregated(agent, when, monkeypatch)
        every = _aggregated(admin, when, monkeypatch)
        hidden = online.filter(created_at__gte=when.starts, created_at__lt=when.ends).count()
        assert hidden
        assert mine.summary.created == every.summary.created - hidden
        by_team = {b.name: b for b in mine.breakdowns}["team"]
        # Of Online's tickets, only those assigned to him.
        assert sum(g.created for g in by_team.groups if g.label == "Online") == (
            Ticket.objects.filter(
                team=teams["online"], assignee=agent,
                created_at__gte=when.starts, created_at__lt=when.ends,
            ).count()
        )  # fmt: skip
        by_agent = {b.name: b for b in mine.breakdowns}["agent"]
        others = [g for g in by_agent.groups if g.label == other_agent.username]
        # other_agent's tickets the agent sees: those in no team or in Phones only.
        seen = Ticket.objects.filter(
            assignee=other_agent, created_at__gte=when.starts, created_at__lt=when.ends
        ).exclude(team=teams["online"])
        assert sum(g.created for g in others) == seen.count()


def test_a_histogram_is_exact_at_a_buckets_ends_and_interpolated_inside() -> None:
    values = [100, 101, 102, 103, 5000, 5000, 5000, 90000]
    times = Times()
    times.merge(histogram_text(values[:4]))
    times.merge(histogram_text(values[4:]))
    count, median, p90 = times.stats()
    assert (count, p90) == (8, 90000)
    assert median == stats_of(values)[1]  # 103 and 5000: the ends of their buckets
    crowded = Times()
    crowded.merge(histogram_text([100, 101, 103]))  # one bucket of three
    assert crowded.stats() == (3, 102, 103)  # the middle interpolated: 101.5, not 101
    mixed = Times()
    mixed.merge(histogram_text([60]))
    mixed.append(7200)
    assert mixed.stats() == stats_of([60, 7200])


@given(st.lists(st.integers(min_value=0, max_value=10**9), max_size=40))
def test_a_histograms_text_is_the_json_of_its_buckets(values: list[int]) -> None:
    """The text is formatted by hand (histograms.buckets_text): it must be the JSON that
    json.dumps writes without spaces, and read back to the same buckets."""
    buckets: dict[int, list[int]] = {}
    for seconds in values:
        add_bucket(buckets, bucket_of(seconds), 1, seconds, seconds)
    text = histogram_text(values)
    assert text == json.dumps([[b, *buckets[b]] for b in sorted(buckets)], separators=(",", ":"))
    merged = Times()
    merged.merge(text)
    assert merged.buckets == buckets


def test_a_long_period_reads_few_aligned_blocks() -> None:
    first, end = date(2026, 9, 5), date(2026, 12, 4)  # 90 days
    found = aggregates.blocks(first, end)
    assert sum(span for span, _ in found) == 90
    day = first
    for span, start in found:  # contiguous, each block aligned on its length
        assert start == day and start.toordinal() % span == 0
        day += timedelta(days=span)
    assert len(found) < 15


def test_the_worker_job_builds_them_first_then_counts_again_what_changed(
    desk: list[Ticket], admin: User, clock: Clock
) -> None:
    from frontdesk.reports import tasks

    clock.current = BUILT
    assert aggregates.fresh_at() is None
    tasks.aggregates_refresh.call_local()
    assert aggregates.fresh_at() == BUILT
    opened = DayTally.objects.filter(dimension="", span=1).values_list("created", flat=True)
    assert sum(opened) == len(desk)
    clock.current = BUILT + timedelta(minutes=1)
    assert tasks.aggregates_refresh.call_local() == 0  # nothing changed: no day counted
    assert aggregates.fresh_at() == BUILT + timedelta(minutes=1)


@pytest.fixture
def round_the_clock(admin: User, clock: Clock) -> None:
    """Targets of an hour (first response) and a day (resolution), in no calendar: the
    desk's tickets then have clocks stopped in time or late, paused and running."""
    clock.current = _utc(1, 0)
    targets = {
        priority: {"first_response_minutes": 60, "resolution_minutes": 24 * 60}
        for priority in Priority.values
    }
    sla_policy_create(actor=admin, values={"name": "Round the clock", "targets": targets})


def _answer(ticket: Ticket, at: datetime, rating: str) -> None:
    with time_at(at):
        satisfaction.survey_answer(actor=ticket.requester, ticket_id=ticket.pk, rating=rating)


@pytest.fixture
def answered_desk(round_the_clock: None, desk: list[Ticket], admin: User) -> list[Ticket]:
    """The desk under an SLA policy, some of its open tickets set Pending (their clocks
    paused), and the surveys of its solved tickets answered, good or bad, a few hours to two
    days after solving."""
    for n, ticket in enumerate(desk):
        ticket.refresh_from_db()
        if ticket.resolved_at is None and n % 3 == 0:
            with time_at(ticket.created_at + timedelta(hours=2, minutes=n)):
                services.ticket_change_status(
                    actor=admin, ticket_id=ticket.pk, status=Status.PENDING
                )
        elif ticket.resolved_at is not None and n % 4 != 3:
            at = ticket.resolved_at + timedelta(hours=3 + 11 * (n % 5))
            if at < BUILT:
                _answer(ticket, at, ("good", "bad")[n % 3 == 1])
    return desk


def test_answers_and_sla_targets_from_the_aggregates_say_what_the_tickets_say(
    answered_desk: list[Ticket], admin: User, agent: User, other_agent: User, clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    clock.current = BUILT
    aggregates.aggregates_build()
    clock.current = NOW
    tallied = DayTally.objects.filter(dimension="", span=1)
    assert sum(tallied.values_list("good", flat=True)) > 0
    assert sum(tallied.values_list("bad", flat=True)) > 0
    paused = SlaClock.objects.filter(running_since__isnull=True, stopped_at__isnull=True)
    assert paused.exists() and SlaClock.objects.filter(running_since__isnull=False).exists()
    for user in (admin, agent, other_agent):
        for zone in ZONES:
            for when in (period(zone), period(zone, 20, 26)):
                exact = _exact(user, when, monkeypatch)
                assert exact.summary.satisfaction.good or when.first.day == 20
                assert exact.summary.first_response_sla.missed
                assert _aggregated(user, when, monkeypatch) == exact, (user.username, when)


def test_answers_given_or_moved_after_the_build_are_counted_when_the_job_runs_again(
    answered_desk: list[Ticket], admin: User, agent: User, other_agent: User,
    teams: dict[str, Team], clock: Clock, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    clock.current = BUILT
    aggregates.aggregates_build()
    surveys = Survey.objects.filter(ticket__in=answered_desk)
    waiting = surveys.filter(rated_at__isnull=True).select_related("ticket").first()
    rated = surveys.filter(rated_at__isnull=False).exclude(ticket__team=teams["online"]).first()
    assert waiting is not None and rated is not None
    pending = Ticket.objects.filter(pk__in=[t.pk for t in answered_desk], resolved_at=None)
    # After the build: an answer given, a ticket answered days ago moved to Online (its
    # answer's day changes groups and, for the agent, visibility), a paused clock running
    # again and a running one paused.
    with time_at(BUILT + timedelta(hours=1)):
        _answer(waiting.ticket, BUILT + timedelta(hours=1), "bad")
        ticket_set_team(actor=admin, ticket_id=rated.ticket_id, team_id=teams["online"].pk)
        for ticket in pending.filter(status=Status.PENDING)[:1]:
            services.ticket_change_status(actor=admin, ticket_id=ticket.pk, status=Status.OPEN)
        for ticket in pending.exclude(status=Status.PENDING)[:1]:
            services.ticket_change_status(actor=admin, ticket_id=ticket.pk, status=Status.PENDING)
    clock.current = NOW
    when = period("UTC")
    assert _aggregated(admin, when, monkeypatch) != _exact(admin, when, monkeypatch)
    aggregates.aggregates_refresh()
    for user in (admin, agent, other_agent):
        for zone in ZONES:
            when = period(zone)
            assert _aggregated(user, when, monkeypatch) == _exact(user, when, monkeypatch)
    # And counted once more from nothing, the same.
    aggregates.aggregates_build()
    for user in (admin, agent):
        when = period("Europe/Paris")
        assert _aggregated(user, when, monkeypatch) == _exact(user, when, monkeypatch)


def test_a_breakdowns_team_rows_sum_its_assignees_and_the_gate_takes_them_whole(
    desk: list[Ticket], admin: User, agent: User, other_agent: User, clock: Clock
) -> None:
    clock.current = BUILT
    aggregates.aggregates_build()
    team_rows = DayTally.objects.filter(dimension=every_assignee(ORGANISATION), span=1)
    assert team_rows.exists()
    assert not team_rows.exclude(assignee=None).exists()
    # Per day, value and team, the team's row is the sum of its assignees' rows.
    for row in DayTally.objects.filter(dimension=every_assignee(CATEGORY)):
        parts = DayTally.objects.filter(
            dimension=CATEGORY, value=row.value, day=row.day, span=row.span, team=row.team
        )
        assert (row.created, row.solved) == (
            sum(part.created for part in parts),
            sum(part.solved for part in parts),
        )
    # What the reports rely on: where the gate takes a team's row with no assignee, it takes
    # every assignee's row of that team; and an agent takes Online's rows only per assignee.
    for user in (admin, agent, other_agent):
        condition = access.ticket_condition(user)
        taken = set(team_rows.filter(condition).values_list("team_id", flat=True))
        of_taken = DayTally.objects.filter(dimension=ORGANISATION, team_id__in=taken - {None})
        assert of_taken.filter(condition).count() == of_taken.count()
        if None in taken:
            of_none = DayTally.objects.filter(dimension=ORGANISATION, team=None)
            assert of_none.filter(condition).count() == of_none.count()
    online = Team.objects.get(name="Online")
    assert online.pk not in team_rows.filter(access.ticket_condition(agent)).values_list(
        "team_id", flat=True
    )
    assert DayTally.objects.filter(
        access.ticket_condition(agent), dimension=ORGANISATION, team=online
    ).exists()


def test_a_deleted_tickets_days_are_counted_again_when_the_job_runs(
    desk: list[Ticket], admin: User, agent: User, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No ticket left marks them: the deletion notes its days (reports/signals.py)."""
    clock.current = BUILT
    aggregates.aggregates_build()
    solved = [t for t in desk if Ticket.objects.get(pk=t.pk).resolved_at is not None]
    with time_at(BUILT + timedelta(hours=1)):
        for ticket in (solved[0], solved[1], desk[-1]):
            services.ticket_delete(actor=admin, ticket_id=ticket.pk)
    assert StaleDay.objects.exists()
    clock.current = NOW
    assert _aggregated(admin, period("UTC"), monkeypatch) != _exact(
        admin, period("UTC"), monkeypatch
    )
    aggregates.aggregates_refresh()
    assert not StaleDay.objects.exists()  # counted, forgotten
    for user in (admin, agent):
        for zone in ("UTC", "Europe/Paris"):
            when = period(zone)
            assert _aggregated(user, when, monkeypatch) == _exact(user, when, monkeypatch)


def _written() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every aggregate row's values but its id, sorted."""
    days = DayTally.objects.values_list(*aggregates.DAY_COLUMNS)
    hours = HourCount.objects.values_list(*aggregates.HOUR_COLUMNS)
    return sorted(days, key=repr), sorted(hours, key=repr)


@pytest.mark.django_db(transaction=True)
def test_days_counted_in_processes_are_the_days_counted_in_one(
    answered_desk: list[Ticket], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``frontdesk demo`` and ``reports_build`` count the days in forked processes, each
    writing its own: the rows are the same as one process writes."""
    _build(clock)
    in_one = _written()
    forked = []
    in_processes = aggregates._in_processes

    def spy(steps: list[Any], processes: int) -> None:
        forked.append((len(steps), processes))
        in_processes(steps, processes)

    monkeypatch.setattr(aggregates, "_in_processes", spy)
    DayTally.objects.all().delete()
    HourCount.objects.all().delete()
    moment = clock.current
    aggregates.aggregates_build(processes=2)
    clock.current = moment
    assert forked == [(1 + len(aggregates.SPANS), 2)]  # the days, then each span's blocks
    assert _written() == in_one
    assert len(in_one[0]) > 50 and len(in_one[1]) > 50


def test_counting_a_day_reads_and_deletes_day_rows_through_their_index(desk: list[Ticket]) -> None:
    """Every read and delete of day rows names their dimensions (models.DAY_DIMENSIONS), so
    that it is ranges of report_day_idx, which leads with the dimension. Without them each
    day counted and each block summed read the whole table (1.4 million rows at a million
    tickets). INDEXED BY makes SQLite plan with the index: a SEARCH of its ranges, or a SCAN of
    all of it when the statement does not name the leading column."""
    if connection.vendor != "sqlite":
        pytest.skip("INDEXED BY is SQLite's; PostgreSQL plans with its statistics")
    with CaptureQueriesContext(connection) as captured:
        aggregates.days_count([desk[0].created_at.date()])
    statements = [
        query["sql"]
        for query in captured.captured_queries
        if 'FROM "reports_daytally"' in query["sql"] and not query["sql"].startswith("INSERT")
    ]
    assert len(statements) >= 1 + 2 * len(aggregates.SPANS)  # the day's delete, each block's
    with connection.cursor() as cursor:
        for sql in statements:
            forced = sql.replace(
                'FROM "reports_daytally"', 'FROM "reports_daytally" INDEXED BY report_day_idx'
            )
            cursor.execute("EXPLAIN QUERY PLAN " + forced)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "SEARCH reports_daytally USING INDEX report_day_idx" in plan, (sql, plan)
