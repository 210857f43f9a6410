"""Business time: weekends, holidays (dated and yearly), the clocks changing both ways, hours
past midnight, and a calendar without working hours refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from frontdesk.core.errors import InvalidInput
from frontdesk.sla.calendars import (
    Calendar,
    add_business_minutes,
    business_minutes_between,
    check_hours,
    zone_get,
)

LONDON = zone_get("Europe/London")
NEW_YORK = zone_get("America/New_York")
NINE_TO_FIVE = [(time(9), time(17))]
WEEKDAYS = {day: NINE_TO_FIVE for day in range(5)}


def office(zone: ZoneInfo = LONDON, **kwargs: Any) -> Calendar:
    return Calendar(zone=zone, hours=WEEKDAYS, **kwargs)


def local(zone: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone)


def test_minutes_within_a_working_day() -> None:
    start = local(LONDON, 2026, 12, 1, 10, 0)  # a Tuesday
    assert add_business_minutes(office(), start, 90) == local(LONDON, 2026, 12, 1, 11, 30)
    assert business_minutes_between(office(), start, local(LONDON, 2026, 12, 1, 11, 30)) == 90


def test_time_after_hours_starts_the_next_morning() -> None:
    evening = local(LONDON, 2026, 12, 1, 20, 0)
    assert add_business_minutes(office(), evening, 30) == local(LONDON, 2026, 12, 2, 9, 30)
    assert business_minutes_between(office(), evening, local(LONDON, 2026, 12, 2, 8, 0)) == 0


def test_the_weekend_is_skipped() -> None:
    friday = local(LONDON, 2026, 12, 4, 16, 0)
    due = add_business_minutes(office(), friday, 120)
    assert due == local(LONDON, 2026, 12, 7, 10, 0)  # Monday
    assert business_minutes_between(office(), friday, due) == 120


def test_several_intervals_a_day() -> None:
    split = Calendar(zone=LONDON, hours={1: [(time(13), time(17)), (time(9), time(12))]})
    tuesday = local(LONDON, 2026, 12, 1, 11, 0)
    assert add_business_minutes(split, tuesday, 90) == local(LONDON, 2026, 12, 1, 13, 30)
    # Next Tuesday, after the day's seven hours are used.
    assert add_business_minutes(split, tuesday, 7 * 60) == local(LONDON, 2026, 12, 8, 11, 0)


def test_a_holiday_is_skipped() -> None:
    calendar = office(holidays=frozenset({date(2026, 12, 2)}))
    tuesday = local(LONDON, 2026, 12, 1, 16, 0)
    assert add_business_minutes(calendar, tuesday, 120) == local(LONDON, 2026, 12, 3, 10, 0)
    assert business_minutes_between(calendar, tuesday, local(LONDON, 2026, 12, 3, 10, 0)) == 120


def test_a_yearly_holiday_comes_back_every_year() -> None:
    calendar = office(yearly=frozenset({(12, 25)}))
    # 24 Dec 2027 is a Friday, 25th a Saturday anyway; take 2029: Tuesday 25 December.
    monday = local(LONDON, 2029, 12, 24, 16, 0)
    assert add_business_minutes(calendar, monday, 120) == local(LONDON, 2029, 12, 26, 10, 0)
    assert add_business_minutes(calendar, monday.replace(year=2030), 60) == local(
        LONDON, 2030, 12, 24, 17, 0
    )
    # 25 Dec 2030 is a Wednesday: skipped too.
    assert add_business_minutes(calendar, local(LONDON, 2030, 12, 24, 16, 30), 60) == local(
        LONDON, 2030, 12, 26, 9, 30
    )


def test_clocks_going_forward_keep_the_working_day_eight_hours() -> None:
    # Europe/London moves to BST on Sunday 29 March 2026: Monday 30 starts at 08:00 UTC.
    friday = local(LONDON, 2026, 3, 27, 16, 0)  # 16:00 GMT = 16:00 UTC
    due = add_business_minutes(office(), friday, 120)
    assert due == local(LONDON, 2026, 3, 30, 10, 0)
    assert due.astimezone(UTC) == datetime(2026, 3, 30, 9, 0, tzinfo=UTC)


def test_clocks_going_back_in_new_york() -> None:
    # America/New_York leaves daylight time on Sunday 1 November 2026.
    friday = local(NEW_YORK, 2026, 10, 30, 16, 0)  # 20:00 UTC
    due = add_business_minutes(office(NEW_YORK), friday, 120)
    assert due == local(NEW_YORK, 2026, 11, 2, 10, 0)
    assert due.astimezone(UTC) == datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


def test_round_the_clock_day_is_23_and_25_hours_when_clocks_change() -> None:
    always = Calendar(zone=LONDON, hours={day: [(time(0), time(0))] for day in range(7)})
    spring = (local(LONDON, 2026, 3, 29, 0, 0), local(LONDON, 2026, 3, 30, 0, 0))
    autumn = (local(LONDON, 2026, 10, 25, 0, 0), local(LONDON, 2026, 10, 26, 0, 0))
    assert business_minutes_between(always, *spring) == 23 * 60
    assert business_minutes_between(always, *autumn) == 25 * 60
    assert add_business_minutes(always, spring[0], 23 * 60) == spring[1]


def test_hours_past_midnight_belong_to_the_day_they_start() -> None:
    night = Calendar(zone=LONDON, hours={4: [(time(22), time(2))]})  # Friday night
    friday = local(LONDON, 2026, 12, 4, 12, 0)
    assert add_business_minutes(night, friday, 180) == local(LONDON, 2026, 12, 5, 1, 0)
    # Saturday 01:00 is inside Friday's interval.
    saturday = local(LONDON, 2026, 12, 5, 1, 0)
    assert add_business_minutes(night, saturday, 30) == local(LONDON, 2026, 12, 5, 1, 30)
    assert business_minutes_between(night, friday, local(LONDON, 2026, 12, 6, 0, 0)) == 240


def test_no_calendar_is_round_the_clock() -> None:
    start = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    assert add_business_minutes(None, start, 60 * 30) == datetime(2026, 12, 6, 18, 0, tzinfo=UTC)
    assert business_minutes_between(None, start, start.replace(hour=13)) == 60


def test_a_calendar_without_working_hours_is_refused() -> None:
    with pytest.raises(InvalidInput, match="at least one day"):
        check_hours({})
    with pytest.raises(InvalidInput, match="at least one day"):
        check_hours({0: []})
    with pytest.raises(InvalidInput, match="overlap"):
        check_hours({0: [(time(9), time(12)), (time(11), time(14))]})
    with pytest.raises(InvalidInput, match="weekday"):
        check_hours({7: NINE_TO_FIVE})
    check_hours({0: NINE_TO_FIVE})


def test_a_calendar_that_is_all_holiday_ends_the_search() -> None:
    every_day = frozenset((month, day) for month in range(1, 13) for day in range(1, 32))
    with pytest.raises(InvalidInput, match="no working time"):
        add_business_minutes(office(yearly=every_day), local(LONDON, 2026, 12, 1, 9, 0), 1)


def test_unknown_time_zone_is_refused() -> None:
    with pytest.raises(InvalidInput, match="Unknown time zone"):
        zone_get("Mars/Olympus")
