"""What ``frontdesk serve`` runs in each server process: one ASGI application.

Live event streams (``/live/events``) are served on the event loop (frontdesk.live.asgi), so
an open page holds no thread. Everything else goes to the WSGI application (frontdesk.wsgi)
on a small fixed pool of threads (a2wsgi), where Django's sync views and the ORM run as they
do under a WSGI server. Requests beyond the pool wait their turn in order; past a queue of
``FRONTDESK_REQUEST_QUEUE`` they are answered 503 with ``Retry-After`` at once, so a flood
costs memory for a bounded number of waiting requests and no thread at all.
docs/decisions.md (38) says why, and what it measured.
"""

from __future__ import annotations

import json
import os
import signal
from typing import Any

from a2wsgi import WSGIMiddleware

from frontdesk.core.lifecycle import die_with_parent
from frontdesk.live.asgi import application as live_application
from frontdesk.wsgi import application as wsgi_application

# A web worker whose ``serve`` died is killed outright: nobody is left to stop it, and its
# open streams would keep a graceful stop waiting for ever (core/lifecycle.py).
die_with_parent(signal.SIGKILL)

LIVE_PATH = "/live/events"
BUSY = "Frontdesk is busy; try again in a moment."


def _setting(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.isdigit() and int(value) > 0 else default


REQUEST_THREADS = _setting("FRONTDESK_REQUEST_THREADS", 8)
REQUEST_QUEUE = _setting("FRONTDESK_REQUEST_QUEUE", 512)

_pages = WSGIMiddleware(wsgi_application, workers=REQUEST_THREADS)  # type: ignore[arg-type]
_in_flight = 0  # page and API requests running or waiting (only the event loop touches it)


async def application(scope: Any, receive: Any, send: Any) -> None:
    global _in_flight
    if scope["type"] != "http":
        raise ValueError(f"Frontdesk serves HTTP only, not {scope['type']}.")
    if scope["path"] == LIVE_PATH:
        await live_application(scope, receive, send)
        return
    if _in_flight >= REQUEST_THREADS + REQUEST_QUEUE:
        await _busy(scope, send)
        return
    _in_flight += 1
    try:
        await _pages(scope, _as_coroutine(receive), send)
    finally:
        _in_flight -= 1


def _as_coroutine(receive: Any) -> Any:
    """a2wsgi reads the request body from a thread with ``run_coroutine_threadsafe``, which
    takes only coroutines; granian's ``receive`` returns an awaitable of its own."""

    async def receive_coroutine() -> Any:
        return await receive()

    return receive_coroutine


async def _busy(scope: dict[str, Any], send: Any) -> None:
    accept = dict(scope.get("headers") or []).get(b"accept", b"")
    if b"text/html" in accept:
        content_type, body = b"text/html; charset=utf-8", f"<p>{BUSY}</p>".encode()
    else:
        content_type, body = b"application/json", json.dumps({"error": BUSY}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [(b"content-type", content_type), (b"retry-after", b"1")],
        }
    )
    await send({"type": "http.response.body", "body": body})
