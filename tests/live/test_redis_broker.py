"""Live fan-out through a real Redis: what one process publishes, every process delivers.

Two RedisBroker objects stand for two processes (each has its own connection and listener);
tests/scaleout starts real separate server processes.
"""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest

from frontdesk.live.broker import RedisBroker
from tests.live.helpers import run_async

REDIS_URL = os.environ.get("FRONTDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
EVENT = {"type": "message", "ticket": 1, "staff_only": False}


@pytest.fixture
def prefix() -> str:
    """An installation of its own, so parallel test runs sharing the Redis never meet."""
    return f"frontdesk-test-{uuid.uuid4().hex}"


def test_an_event_published_in_one_process_reaches_subscribers_in_every_process(
    prefix: str,
) -> None:
    here, there = RedisBroker(REDIS_URL, prefix), RedisBroker(REDIS_URL, prefix)
    listening_there = there.subscribe({"ticket:1", "staff"})
    listening_here = here.subscribe({"ticket:1"})
    elsewhere = there.subscribe({"ticket:2"})
    here.publish("ticket:1", EVENT)
    assert listening_there.get(timeout=2) == {**EVENT, "channel": "ticket:1"}
    assert listening_here.get(timeout=2) == {**EVENT, "channel": "ticket:1"}
    assert elsewhere.get(timeout=0.3) is None


def test_a_closed_subscription_hears_nothing_more(prefix: str) -> None:
    one = RedisBroker(REDIS_URL, prefix)
    subscription = one.subscribe({"ticket:1"})
    subscription.close()
    assert one.listener_count == 0
    one.publish("ticket:1", EVENT)
    assert subscription.get(timeout=0.3) is None


def test_installations_sharing_a_redis_do_not_hear_each_other(prefix: str) -> None:
    ours, theirs = RedisBroker(REDIS_URL, prefix), RedisBroker(REDIS_URL, prefix + "-other")
    subscription = ours.subscribe({"ticket:1"})
    theirs.publish("ticket:1", EVENT)
    assert subscription.get(timeout=0.3) is None


def test_a_process_that_only_publishes_opens_no_subscription(prefix: str) -> None:
    worker = RedisBroker(REDIS_URL, prefix)
    worker.publish("ticket:1", EVENT)
    assert worker._listener is None


def test_an_event_loop_subscriber_receives_events_from_another_process(prefix: str) -> None:
    live_endpoint, app_server = RedisBroker(REDIS_URL, prefix), RedisBroker(REDIS_URL, prefix)

    async def listen() -> dict[str, object] | None:
        subscription = live_endpoint.subscribe_async({"user:7"})
        try:
            await asyncio.to_thread(app_server.publish, "user:7", EVENT)
            return await subscription.aget(timeout=2)
        finally:
            subscription.close()

    assert run_async(listen()) == {**EVENT, "channel": "user:7"}
