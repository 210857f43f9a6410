"""One place to ask the time, so tests can move it.

Every module reads the wall clock here: :func:`now` for an aware datetime, :func:`timestamp`
for seconds since the epoch (a token's expiry, a presence beat). Durations (how long a stream
has been open, how long a count took) use ``time.monotonic`` instead: no test moves those.

Modules import ``now`` by name and model fields take it as their default, so the function
itself is never replaced: a test moves time by replacing :data:`source`, which both read
(tests/conftest.py, the ``clock`` fixture).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from django.utils import timezone

source: Callable[[], datetime] = timezone.now


def now() -> datetime:
    return source()


def timestamp() -> float:
    return now().timestamp()


def in_utc(moment: datetime) -> datetime:
    """An aware datetime moved to UTC. The database stores any offset Python allows only
    after this (PostgreSQL refuses offsets past 15:59). Raises OverflowError when the move
    leaves the calendar (year 9999 at -05:00)."""
    return moment.astimezone(UTC)
