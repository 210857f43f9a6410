"""Infrastructure failures answered as such: the database away or locked, the disk full, Redis
away. They are not the caller's fault nor a bug, so they are not 500s with a traceback each:
the answer is 503 (507 for a full disk) with ``Retry-After``, JSON for API clients and a plain
page for people, and the log gets one line per incident, not one per request.
"""

from __future__ import annotations

import errno
import logging
import sys
import threading
import time
from dataclasses import dataclass

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.views import defaults

from frontdesk.core.breaker import RedisUnavailable, redis_errors

log = logging.getLogger("frontdesk.outage")

# One line per kind of incident at most this often; the next says how many were not logged.
LOG_EVERY_SECONDS = 60.0
RETRY_AFTER_SECONDS = 5
DISK_FULL_RETRY_AFTER_SECONDS = 60


@dataclass(frozen=True)
class Outage:
    kind: str  # "database", "disk", "redis"
    status: int
    message: str
    retry_after: int


DATABASE_AWAY = Outage(
    "database",
    503,
    "The desk's database is not answering right now. Nothing was changed; please try again "
    "in a few seconds.",
    RETRY_AFTER_SECONDS,
)
DISK_FULL = Outage(
    "disk",
    507,
    "The server's disk is full, so nothing could be saved. Please try again later.",
    DISK_FULL_RETRY_AFTER_SECONDS,
)
REDIS_AWAY = Outage(
    "redis",
    503,
    "Part of the desk is not answering right now. Please try again in a few seconds.",
    RETRY_AFTER_SECONDS,
)

_SQLITE_DISK_FULL = ("database or disk is full", "disk i/o error")


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain and len(chain) < 8:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def outage_of(exc: BaseException) -> Outage | None:
    """The infrastructure failure ``exc`` is (or was caused by), or None for anything else."""
    for cause in _causes(exc):
        if isinstance(cause, OSError) and cause.errno in (errno.ENOSPC, errno.EDQUOT):
            return DISK_FULL
        if isinstance(cause, (OperationalError, InterfaceError)):
            text = str(cause).lower()
            if any(words in text for words in _SQLITE_DISK_FULL):
                return DISK_FULL
            return DATABASE_AWAY
        if isinstance(cause, (RedisUnavailable, *redis_errors(sockets=False))):
            return REDIS_AWAY
    return None


class _IncidentLog:
    """At most one line per key every LOG_EVERY_SECONDS, with the count of those left out."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}
        self._quiet: dict[str, int] = {}

    def __call__(self, key: str, text: str, exc: BaseException, *, trace: bool = True) -> bool:
        """Log ``text`` and ``exc`` unless ``key`` was logged within LOG_EVERY_SECONDS. With
        ``trace``, the first line of an incident carries the traceback: the rest would
        repeat it. Infrastructure failures need none: the exception's words say it all."""
        moment = time.monotonic()
        with self._lock:
            last = self._last.get(key)
            if last is not None and moment - last < LOG_EVERY_SECONDS:
                self._quiet[key] = self._quiet.get(key, 0) + 1
                return False
            self._last[key] = moment
            quiet = self._quiet.pop(key, 0)
        more = f" ({quiet} more since the last line)" if quiet else ""
        first = last is None or moment - last > 10 * LOG_EVERY_SECONDS
        stack = exc if trace and first else None
        log.error("%s: %s: %s%s", text, type(exc).__name__, exc, more, exc_info=stack)
        return True

    def reset(self) -> None:
        with self._lock:
            self._last.clear()
            self._quiet.clear()


incident_log = _IncidentLog()


def wants_json(request: HttpRequest) -> bool:
    """An API client rather than a person's browser: the REST API, a bearer token, a JSON
    body, or a client that does not ask for HTML (the SupportMe API's clients)."""
    if request.path.startswith("/api/"):
        return True
    if request.META.get("HTTP_AUTHORIZATION", "")[:7].lower() == "bearer ":
        return True
    if request.content_type == "application/json":
        return True
    if "HX-Request" in request.headers:
        return False
    return "text/html" not in request.headers.get("Accept", "")


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} — Frontdesk</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto;
padding: 0 1rem; line-height: 1.5">
<h1>{title}</h1><p>{message}</p><p><a href="">Try again</a></p></body></html>
"""


def outage_response(request: HttpRequest, outage: Outage) -> HttpResponse:
    """The answer to a request that met ``outage``: JSON in the REST API's error shape or the
    SupportMe API's (``{"error": "..."}``), or a plain page, with Retry-After."""
    response: HttpResponse
    if request.path.startswith("/api/ticketing/"):  # the REST API's error shape (api/errors.py)
        error = {"code": "unavailable", "message": outage.message, "fields": {}}
        response = JsonResponse({"error": error}, status=outage.status)
    elif wants_json(request):
        response = JsonResponse({"error": outage.message}, status=outage.status)
    else:
        title = "Disk full" if outage.kind == "disk" else "Temporarily unavailable"
        response = HttpResponse(
            PAGE.format(title=title, message=outage.message),
            status=outage.status,
            content_type="text/html; charset=utf-8",
        )
    response["Retry-After"] = str(outage.retry_after)
    response["Cache-Control"] = "no-store"
    return response


def log_outage(request: HttpRequest, outage: Outage, exc: BaseException) -> None:
    incident_log(
        f"outage:{outage.kind}",
        f"{request.method} {request.path} answered {outage.status}: {outage.kind} unavailable",
        exc,
        trace=False,
    )


def server_error(request: HttpRequest) -> HttpResponseBase:
    """Django's ``handler500``: called for any exception no view or face answered (those in
    middleware too, such as the database failing while the session is read). Called while the
    exception is being handled, so ``sys.exc_info`` names it."""
    exc = sys.exc_info()[1]
    outage = outage_of(exc) if exc is not None else None
    if exc is None or outage is None:
        return defaults.server_error(request)
    log_outage(request, outage, exc)
    response = outage_response(request, outage)
    response._has_been_logged = True  # type: ignore[attr-defined]  # Django: logged already
    return response
