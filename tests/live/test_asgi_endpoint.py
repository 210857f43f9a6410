"""The async live endpoint as the server runs it (frontdesk.live.asgi.application, spoken to
over ASGI): many open streams share one sync thread and one database connection."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.live import views
from frontdesk.live.asgi import application
from frontdesk.live.broker import broker
from tests.live.helpers import run_async

pytestmark = pytest.mark.django_db(transaction=True)
STREAMS = 6


def _scope(cookie: str, path: str = "/live/events") -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"cookie", cookie.encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8001),
    }


def test_open_streams_share_one_thread(customer: User, monkeypatch: pytest.MonkeyPatch) -> None:
    checked_on: set[int] = set()  # the threads that ran a stream's sign-in and permission check
    check = views._channels_for

    def recording_check(*args: Any) -> set[str]:
        checked_on.add(threading.get_ident())
        return check(*args)

    monkeypatch.setattr(views, "_channels_for", recording_check)
    client = Client()
    client.force_login(customer)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    async def scenario() -> tuple[list[int], int]:
        disconnect = asyncio.Event()
        first_frames = asyncio.Queue[bytes]()

        def receiver() -> Any:
            """One stream's side: its (empty) request, then nothing until the browser leaves."""
            sent = False

            async def receive() -> dict[str, Any]:
                nonlocal sent
                if not sent:
                    sent = True
                    return {"type": "http.request", "body": b"", "more_body": False}
                await disconnect.wait()
                return {"type": "http.disconnect"}

            return receive

        statuses: list[int] = []

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])
            elif message.get("body"):
                await first_frames.put(message["body"])

        listening_before = broker().listener_count
        streams = [
            asyncio.create_task(application(_scope(cookie), receiver(), send))
            for _ in range(STREAMS)
        ]
        for _ in range(STREAMS):
            await asyncio.wait_for(first_frames.get(), timeout=10)
        listening = broker().listener_count - listening_before
        disconnect.set()
        await asyncio.wait(streams, timeout=10)
        await sync_to_async(connections.close_all)()
        return statuses, listening

    statuses, listening = run_async(scenario())
    assert statuses == [200] * STREAMS
    assert listening == STREAMS
    # asgiref's one shared thread; Django's default handler would use one per stream.
    assert len(checked_on) == 1
