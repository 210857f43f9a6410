"""frontdesk.asgi: streams to the event loop, the rest to the request threads, and a full
queue answered 503 at once instead of growing without end."""

from __future__ import annotations

import asyncio
import json
import threading
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


# --- the bridge to the request threads -----------------------------------------------------


def _exchange(
    method: str, headers: list[tuple[bytes, bytes]], pieces: list[bytes]
) -> list[dict[str, Any]]:
    """A request whose body arrives in ``pieces``; the messages the application sent."""
    sent: list[dict[str, Any]] = []
    scope = {
        "type": "http",
        "method": method,
        "path": "/echo",
        "headers": headers,
        "query_string": b"",
        "http_version": "1.1",
    }
    waiting = list(pieces)

    async def receive() -> dict[str, Any]:
        body = waiting.pop(0) if waiting else b""
        return {"type": "http.request", "body": body, "more_body": bool(waiting)}

    loop_threads: list[int] = []

    def send(message: dict[str, Any]) -> Any:
        # granian's send is bound to the loop: calling it from a request thread fails there
        # (a 500 for every static file once), so this one checks where it is called.
        loop_threads.append(threading.get_ident())
        assert threading.get_ident() == loop_threads[0], "send called off the event loop"

        async def sending() -> None:
            sent.append(message)

        return sending()

    async def main() -> None:
        loop_threads.append(threading.get_ident())
        await asgi.application(scope, receive, send)

    _run(main())
    return sent


class _Whole(list[bytes]):
    streaming = False  # what Django's HttpResponse says of itself


def _echo(environ: dict[str, Any], start_response: Any) -> Any:
    body = environ["wsgi.input"].read()
    start_response("201 Created", [("Content-Type", "text/plain"), ("X-Seen", str(len(body)))])
    return _Whole([b"got ", body])


@pytest.mark.parametrize(
    ("headers", "pieces"),
    [
        ([(b"content-length", b"11")], [b"hello", b" world"]),  # small: read on the loop
        ([(b"content-length", b"300000")], [b"x" * 100_000] * 3),  # large: piece by piece
        ([(b"transfer-encoding", b"chunked")], [b"hello", b" world"]),  # no length
        ([], []),  # no body at all
    ],
    ids=["small", "large", "chunked", "none"],
)
def test_a_request_body_reaches_the_application_whole(
    monkeypatch: pytest.MonkeyPatch, headers: list[tuple[bytes, bytes]], pieces: list[bytes]
) -> None:
    monkeypatch.setattr(asgi, "wsgi_application", _echo)
    start, body = _exchange("POST", headers, pieces)
    assert start == {
        "type": "http.response.start",
        "status": 201,
        "headers": [
            (b"content-type", b"text/plain"),
            (b"x-seen", str(len(b"".join(pieces))).encode()),
        ],
    }
    assert body == {"type": "http.response.body", "body": b"got " + b"".join(pieces)}


def test_a_streaming_answer_is_sent_chunk_by_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    closed: list[bool] = []

    class Chunks:
        def __iter__(self) -> Any:
            yield b"one "
            yield b""
            yield b"two"

        def close(self) -> None:
            closed.append(True)

    def streaming(environ: dict[str, Any], start_response: Any) -> Any:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Chunks()

    monkeypatch.setattr(asgi, "wsgi_application", streaming)
    start, *bodies = _exchange("GET", [], [])
    assert start["status"] == 200
    assert bodies == [
        {"type": "http.response.body", "body": b"one ", "more_body": True},
        {"type": "http.response.body", "body": b"two", "more_body": True},
        {"type": "http.response.body", "body": b""},
    ]
    assert closed == [True]
