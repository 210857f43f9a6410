"""Durations as people type them, and the words that refuse the rest."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.core.errors import InvalidInput
from frontdesk.timelog.durations import DURATION_HINT, format_minutes, hours_of, parse_duration


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [
        ("1h 30m", 90),
        ("1h30m", 90),
        ("1h30", 90),
        ("90m", 90),
        ("90 min", 90),
        ("90 minutes", 90),
        ("1.5h", 90),
        ("1,5 h", 90),
        ("2 hours 15 minutes", 135),
        ("45", 45),
        (45, 45),
        ("1:30", 90),
        (" 2h ", 120),
        ("0.1h", 6),
        ("1H 5M", 65),
    ],
)
def test_what_people_type(typed: object, minutes: int) -> None:
    assert parse_duration(typed) == minutes


@pytest.mark.parametrize(
    "typed", ["", "   ", "abc", "1.5", "h", "m", "1h 30x", "-5", "1:75", "1 day", None, True, 1.5]
)
def test_anything_else_is_refused_with_how_to_write_it(typed: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_duration(typed)
    assert refused.value.message == DURATION_HINT
    assert refused.value.field == "duration"


@given(st.integers(min_value=0, max_value=5000))
def test_what_is_shown_reads_back_the_same(minutes: int) -> None:
    assert parse_duration(format_minutes(minutes)) == minutes


def test_shown_and_summed() -> None:
    assert format_minutes(90) == "1h 30m"
    assert format_minutes(45) == "45m"
    assert format_minutes(120) == "2h"
    assert str(hours_of(100)) == "1.67"
