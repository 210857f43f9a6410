"""frontdesk.asgi: streams to the event loop, the rest to the request threads, and a full
queue answered 503 at once instead of growing without end."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from frontdesk import asgi


def _run(coroutine: Any) -> Any:
    """Run on a thread of its own: a browser test earlier in the same worker can leave an
    event loop running on this one, and asyncio.run refuses to nest."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def _call(path: str, accept: bytes = b"application/json") -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "headers": [(b"accept", accept)],
        "query_string": b"",
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    _run(asgi.application(scope, receive, send))
    return sent


def test_a_full_queue_is_answered_busy_with_a_retry_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(asgi, "_in_flight", asgi.REQUEST_THREADS + asgi.REQUEST_QUEUE)
    start, body = _call("/get-unclaimed-tickets")
    assert start["status"] == 503
    assert (b"retry-after", b"1") in start["headers"]
    assert json.loads(body["body"]) == {"error": asgi.BUSY}

    start, body = _call("/home", accept=b"text/html,application/xhtml+xml")
    assert start["status"] == 503 and asgi.BUSY.encode() in body["body"]


def test_a_stream_is_not_counted_against_the_request_queue(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(asgi, "_in_flight", asgi.REQUEST_THREADS + asgi.REQUEST_QUEUE)
    reached: list[str] = []

    async def live(scope: Any, receive: Any, send: Any) -> None:
        reached.append(scope["path"])

    monkeypatch.setattr(asgi, "live_application", live)
    assert _call(asgi.LIVE_PATH) == []
    assert reached == [asgi.LIVE_PATH]


def test_other_protocols_are_refused() -> None:
    with pytest.raises(ValueError, match="HTTP only"):
        _run(asgi.application({"type": "websocket", "path": "/"}, None, None))
