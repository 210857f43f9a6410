"""A circuit breaker for Redis: one failed call opens it, and for the next few seconds every
caller is told at once that Redis is away instead of each waiting out its own timeout.

Redis holds nothing the desk cannot do without for a while (docs/decisions.md, "Degrade
when Redis, the database or the disk fails"): the cache falls back to this process's memory,
live announcements are dropped, jobs are left to the sweeps. What matters is that a dead or
hung Redis costs a request at most one short timeout per process every
``FRONTDESK_REDIS_RETRY_SECONDS``, not one per call. An incident is logged once when it
starts and once when Redis answers again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

log = logging.getLogger("frontdesk.outage")


class RedisUnavailable(Exception):
    """Redis did not answer (now, or within the last few seconds); nothing was done there."""


def redis_errors(*, sockets: bool = True) -> tuple[type[BaseException], ...]:
    """What a Redis client raises when the server is away, hung or restarting; with
    ``sockets``, also a socket error the client did not wrap (OSError: only right around a
    Redis call, where no other OSError can come from)."""
    import redis

    errors = (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError)
    return (*errors, OSError) if sockets else errors


class Breaker:
    """Closed: calls go through. Open (after a failure): calls are refused until
    ``retry_seconds`` have passed; the first call after that tries Redis again, and closes
    the breaker when it answers."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._open_until = 0.0  # time.monotonic(); 0: closed
        self._since = 0.0  # when the current incident began (0: none)
        self._skipped = 0
        # Bumped when an incident starts, so memory filled during one is not read in the next.
        self.incident = 0

    @property
    def is_open(self) -> bool:
        return self._since != 0.0

    def _retry_seconds(self) -> float:
        return float(getattr(settings, "FRONTDESK_REDIS_RETRY_SECONDS", 5))

    @contextmanager
    def call(self) -> Iterator[None]:
        """Run the block against Redis, or raise RedisUnavailable without trying while the
        breaker is open. A Redis error inside opens it and is raised as RedisUnavailable."""
        with self._lock:
            if time.monotonic() < self._open_until:
                self._skipped += 1
                raise RedisUnavailable(f"{self.name} is unavailable (retrying soon)")
        try:
            yield
        except redis_errors() as exc:
            self.failed(exc)
            raise RedisUnavailable(f"{self.name} is unavailable: {exc}") from exc
        self.succeeded()

    def failed(self, exc: BaseException) -> None:
        """Open the breaker; log the first failure of an incident, not every one."""
        with self._lock:
            self._open_until = time.monotonic() + self._retry_seconds()
            if self._since:
                return
            self._since = time.monotonic()
            self._skipped = 0
            self.incident += 1
        log.error(
            "%s is unavailable (%s: %s); degrading until it answers: cache in this process, "
            "live updates paused, jobs left to the sweeps. Retrying every %g s.",
            self.name,
            type(exc).__name__,
            exc,
            self._retry_seconds(),
        )

    def succeeded(self) -> None:
        if not self._since:  # the common case: no lock, nothing to do
            return
        with self._lock:
            if not self._since:
                return
            lasted = time.monotonic() - self._since
            skipped = self._skipped
            self._since = 0.0
            self._open_until = 0.0
        log.warning(
            "%s answers again after %.1f s (%d calls skipped meanwhile).",
            self.name,
            lasted,
            skipped,
        )

    @property
    def skipped(self) -> int:
        """Calls refused without trying during the current incident (tests, diagnostics)."""
        return self._skipped

    def reset(self) -> None:
        """Forget any incident (tests)."""
        with self._lock:
            self._open_until = self._since = 0.0
            self._skipped = 0


# One per process: the cache, live updates and jobs share one Redis, so one failure tells
# all of them.
redis_breaker = Breaker("Redis")
