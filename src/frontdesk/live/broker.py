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
import contextlib
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

from frontdesk.core.breaker import RedisUnavailable, redis_breaker

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
    def listening(self) -> bool:
        """Whether events published anywhere reach this process's subscribers now."""
        return True

    def ensure_listening(self) -> None:
        """Make sure events from elsewhere reach this process (nothing to do here)."""

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
    # How long a new stream waits for this process's subscription to be confirmed.
    READY_SECONDS = 2.0

    def __init__(self, url: str, prefix: str) -> None:
        super().__init__()
        import redis

        # Short timeouts (settings.REDIS_SOCKET_OPTIONS): a hung Redis must not hold a request.
        self._redis = redis.Redis.from_url(url, **getattr(settings, "REDIS_SOCKET_OPTIONS", {}))
        self._channel = f"{prefix}:live"
        self._listener: threading.Thread | None = None
        self._ready = threading.Event()

    def publish_to(self, channels: Iterable[str], event: Event) -> None:
        """One Redis message for all of ``channels``: an announcement names three. Raises
        RedisUnavailable, at once while the breaker is open (core/breaker.py)."""
        message = {"channels": list(channels), "event": event}
        with redis_breaker.call():
            self._redis.publish(self._channel, json.dumps(message))

    def _add(self, subscription: S) -> S:
        self.ensure_listening()
        return super()._add(subscription)

    def ensure_listening(self) -> None:
        """Start this process's listener on first use: a process that only publishes (a
        worker, a management command) never opens the subscription. Raises RedisUnavailable
        when the subscription is not there: a stream that would hear nothing is refused."""
        with self._lock:
            if self._listener is None:
                self._listener = threading.Thread(
                    target=self._run, name="live-redis-listener", daemon=True
                )
                self._listener.start()
        if self._ready.is_set():
            return
        # Events published before the SUBSCRIBE is confirmed would be lost to this process;
        # while Redis is known to be away, there is nothing to wait for.
        if redis_breaker.is_open or not self._ready.wait(timeout=self.READY_SECONDS):
            raise RedisUnavailable("live updates have no Redis subscription")

    @property
    def listening(self) -> bool:
        return self._ready.is_set()

    def _run(self) -> None:
        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                with redis_breaker.call():
                    pubsub.subscribe(self._channel)
                    pubsub.get_message(timeout=5)  # the confirmation
                self._ready.set()
                while True:
                    # Not pubsub.listen(): its reads would end at the short socket timeout.
                    # Redis errors here end the loop; the breaker logs the incident once.
                    with redis_breaker.call():
                        message = pubsub.get_message(timeout=1.0)
                    if message is not None:
                        payload = json.loads(message["data"])
                        super().publish_to(payload["channels"], payload["event"])
            except RedisUnavailable:
                # Redis restarted or the network dropped: browsers' streams are ended (each
                # stream checks ``listening``) and, once they are back, re-fetch their pages.
                self._ready.clear()
                time.sleep(self.RECONNECT_SECONDS)
            except Exception:
                self._ready.clear()
                log.exception("Live updates lost their Redis subscription; reconnecting")
                time.sleep(self.RECONNECT_SECONDS)
            finally:
                with contextlib.suppress(Exception):
                    pubsub.close()  # its connection, which the next try does not reuse


@cache
def broker() -> LocalBroker:
    if settings.REDIS_URL:
        return RedisBroker(settings.REDIS_URL, settings.FRONTDESK_REDIS_PREFIX)
    return LocalBroker()
