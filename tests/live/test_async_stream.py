"""The async live endpoint (frontdesk.live.asgi): same channels, frames and checks as the
threaded stream, served on an event loop."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import connection, connections
from django.test import AsyncClient

from frontdesk.accounts.models import User
from frontdesk.live.announce import ticket_channel
from frontdesk.live.broker import broker
from frontdesk.live.views import RETRY
from frontdesk.tickets.models import Ticket
from tests.live.helpers import run_async

pytestmark = pytest.mark.django_db(transaction=True)  # the view's checks run on another thread


@pytest.fixture(autouse=True)
def _live_endpoint_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = "frontdesk.live.stream_urls"  # what LiveRequest selects
    settings.FRONTDESK_LIVE_STREAM_SECONDS = 2
    settings.FRONTDESK_LIVE_HEARTBEAT_SECONDS = 0.2


@pytest.fixture(autouse=True)
def _close_the_views_connection() -> Iterator[None]:
    """The view's database work runs on asgiref's shared thread: give its connection back, or
    PostgreSQL cannot drop the test database at the end."""
    yield
    run_async(sync_to_async(connections.close_all)())


async def _open(user: User | None, query: str = "") -> Any:
    client = AsyncClient()
    if user is not None:
        await client.aforce_login(user)
    return await client.get("/live/events" + query)


def test_a_ticket_page_hears_its_ticket(customer: User, ticket: Ticket) -> None:
    async def scenario() -> list[bytes]:
        response = await _open(customer, f"?ticket={ticket.pk}")
        assert response.status_code == 200
        assert response["Content-Type"] == "text/event-stream"
        chunks: AsyncIterator[bytes] = aiter(response.streaming_content)
        first = await anext(chunks)
        event = {"type": "message", "ticket": ticket.pk, "staff_only": False}
        broker().publish(ticket_channel(ticket.pk), event)
        broker().publish(ticket_channel(ticket.pk), {**event, "staff_only": True})
        received = [first, await anext(chunks), await anext(chunks)]
        await chunks.aclose()  # type: ignore[attr-defined]
        return received

    first, message, after = run_async(scenario())
    assert first.decode() == RETRY
    assert message.decode().startswith("event: message\n")
    assert after.decode() == ": still here\n\n"  # the staff-only event was not for a customer
    assert broker().listener_count == 0


def test_someone_elses_ticket_is_not_found(other_customer: User, ticket: Ticket) -> None:
    response = run_async(_open(other_customer, f"?ticket={ticket.pk}"))
    assert response.status_code == 404
    assert broker().listener_count == 0


def test_signed_out_is_sent_to_sign_in(ticket: Ticket) -> None:
    response = run_async(_open(None, f"?ticket={ticket.pk}"))
    assert response.status_code == 302
    assert response["Location"].startswith("/login")


def test_the_endpoint_answers_nothing_but_the_stream(customer: User) -> None:
    async def ask() -> int:
        client = AsyncClient()
        await client.aforce_login(customer)
        return (await client.get("/home")).status_code

    assert run_async(ask()) == 404


def test_the_checks_give_the_database_connection_back_before_streaming(
    customer: User, ticket: Ticket
) -> None:
    """The sign-in and permission checks run on asgiref's shared thread; its connection goes
    back (closed, or to the pool) before the first frame, on every backend."""

    async def scenario() -> bool:
        response = await _open(customer, f"?ticket={ticket.pk}")
        chunks: AsyncIterator[bytes] = aiter(response.streaming_content)
        assert (await anext(chunks)).startswith(b"retry:")
        held = await sync_to_async(lambda: connection.connection is not None)()
        await chunks.aclose()  # type: ignore[attr-defined]
        return held

    assert run_async(scenario()) is False
