"""The period a report covers: presets ending today, typed dates, the viewer's zone, the
period before, and refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from frontdesk.core.errors import InvalidInput
from frontdesk.reports.periods import Period, period_parse

TOKYO = ZoneInfo("Asia/Tokyo")
TODAY = date(2026, 11, 30)


def parse(preset: str = "", first: str = "", last: str = "") -> tuple[str, Period]:
    return period_parse(preset=preset, first=first, last=last, zone=TOKYO, today=TODAY)


def test_presets_end_today_and_the_default_is_thirty_days() -> None:
    preset, period = parse()
    assert preset == "30" and period.days == 30 and period.last == TODAY
    preset, period = parse("7")
    assert (period.first, period.last) == (date(2026, 11, 24), TODAY)


def test_days_are_the_viewers() -> None:
    _, period = parse("custom", "2026-11-01", "2026-11-01")
    assert period.starts == datetime(2026, 10, 31, 15, 0, tzinfo=UTC)
    assert period.ends == datetime(2026, 11, 1, 15, 0, tzinfo=UTC)


def test_the_period_before_has_as_many_days() -> None:
    _, period = parse("custom", "2026-11-10", "2026-11-19")
    before = period.previous()
    assert (before.first, before.last, before.days) == (date(2026, 10, 31), date(2026, 11, 9), 10)


@pytest.mark.parametrize(
    ("preset", "first", "last", "field"),
    [
        ("12", "", "", "range"),
        ("custom", "2026-13-01", "2026-11-01", "from"),
        ("custom", "2026-11-10", "", "to"),
        ("custom", "2026-11-10", "2026-11-09", "to"),
        ("custom", "2024-01-01", "2026-01-01", "to"),
        ("custom", "0001-01-01", "0001-01-02", "from"),
    ],
)
def test_refused(preset: str, first: str, last: str, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse(preset, first, last)
    assert refused.value.field == field
