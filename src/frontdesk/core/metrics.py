"""Prometheus metrics (prometheus-client), served at ``/metrics``.

Counted as things happen, in each process: request latency by route (the URL pattern that
answered, never the raw path), method and status class; live streams open. Read when scraped:
the job queue (depth, scheduled jobs, age of the oldest), the mail outbox (pending and failed),
and on PostgreSQL the database's connections by state.

``frontdesk serve`` runs several server processes, and one scrape reaches one of them. So
serve gives every process the same ``PROMETHEUS_MULTIPROC_DIR`` (``<data dir>/metrics``, emptied
at start): prometheus-client's multiprocess mode, where each process writes its numbers to
memory-mapped files there and a scrape adds them all up (docs/decisions.md, 45). Without it
(``frontdesk.wsgi`` under another server), a scrape shows the process it reached.

The endpoint answers a bearer token (``FRONTDESK_METRICS_TOKEN``), or without a token only a
request from this machine that no proxy forwarded; anything else is 404.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from frontdesk.core import clock
from frontdesk.core.metrics_files import MULTIPROCESS_DIR
from frontdesk.core.request_id import job_enqueued_at

logger = logging.getLogger(__name__)

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "(unmatched)"  # no URL pattern answered: one label for every unknown path

REQUEST_SECONDS = Histogram(
    "frontdesk_http_request_duration_seconds",
    "Time to answer a page or API request, by URL pattern, method and status class.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
LIVE_STREAMS = Gauge(
    "frontdesk_live_streams_open",
    "Live-update streams open now.",
    multiprocess_mode="livesum",
)
_STATUS_CLASSES = {hundred: f"{hundred}xx" for hundred in range(1, 6)}


def request_observed(route: str, method: str, status: int, seconds: float) -> None:
    REQUEST_SECONDS.labels(
        route, method if method in METHODS else "other", _STATUS_CLASSES.get(status // 100, "5xx")
    ).observe(seconds)


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return match.route if match is not None and match.route else UNMATCHED


def metrics(request: HttpRequest) -> HttpResponse:
    """``GET /metrics`` in Prometheus's text format, for those allowed (else a plain 404)."""
    if not _may_scrape(request):
        return HttpResponse("Not found.", status=404, content_type="text/plain")
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)


def _may_scrape(request: HttpRequest) -> bool:
    token = settings.FRONTDESK_METRICS_TOKEN
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)
    forwarded = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")
    if any(name in request.META for name in forwarded):
        return False  # a proxy on this machine passes on others' requests
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    directory = os.environ.get(MULTIPROCESS_DIR)
    if directory:
        _forget_dead_processes(Path(directory))
        MultiProcessCollector(registry, path=directory)
    else:
        registry.register(_ThisProcess())
    registry.register(_Desk())
    return registry


class _ThisProcess:
    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


_LIVE_FILE = re.compile(r"gauge_livesum_(\d+)\.db")


def _forget_dead_processes(directory: Path) -> None:
    """A server process that died (killed, respawned) leaves its live gauges behind."""
    for path in directory.glob("gauge_live*_*.db"):
        found = _LIVE_FILE.fullmatch(path.name)
        if found and not _alive(int(found.group(1))):
            mark_process_dead(int(found.group(1)), str(directory))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _Desk:
    """What is read when scraped: the job queue, the outbox, the database's connections. One
    source failing (Redis down) costs only its own numbers, and says so."""

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "frontdesk_metrics_source_up",
            "Whether a source read at scrape time could be read (1) or not (0).",
            labels=["source"],
        )
        for name, read in (("jobs", _jobs), ("outbox", _outbox), ("database", _connections)):
            try:
                found = list(read())
            except Exception:
                logger.warning("metrics: could not read the %s", name, exc_info=True)
                up.add_metric([name], 0)
                continue
            up.add_metric([name], 1)
            yield from found
        yield up


def _jobs() -> Iterator[Metric]:
    from huey import Huey
    from huey.contrib.djhuey import HUEY

    assert isinstance(HUEY, Huey)  # settings.HUEY, built by djhuey
    yield GaugeMetricFamily(
        "frontdesk_jobs_queued", "Jobs waiting for a worker.", value=HUEY.pending_count()
    )
    yield GaugeMetricFamily(
        "frontdesk_jobs_scheduled", "Jobs waiting for their time.", value=HUEY.scheduled_count()
    )
    oldest = HUEY.pending(limit=1)
    queued_at = job_enqueued_at(oldest[0].id) if oldest else None
    age = max(0.0, clock.timestamp() - queued_at) if queued_at is not None else 0.0
    yield GaugeMetricFamily(
        "frontdesk_jobs_oldest_age_seconds",
        "How long the next job to run has waited (0 when none waits).",
        value=age,
    )


def _outbox() -> Iterator[Metric]:
    from frontdesk.notifications.selectors import outbox_backlog

    backlog = outbox_backlog()
    family = GaugeMetricFamily(
        "frontdesk_outbox_mails", "Notification mails not sent, by status.", labels=["status"]
    )
    for status in ("pending", "failed"):
        family.add_metric([status], backlog.get(status, 0))
    yield family


def _connections() -> Iterator[Metric]:
    from django.db import connection

    if connection.vendor != "postgresql":
        return  # SQLite has no server to ask; each thread holds its own file handle
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(state, 'unknown'), count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() GROUP BY 1"
        )
        rows = cursor.fetchall()
    family = GaugeMetricFamily(
        "frontdesk_database_connections",
        "PostgreSQL connections to this database, by state (active: in use).",
        labels=["state"],
    )
    for state, count in rows:
        family.add_metric([state], count)
    yield family


def live_stream_opened() -> None:
    LIVE_STREAMS.inc()


def live_stream_closed() -> None:
    LIVE_STREAMS.dec()
