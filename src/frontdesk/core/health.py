"""Health checks for load balancers, orchestrators and systemd.

``GET /healthz``: the process answers (no database, nothing else). ``GET /readyz``: it can
serve: the database answers, Redis too when configured, no migration is waiting, and the data
directory has more than ``FRONTDESK_READY_MIN_FREE_BYTES`` free. Either 200 or 503, in JSON
naming what failed. Neither asks for credentials, nor loads a session, nor counts against a
rate limit; a failure is logged once when it starts and once when it ends, not per probe.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from functools import cache
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse

from frontdesk.core.middleware import passive

logger = logging.getLogger(__name__)

OK = "ok"
NOT_CONFIGURED = "not configured"
REDIS_TIMEOUT_SECONDS = 0.5

_migrations_applied = False  # once seen, for the process's life: nothing un-applies them
_failing: set[str] = set()


@passive
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": OK})


@passive
def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, Callable[[], str]] = {
        "database": _database,
        "redis": _redis,
        "migrations": _migrations,
        "disk": _disk,
    }
    results: dict[str, str] = {}
    for name, check in checks.items():
        if name == "migrations" and results["database"] != OK:
            results[name] = "not checked: the database did not answer"
            continue
        try:
            results[name] = check()
        except Exception as exc:
            results[name] = f"failed: {type(exc).__name__}"
            logger.debug("readiness check %s failed", name, exc_info=True)
    failed = [name for name, result in results.items() if result not in (OK, NOT_CONFIGURED)]
    failed = [name for name in failed if not results[name].startswith("not checked")]
    _log_changes(set(failed), results)
    body: dict[str, Any] = {"status": "unavailable" if failed else OK, "checks": results}
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)


def _database() -> str:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
    return OK


def _redis() -> str:
    if not settings.REDIS_URL:
        return NOT_CONFIGURED
    _redis_client().ping()
    return OK


@cache
def _redis_client() -> Any:
    import redis

    return redis.Redis.from_url(
        settings.REDIS_URL,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
    )


def _migrations() -> str:
    global _migrations_applied
    if _migrations_applied:
        return OK
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        return f"{len(pending)} migration(s) not applied"
    _migrations_applied = True
    return OK


def _disk() -> str:
    needed = int(settings.FRONTDESK_READY_MIN_FREE_BYTES)
    free = shutil.disk_usage(settings.DATA_DIR).free
    if needed and free < needed:
        return f"{free // 2**20} MiB free in the data directory, below {needed // 2**20} MiB"
    return OK


def _log_changes(failed: set[str], results: dict[str, str]) -> None:
    for name in sorted(failed - _failing):
        logger.warning("Not ready: %s: %s", name, results[name])
    for name in sorted(_failing - failed):
        logger.warning("Ready again: %s", name)
    _failing.clear()
    _failing.update(failed)
