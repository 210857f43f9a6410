"""Durations as people type them: ``1h 30m``, ``1h30``, ``90m``, ``90 min``, ``1.5h``,
``1,5 h``, ``1:30`` and a bare ``45`` (minutes). Pure functions."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext_noop

from frontdesk.core.errors import InvalidInput

DURATION_HINT = gettext_noop("Write a duration such as 1h 30m, 90m, 1.5h or 45 (minutes).")

_HOURS_MINUTES = re.compile(
    r"""^(?:(?P<hours>\d{1,3}(?:[.,]\d{1,4})?)\s*h(?:ours?|rs?)?)?
        \s*(?:(?P<minutes>\d{1,5})\s*(?:m(?:in(?:ute)?s?)?)?)?$""",
    re.VERBOSE | re.IGNORECASE,
)
_CLOCK = re.compile(r"^(?P<hours>\d{1,3}):(?P<minutes>[0-5]\d)$")
_MINUTES_ONLY = re.compile(r"^(?P<minutes>\d{1,5})\s*(?:m(?:in(?:ute)?s?)?)?$", re.IGNORECASE)


def parse_duration(text: object, *, field: str = "duration") -> int:
    """Minutes in ``text``, or InvalidInput saying how to write one. An hour written as a
    decimal is rounded to the nearest minute; ``1h 30`` reads as 1 h 30 min."""
    if isinstance(text, bool) or not isinstance(text, str | int):
        raise InvalidInput(DURATION_HINT, field=field)
    raw = str(text).strip()
    if not raw or len(raw) > 40:
        raise InvalidInput(DURATION_HINT, field=field)
    for pattern in (_CLOCK, _MINUTES_ONLY, _HOURS_MINUTES):
        found = pattern.match(raw)
        parts = found.groupdict() if found is not None else {}
        if parts.get("hours") or parts.get("minutes"):
            return _minutes(parts.get("hours"), parts.get("minutes"), field)
    raise InvalidInput(DURATION_HINT, field=field)


def _minutes(hours: str | None, minutes: str | None, field: str) -> int:
    try:
        in_hours = Decimal((hours or "0").replace(",", "."))
    except InvalidOperation:  # the pattern allows none, but say so rather than crash
        raise InvalidInput(DURATION_HINT, field=field) from None
    total = in_hours * 60 + int(minutes or 0)
    return int(total.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_minutes(minutes: int) -> str:
    """``1h 30m``, ``45m``, ``2h``."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest}m"
    return f"{hours}h {rest}m" if rest else f"{hours}h"


def hours_of(minutes: int) -> Decimal:
    """Minutes as hours with two decimals (``Ticket.actual_hours``)."""
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
