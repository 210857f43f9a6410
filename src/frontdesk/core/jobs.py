"""Work that runs after a change commits (queue a job, announce it live), which must never turn
a committed change into an error: the caller's change is saved, and an error answer would
make clients retry and write it twice.

Each piece of post-commit work knows how it is repaired when it could not run: the outbox
sweep sends mail whose prompt job was never queued, the SLA sweep raises alerts whose job was
lost, a browser re-fetches its page when its live stream comes back. So here a failure is
logged (once per incident, core/outage.py) and dropped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from huey import RedisHuey, SqliteHuey
from huey.storage import SqliteStorage

from frontdesk.core.breaker import RedisUnavailable, redis_breaker
from frontdesk.core.outage import incident_log


class GuardedRedisHuey(RedisHuey):
    """Huey on Redis whose producers go through the circuit breaker: a job is refused at once
    (RedisUnavailable) while Redis is known to be away, instead of waiting for a timeout, and
    a call waits at most FRONTDESK_REDIS_TIMEOUT_MS (the worker's own reads wait longer:
    core/management/commands/worker.py)."""

    def __init__(self, name: str = "huey", *, url: str, **options: Any) -> None:
        from redis import ConnectionPool

        socket_options = getattr(settings, "REDIS_SOCKET_OPTIONS", {})
        pool = ConnectionPool.from_url(url, **socket_options)
        super().__init__(name, connection_pool=pool, **options)

    # A worker that finds Redis away waits this long before asking again.
    IDLE_SECONDS = 1.0

    def enqueue(self, task: Any) -> Any:
        with redis_breaker.call():
            return super().enqueue(task)

    # The worker's side: Huey's consumer logs a traceback for every failed read, once a
    # second per thread while Redis is away; the breaker logs the incident once instead.
    def dequeue(self) -> Any:
        try:
            with redis_breaker.call():
                return super().dequeue()
        except RedisUnavailable:
            time.sleep(self.IDLE_SECONDS)
            return None

    def read_periodic(self, timestamp: Any) -> Any:
        # Periodic jobs due while Redis is away are not queued (Huey would log a traceback
        # for each); they are the sweeps, and the next minute's run after Redis is back does
        # their work.
        return [] if redis_breaker.is_open else super().read_periodic(timestamp)

    def read_schedule(self, timestamp: Any = None) -> Any:
        try:
            with redis_breaker.call():
                return super().read_schedule(timestamp)
        except RedisUnavailable:
            return []


class _UnsyncedQueue(SqliteStorage):
    """Huey's SQLite queue with ``synchronous=NORMAL`` (WAL): a commit waits for no fsync.

    Every job here is a hint that a sweep repairs when it is lost (see the module's
    docstring), as it is with Redis, which keeps nothing on disk. A power cut may lose the
    last jobs queued, never the file. An fsync was about 3.5 ms on each queued job, in the
    request thread after its change committed, and another for the worker taking it
    (bench/README.md, "The job queue without fsync")."""

    def _create_connection(self) -> Any:
        connection = super()._create_connection()
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection


class LocalHuey(SqliteHuey):
    """The job queue in a SQLite file beside the database, when there is no Redis."""

    storage_class = _UnsyncedQueue


def run_quietly(work: Callable[[], object], *, what: str) -> bool:
    """Run ``work``; on failure log it (once per incident) and carry on. True if it ran."""
    try:
        work()
    except RedisUnavailable:
        return False  # the breaker has said so in the log
    except Exception as exc:
        incident_log(f"post-commit:{what}", f"Could not {what} after a change was saved", exc)
        return False
    return True


def after_commit(work: Callable[[], object], *, what: str) -> None:
    """``transaction.on_commit(work)``, with a failure logged instead of raised (see above)."""
    transaction.on_commit(lambda: run_quietly(work, what=what))
