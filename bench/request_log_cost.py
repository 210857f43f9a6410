"""CPU a request spends in the outermost middleware (core/request_log.py): its id, its latency
in the metrics and its access line, each measured alone and together, in process.

    PROMETHEUS_MULTIPROC_DIR=$(mktemp -d) .venv/bin/python bench/request_log_cost.py 2>/dev/null
    FRONTDESK_LOG_FORMAT=json PROMETHEUS_MULTIPROC_DIR=$(mktemp -d) .venv/bin/python ...

Set ``PROMETHEUS_MULTIPROC_DIR`` as ``frontdesk serve`` does (values in memory-mapped files);
send standard error to /dev/null, or the access lines print. ``time.process_time``, so other
load on the machine does not count.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Callable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")
os.environ.setdefault("FRONTDESK_DATA_DIR", tempfile.mkdtemp(prefix="fd-bench-"))

import django

django.setup()

from django.http import HttpResponse  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.urls import resolve  # noqa: E402

from frontdesk.core import metrics, request_id  # noqa: E402
from frontdesk.core.request_log import RequestLogMiddleware  # noqa: E402

CALLS = 20_000


def cost(name: str, call: Callable[[], object]) -> None:
    started = time.process_time()
    for _ in range(CALLS):
        call()
    print(f"  {name:38s} {(time.process_time() - started) / CALLS * 1e6:6.1f} µs")


def main() -> None:
    request = RequestFactory().get("/get-ticket/1")
    request.resolver_match = resolve("/get-ticket/1")
    response = HttpResponse(b"{}")
    middleware = RequestLogMiddleware(lambda request: response)
    line = logging.getLogger("frontdesk.access")
    mode = "multiprocess" if os.environ.get("PROMETHEUS_MULTIPROC_DIR") else "one process"
    print(f"Per request ({os.environ.get('FRONTDESK_LOG_FORMAT', 'plain')} logs, metrics {mode})")
    cost("the whole middleware", lambda: middleware(request))
    cost("  the latency histogram", lambda: metrics.request_observed("r", "GET", 200, 0.001))
    cost("  a request id", lambda: request_id.from_header(None))
    cost("  an access line", lambda: line.info("%s", "GET /x 200", extra={"route": "r"}))
    middleware.access_log = False
    cost("the middleware, FRONTDESK_ACCESS_LOG=false", lambda: middleware(request))


if __name__ == "__main__":
    main()
