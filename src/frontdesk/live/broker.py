"""Fan-out of live events to the browsers connected to this process.

Two calls: ``publish(channel, event)`` and ``subscribe(channels)``. The embedded profile runs
one process, so the in-memory :class:`LocalBroker` is the whole story. With ``REDIS_URL`` set,
:class:`RedisBroker` publishes through Redis pub/sub instead, and one listener thread per
process hands what arrives to that process's subscribers, so a message posted on any process
reaches browsers connected to every other (docs/decisions.md).

A subscription is read either by a server thread (``get``, WSGI streams) or by an event loop
(``aget``, the async live endpoint); delivery is the same for both.
"""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeVar

from django.conf import settings

Event = dict[str, Any]
log = logging.getLogger(__name__)


@dataclass(eq=False)
class Subscription:
    """Events for a thread that waits on them."""

    channels: frozenset[str]
    _broker: LocalBroker
    _queue: queue.SimpleQueue[Event] = field(default_factory=queue.SimpleQueue)

    def get(self, timeout: float) -> Event | None:
        """The next event, or None when ``timeout`` seconds pass without one."""
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        self._broker.unsubscribe(self)

    def deliver(self, event: Event) -> None:
        self._queue.put(event)


@dataclass(eq=False)
class AsyncSubscription(Subscription):
    """Events for a coroutine: delivered from any thread into the subscriber's event loop."""

    _loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.get_running_loop)
    _events: asyncio.Queue[Event] = field(default_factory=asyncio.Queue)

    async def aget(self, timeout: float) -> Event | None:
        try:
            return await asyncio.wait_for(self._events.get(), timeout)
        except TimeoutError:
            return None

    def deliver(self, event: Event) -> None:
        self._loop.call_soon_threadsafe(self._events.put_nowait, event)


S = TypeVar("S", bound=Subscription)


class LocalBroker:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscriptions: set[Subscription] = set()

    def subscribe(self, channels: Iterable[str]) -> Subscription:
        return self._add(Subscription(frozenset(channels), self))

    def subscribe_async(self, channels: Iterable[str]) -> AsyncSubscription:
        """Call from inside the event loop that will read the subscription."""
        subscription = AsyncSubscription(frozenset(channels), self)
        self._add(subscription)
        return subscription

    def _add(self, subscription: S) -> S:
        with self._lock:
            self._subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscriptions.discard(subscription)

    def publish(self, channel: str, event: Event) -> None:
        self.publish_to([channel], event)

    def publish_to(self, channels: Iterable[str], event: Event) -> None:
        """``event`` on each of ``channels``: what a subscriber of several hears once each."""
        for channel in channels:
            self.deliver_here(channel, event)

    def deliver_here(self, channel: str, event: Event) -> None:
        """Hand ``event`` to this process's subscribers of ``channel``."""
        with self._lock:
            listeners = [s for s in self._subscriptions if channel in s.channels]
        for subscription in listeners:
            subscription.deliver({**event, "channel": channel})

    @property
    def listener_count(self) -> int:
        with self._lock:
            return len(self._subscriptions)


class RedisBroker(LocalBroker):
    """Publishes through one Redis channel; every process listens to it and delivers locally.

    One Redis channel for all events keeps a process at one subscription whatever its browsers
    watch; events are a few dozen bytes, so filtering them here costs nothing worth saving.
    """

    RECONNECT_SECONDS = 1.0

    def __init__(self, url: str, prefix: str) -> None:
        super().__init__()
        import redis

        self._redis = redis.Redis.from_url(url)
        self._channel = f"{prefix}:live"
        self._listener: threading.Thread | None = None
        self._ready = threading.Event()

    def publish_to(self, channels: Iterable[str], event: Event) -> None:
        """One Redis message for all of ``channels``: an announcement names three."""
        message = {"channels": list(channels), "event": event}
        self._redis.publish(self._channel, json.dumps(message))

    def _add(self, subscription: S) -> S:
        self._listen()
        return super()._add(subscription)

    def _listen(self) -> None:
        """Start this process's listener on first use: a process that only publishes (a
        worker, a management command) never opens the subscription."""
        with self._lock:
            if self._listener is None:
                self._listener = threading.Thread(
                    target=self._run, name="live-redis-listener", daemon=True
                )
                self._listener.start()
        # Events published before the SUBSCRIBE is confirmed would be lost to this process.
        self._ready.wait(timeout=5)

    def _run(self) -> None:
        while True:
            try:
                pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self._channel)
                pubsub.get_message(timeout=5)  # the confirmation
                self._ready.set()
                for message in pubsub.listen():
                    payload = json.loads(message["data"])
                    super().publish_to(payload["channels"], payload["event"])
            except Exception:
                # Redis restarted or the network dropped: browsers keep their streams and miss
                # what was said meanwhile; their next reconnect re-fetches the page regions.
                log.exception("Live updates lost their Redis subscription; reconnecting")
                time.sleep(self.RECONNECT_SECONDS)


@cache
def broker() -> LocalBroker:
    if settings.REDIS_URL:
        return RedisBroker(settings.REDIS_URL, settings.FRONTDESK_REDIS_PREFIX)
    return LocalBroker()
