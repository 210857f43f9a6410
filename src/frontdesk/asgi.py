"""What ``frontdesk serve`` runs in each server process: one ASGI application.

Live event streams (``/live/events``) are served on the event loop (frontdesk.live.asgi), so
an open page holds no thread. Everything else goes to the WSGI application (frontdesk.wsgi)
on a small fixed pool of threads, where Django's sync views and the ORM run as they do under a
WSGI server. Requests beyond the pool wait their turn in order; past a queue of
``FRONTDESK_REQUEST_QUEUE`` they are answered 503 with ``Retry-After`` at once, so a flood
costs memory for a bounded number of waiting requests and no thread at all.
docs/decisions.md (38) says why, and what it measured.

A request crosses between the loop and its thread once each way (:func:`_pages`): its body is
read on the loop first, the thread runs Django and hands back the whole answer, and the loop
sends it. Passing every message across instead, as a general ASGI-to-WSGI adapter does (start,
each chunk, the end, each piece of body: a wake-up of the other side each), cost more CPU than
a SupportMe read itself (decision 43). Only what is large or of unknown length crosses piece by
piece: a request body over :data:`WHOLE_BODY` or without a length (a2wsgi's reader) and a
streaming answer (a file download).
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

from a2wsgi.wsgi import Body, build_environ

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

# A request body up to this size is read on the loop before the request goes to its thread.
WHOLE_BODY = 256 * 1024

_threads = ThreadPoolExecutor(max_workers=REQUEST_THREADS, thread_name_prefix="request")
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
        await _pages(scope, receive, send)
    finally:
        _in_flight -= 1


async def _pages(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Run the WSGI application for this request on a request thread; send its answer."""
    loop = asyncio.get_running_loop()
    length = _content_length(scope)
    if length is not None and length <= WHOLE_BODY:
        body: Any = io.BytesIO(await _whole_body(receive))
    elif length is None and not _chunked(scope):
        body = io.BytesIO()  # no length and not chunked: HTTP/1.1 says there is no body
    else:
        body = Body(loop, _as_coroutine(receive))  # read piece by piece from the thread
    environ = cast(dict[str, Any], build_environ(scope, body))  # type: ignore[arg-type]
    answer = await loop.run_in_executor(_threads, _respond, environ, loop, send)
    if answer is not None:
        start, content = answer
        await send(start)
        await send({"type": "http.response.body", "body": content})


Start = dict[str, Any]


def _respond(
    environ: dict[str, Any], loop: asyncio.AbstractEventLoop, send: Any
) -> tuple[Start, bytes] | None:
    """On a request thread: the answer's start message and its whole body; or None when it
    streams, then sent from here chunk by chunk (each one waiting for the loop to take it)."""
    started: list[Start] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started[:] = [
            {
                "type": "http.response.start",
                "status": int(status.split(" ", 1)[0]),
                "headers": [
                    (name.strip().encode("latin1").lower(), value.strip().encode("latin1"))
                    for name, value in headers
                ],
            }
        ]
        return _no_write

    chunks: Iterable[bytes] = wsgi_application(environ, start_response)
    try:
        if getattr(chunks, "streaming", True) is False:  # Django's answer, already whole
            return started[0], b"".join(chunks)
        _stream(started, chunks, loop, send)
        return None
    finally:
        close: Callable[[], None] | None = getattr(chunks, "close", None)
        if close is not None:
            close()  # Django's request_finished: old database connections closed here


def _stream(
    started: list[Start], chunks: Iterable[bytes], loop: asyncio.AbstractEventLoop, send: Any
) -> None:
    async def on_the_loop(message: dict[str, Any]) -> None:
        await send(message)  # granian's send must be called on the loop, not just awaited there

    def deliver(message: dict[str, Any]) -> None:
        asyncio.run_coroutine_threadsafe(on_the_loop(message), loop).result()

    sent_start = False
    for chunk in chunks:
        if not sent_start:
            deliver(started[0])  # after the first chunk: a generator may call start_response
            sent_start = True
        if chunk:
            deliver({"type": "http.response.body", "body": chunk, "more_body": True})
    if not sent_start:
        deliver(started[0])
    deliver({"type": "http.response.body", "body": b""})


def _no_write(data: bytes) -> None:
    raise NotImplementedError("Frontdesk's WSGI application never calls write().")


def _content_length(scope: dict[str, Any]) -> int | None:
    for name, value in scope.get("headers") or ():
        if name == b"content-length":
            return int(value) if value.isdigit() else WHOLE_BODY + 1  # refused by Django
    return None


def _chunked(scope: dict[str, Any]) -> bool:
    return any(name == b"transfer-encoding" for name, _ in scope.get("headers") or ())


async def _whole_body(receive: Any) -> bytes:
    parts = []
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away: Django reads what came
            break
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(parts)


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
