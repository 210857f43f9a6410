"""Business time as pure functions: a calendar's working intervals, N business minutes after an
instant, and the business seconds between two instants.

A calendar is working hours per weekday (several intervals a day; an interval whose end is not
after its start runs past midnight into the next day, and belongs to the day it starts), a
time zone, and holidays (a date, or a month and day every year). Hours are wall-clock times in
the calendar's zone, so a 09:00-17:00 day is eight hours on the day the clocks change too;
business time is counted in real elapsed seconds between those instants (a 00:00-24:00 day is
23 hours when the clocks go forward). A wall time that does not exist (in the hour skipped in
spring) is read with the offset before the change, as zoneinfo does with ``fold=0``.

The models (sla/models.py) turn into a :class:`Calendar` with ``BusinessCalendar.spec()``; no
calendar (None) means 24/7.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext_noop

from frontdesk.core.errors import InvalidInput

# How far ahead (in days) a calendar is searched for working time before it is called empty:
# a calendar whose every day is a holiday would otherwise never end a search.
SEARCH_DAYS = 3 * 366


@dataclass(frozen=True)
class Calendar:
    zone: ZoneInfo
    # weekday (Monday 0) -> intervals (start, end), wall-clock times in ``zone``.
    hours: Mapping[int, Sequence[tuple[time, time]]]
    holidays: frozenset[date] = field(default_factory=frozenset)
    yearly: frozenset[tuple[int, int]] = field(default_factory=frozenset)  # (month, day)

    def is_holiday(self, day: date) -> bool:
        return day in self.holidays or (day.month, day.day) in self.yearly


def zone_get(name: str) -> ZoneInfo:
    """The time zone named ``name`` (``Europe/London``), or InvalidInput."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise InvalidInput(
            gettext_noop("Unknown time zone %(name)s."),
            values={"name": repr(name)},
            field="time_zone",
        ) from None


def check_hours(hours: Mapping[int, Sequence[tuple[time, time]]]) -> None:
    """Refuse hours that cannot work: no working time in the week, an empty interval, a weekday
    out of range, or intervals of one day that overlap."""
    total = 0
    for weekday, intervals in hours.items():
        if weekday not in range(7):
            raise InvalidInput(
                gettext_noop("A weekday is a number from 0 (Monday) to 6."), field="hours"
            )
        spans = sorted(_span_minutes(start, end) for start, end in intervals)
        for (_, end), (start, _) in pairwise(spans):
            if start < end:
                raise InvalidInput(
                    gettext_noop("Working hours on %(day)s overlap."),
                    values={"day": WEEKDAYS[weekday]},
                    field="hours",
                )
        total += sum(end - start for start, end in spans)
    if total == 0:
        raise InvalidInput(
            gettext_noop("A calendar needs working hours on at least one day."), field="hours"
        )


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _span_minutes(start: time, end: time) -> tuple[int, int]:
    first = start.hour * 60 + start.minute
    last = end.hour * 60 + end.minute
    if last <= first:
        last += 24 * 60  # past midnight (00:00 as the end: to midnight)
    return first, last


def _at(day: date, wall: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)


def _day_intervals(calendar: Calendar, day: date) -> list[tuple[datetime, datetime]]:
    if calendar.is_holiday(day):
        return []
    found = []
    for start, end in sorted(calendar.hours.get(day.weekday(), ())):
        last_day = day + timedelta(days=1) if end <= start else day
        begins, ends = _at(day, start, calendar.zone), _at(last_day, end, calendar.zone)
        if ends > begins:
            found.append((begins, ends))
    return found


def intervals(calendar: Calendar, since: datetime) -> Iterator[tuple[datetime, datetime]]:
    """The working intervals (UTC) that end after ``since``, in order, the first cut to start
    at ``since``. Raises InvalidInput when the calendar has no working time for SEARCH_DAYS."""
    since = since.astimezone(UTC)
    # The day before: its interval may run past midnight into ``since``'s day.
    day = since.astimezone(calendar.zone).date() - timedelta(days=1)
    idle = 0
    while True:
        found = False
        for begins, ends in _day_intervals(calendar, day):
            if ends <= since:
                continue
            found = True
            yield max(begins, since), ends
        idle = 0 if found else idle + 1
        if idle > SEARCH_DAYS:
            raise InvalidInput(
                gettext_noop("This calendar has no working time ahead."), field="hours"
            )
        day += timedelta(days=1)


def add_business_seconds(calendar: Calendar | None, start: datetime, seconds: float) -> datetime:
    """The instant ``seconds`` of business time after ``start`` (24/7 without a calendar).
    Zero or less is ``start`` itself."""
    if calendar is None or seconds <= 0:
        return start + timedelta(seconds=max(0.0, seconds))
    left = timedelta(seconds=seconds)
    for begins, ends in intervals(calendar, start):
        if ends - begins >= left:
            return begins + left
        left -= ends - begins
    raise AssertionError("intervals() never ends")  # pragma: no cover


def add_business_minutes(calendar: Calendar | None, start: datetime, minutes: int) -> datetime:
    return add_business_seconds(calendar, start, minutes * 60)


def business_seconds_between(calendar: Calendar | None, start: datetime, end: datetime) -> int:
    """The business seconds from ``start`` to ``end`` (0 when ``end`` is not later)."""
    if end <= start:
        return 0
    if calendar is None:
        return int((end - start).total_seconds())
    total = timedelta()
    for begins, ends in intervals(calendar, start):
        if begins >= end:
            break
        total += min(ends, end) - begins
    return int(total.total_seconds())


def business_minutes_between(calendar: Calendar | None, start: datetime, end: datetime) -> int:
    return business_seconds_between(calendar, start, end) // 60
