"""A live stream ends when its session ends (sign-out, revoked, expired) or its user is demoted
or deactivated (issue 12): both forms of the stream re-check at every heartbeat."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections
from django.test import AsyncClient, Client

from frontdesk.accounts import services, sessions
from frontdesk.accounts.models import Role, User
from frontdesk.live.broker import broker
from frontdesk.live.views import RETRY
from tests.conftest import Clock
from tests.live.helpers import run_async

STREAM_SECONDS = 20  # far longer than any test waits: a stream that ends did so on a check


@pytest.fixture(autouse=True)
def _long_streams_short_heartbeats(settings: Any) -> None:
    settings.FRONTDESK_LIVE_STREAM_SECONDS = STREAM_SECONDS
    settings.FRONTDESK_LIVE_HEARTBEAT_SECONDS = 0.1


def listen(client: Client) -> Iterator[bytes]:
    response = client.get("/live/events")
    assert response.status_code == 200
    stream = iter(response.streaming_content)  # type: ignore[attr-defined]
    assert next(stream).decode() == RETRY
    return stream


def seconds_until_closed(stream: Iterator[bytes], limit: float = 3) -> float:
    """Read heartbeats until the stream ends; fails if it is still open after ``limit``."""
    started = time.monotonic()
    for _chunk in stream:
        assert time.monotonic() - started < limit, "the stream is still open"
    return time.monotonic() - started


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_stream_stays_open_while_nothing_changes(customer: User, settings: Any) -> None:
    settings.FRONTDESK_LIVE_STREAM_SECONDS = 1
    stream = listen(signed_in(customer))
    assert seconds_until_closed(stream) >= 0.8  # it ran to its end, heartbeats and checks
    assert broker().listener_count == 0


def test_sign_out_ends_the_stream(customer: User) -> None:
    client = signed_in(customer)
    stream = listen(client)
    page = Client(enforce_csrf_checks=True)  # the same browser's page signs out
    page.cookies = client.cookies
    page.get("/profile")
    csrf = page.cookies[settings.CSRF_COOKIE_NAME].value
    assert page.post("/logout", {"csrfmiddlewaretoken": csrf}).status_code == 302
    assert seconds_until_closed(stream) < 3
    assert broker().listener_count == 0


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda user, other: sessions.sessions_revoke_others(actor=user, current_key=None),
            id="revoked",
        ),
        pytest.param(
            lambda user, other: services.user_set_password(
                actor=None, user=user, new_password="a-new-password-9"
            ),
            id="password-reset",
        ),
        pytest.param(
            lambda user, other: services.user_set_role(actor=other, user=user, role=Role.CUSTOMER),
            id="demoted",
        ),
        pytest.param(
            lambda user, other: services.user_set_active(actor=other, user=user, active=False),
            id="deactivated",
        ),
    ],
)
def test_the_stream_ends_with_its_session_or_role(
    agent: User, admin: User, change: Callable[[User, User], object]
) -> None:
    stream = listen(signed_in(agent))
    assert next(stream).decode() == ": still here\n\n"  # open, beating
    change(agent, admin)
    assert seconds_until_closed(stream) < 3
    assert broker().listener_count == 0


def test_an_expired_session_ends_the_stream(customer: User, clock: Clock) -> None:
    stream = listen(signed_in(customer))
    clock.advance(settings.FRONTDESK_SESSION_TIMEOUT + 1)
    assert seconds_until_closed(stream) < 3


@pytest.mark.django_db(transaction=True)  # the async view's checks run on another thread
def test_the_async_endpoint_ends_the_stream_on_sign_out(customer: User, settings: Any) -> None:
    settings.ROOT_URLCONF = "frontdesk.live.stream_urls"  # what LiveRequest selects

    async def scenario() -> float:
        client = AsyncClient()
        await client.aforce_login(customer)
        response = await client.get("/live/events")
        assert response.status_code == 200
        chunks: AsyncIterator[bytes] = aiter(response.streaming_content)
        assert (await anext(chunks)).decode() == RETRY
        await anext(chunks)  # a heartbeat: open
        await sync_to_async(sessions.sessions_end_for)(customer, actor=None)
        started = time.monotonic()
        async for _chunk in chunks:
            assert time.monotonic() - started < 3, "the stream is still open"
        return time.monotonic() - started

    try:
        assert run_async(scenario()) < 3
        assert broker().listener_count == 0
    finally:
        run_async(sync_to_async(connections.close_all)())
