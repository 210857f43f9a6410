"""The page helpers written for speed say what Django's own would, in both languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation
from django.utils.dateformat import format as format_date
from django.utils.timesince import timesince
from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.web.templatetags.frontdesk_ui import EXACT_FORMAT, exact_time, time_span

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]


@pytest.mark.parametrize("zone", ZONES)
def test_exact_time_is_djangos_date_format(zone: str) -> None:
    start = datetime(2025, 1, 1, 0, 7, tzinfo=UTC)
    with timezone.override(zone):
        for hours in range(0, 24 * 400, 37):  # every month, hour and both sides of DST
            moment = start + timedelta(hours=hours, minutes=hours % 60)
            expected = format_date(timezone.localtime(moment), EXACT_FORMAT)
            assert exact_time(moment) == expected


@pytest.mark.parametrize("language", ["en", "es"])
def test_exact_time_names_the_month_in_the_readers_language(language: str) -> None:
    moment = datetime(2025, 8, 3, 12, 0, tzinfo=UTC)
    with translation.override(language), timezone.override("UTC"):
        assert exact_time(moment) == format_date(moment, EXACT_FORMAT)


@settings(max_examples=400, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1)),
    seconds=st.one_of(
        st.integers(min_value=-3600, max_value=4 * 3600),
        st.integers(min_value=-(10**6), max_value=10**9),
    ),
    language=st.sampled_from(["en", "es"]),
)
def test_time_span_is_djangos_timesince_of_one_unit(
    start: datetime, seconds: int, language: str
) -> None:
    start = start.replace(tzinfo=UTC)
    end = start + timedelta(seconds=seconds, microseconds=start.microsecond % 7)
    with translation.override(language):
        assert time_span(start, end) == timesince(start, end, depth=1)


def test_time_span_across_month_ends_and_zones() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    cases = [
        (datetime(2025, 1, 31, 10, tzinfo=UTC), datetime(2025, 3, 1, 9, tzinfo=UTC)),
        (datetime(2024, 2, 29, 12, tzinfo=UTC), datetime(2025, 2, 28, 13, tzinfo=UTC)),
        (datetime(2025, 3, 30, 0, 30, tzinfo=UTC), datetime(2025, 4, 30, 0, 29, tzinfo=berlin)),
        (datetime(2025, 5, 1, tzinfo=berlin), datetime(2025, 5, 1, tzinfo=UTC)),
    ]
    for start, end in cases:
        assert time_span(start, end) == timesince(start, end, depth=1)
