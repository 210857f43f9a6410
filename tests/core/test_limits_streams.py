"""Live streams open at once are capped per user, per address and per WSGI process (429; the
page polls instead), and every lease is given back when its stream ends, or expires."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.core.signals import request_finished
from django.db import close_old_connections, connections
from django.test import AsyncClient, Client
from pytest_django.fixtures import Settings

from frontdesk.accounts.models import User
from frontdesk.live import limits
from frontdesk.live.limits import TOO_MANY_STREAMS
from tests.live.helpers import run_async

pytestmark = pytest.mark.limits


@pytest.fixture(autouse=True)
def _no_streams_left(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("FRONTDESK_WSGI_THREADS", raising=False)
    limits._process_slots.clear()
    yield
    limits._process_slots.clear()


def close(stream: Any) -> None:
    """Close a stream as the server does when the page goes. Closing sends request_finished,
    which would close the test's database connection in the middle of its transaction (the
    test client disconnects that handler the same way for the responses it closes)."""
    request_finished.disconnect(close_old_connections)
    try:
        stream.close()
    finally:
        request_finished.connect(close_old_connections)


_opened: list[Any] = []


@pytest.fixture(autouse=True)
def _every_stream_closed() -> Iterator[None]:
    """Streams left open would keep their subscriptions in the process's broker."""
    yield
    while _opened:
        close(_opened.pop())


def open_stream(user: User, ip: str = "198.51.100.7") -> Any:
    client = Client()
    client.force_login(user)
    response = client.get("/live/events", REMOTE_ADDR=ip)
    _opened.append(response)
    return response


def test_streams_per_user_are_capped(customer: User) -> None:
    streams = [open_stream(customer, ip=f"203.0.113.{n}") for n in range(6)]
    assert [stream.status_code for stream in streams] == [200] * 6
    refused = open_stream(customer, ip="203.0.113.77")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert refused.content.decode() == TOO_MANY_STREAMS
    close(streams[0])  # the page was closed: its lease is given back
    again = open_stream(customer)
    assert again.status_code == 200
    for stream in [*streams[1:], again]:
        close(stream)


def test_streams_per_address_are_capped(db: None, settings: Settings) -> None:
    from tests.conftest import make_user

    settings.FRONTDESK_LIVE_STREAMS_PER_IP = 3
    people = [make_user(f"Person{n}") for n in range(4)]
    streams = [open_stream(person, ip="203.0.113.9") for person in people[:3]]
    assert [stream.status_code for stream in streams] == [200] * 3
    assert open_stream(people[3], ip="203.0.113.9").status_code == 429
    assert open_stream(people[3], ip="203.0.113.10").status_code == 200


def test_a_lease_expires_when_its_process_died(
    customer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "lease_seconds", lambda: 1)
    for _ in range(6):
        open_stream(customer)  # never closed: as if the process had died
    assert open_stream(customer).status_code == 429
    time.sleep(1.2)
    assert open_stream(customer).status_code == 200


def test_zero_turns_the_caps_off(customer: User, settings: Settings) -> None:
    settings.FRONTDESK_LIVE_STREAMS_PER_USER = 0
    settings.FRONTDESK_LIVE_STREAMS_PER_IP = 0
    assert all(open_stream(customer).status_code == 200 for _ in range(25))


def test_a_wsgi_process_keeps_threads_free(
    customer: User, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.FRONTDESK_LIVE_STREAMS_PER_USER = 0
    monkeypatch.setenv("FRONTDESK_WSGI_THREADS", "16")
    assert limits.wsgi_stream_cap() == 12
    streams = [open_stream(customer) for _ in range(12)]
    assert {stream.status_code for stream in streams} == {200}
    assert limits.process_streams_open() == 12
    assert open_stream(customer).status_code == 429
    for stream in streams:
        close(stream)
    assert limits.process_streams_open() == 0


def test_a_stream_that_ran_to_its_end_gives_its_lease_back(
    customer: User, settings: Settings
) -> None:
    settings.FRONTDESK_LIVE_STREAM_SECONDS = 0.1
    settings.FRONTDESK_LIVE_HEARTBEAT_SECONDS = 0.05
    for _ in range(8):
        stream = open_stream(customer)
        assert stream.status_code == 200
        b"".join(stream.streaming_content)


@pytest.mark.django_db(transaction=True)  # the view's checks run on another thread
def test_the_async_endpoint_has_the_same_user_cap(customer: User, settings: Settings) -> None:
    settings.ROOT_URLCONF = "frontdesk.live.stream_urls"  # what the live endpoint serves

    async def scenario() -> list[int]:
        client = AsyncClient()
        await client.aforce_login(customer)
        statuses = []
        streams = []
        for _ in range(7):
            response = await client.get("/live/events", REMOTE_ADDR="203.0.113.4")
            statuses.append(response.status_code)
            if response.status_code == 200:
                chunks = aiter(response.streaming_content)
                await anext(chunks)  # started, as a server starts it
                streams.append((response, chunks))
        for response, chunks in streams:
            await chunks.aclose()
            # What Django's ASGI handler does once a response is over, however it ended: the
            # lease is given back here, not whenever the stream's generator is collected.
            await sync_to_async(response.close)()
        again = await client.get("/live/events")  # the leases were given back
        assert again.status_code == 200
        chunks = aiter(again.streaming_content)
        await anext(chunks)
        await chunks.aclose()
        await sync_to_async(again.close)()
        await sync_to_async(connections.close_all)()
        return statuses

    assert run_async(scenario()) == [200] * 6 + [429]


def test_the_page_polls_when_its_stream_is_refused() -> None:
    script = Path(limits.__file__).with_name("static") / "frontdesk" / "live.js"
    text = script.read_text()
    assert "source.readyState === EventSource.CLOSED" in text
    assert "startPolling" in text
