"""Fan-out of live events to the browsers connected to this process.

The embedded profile runs one process, so an in-memory broker is the whole story: publish()
hands each event to every subscriber's queue. Several processes need a shared broker (Redis
pub/sub) behind the same two calls; see docs/decisions.md.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

Event = dict[str, Any]


@dataclass(eq=False)
class Subscription:
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


class LocalBroker:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscriptions: set[Subscription] = set()

    def subscribe(self, channels: Iterable[str]) -> Subscription:
        subscription = Subscription(frozenset(channels), self)
        with self._lock:
            self._subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscriptions.discard(subscription)

    def publish(self, channel: str, event: Event) -> None:
        with self._lock:
            listeners = [s for s in self._subscriptions if channel in s.channels]
        for subscription in listeners:
            subscription.deliver({**event, "channel": channel})

    @property
    def listener_count(self) -> int:
        with self._lock:
            return len(self._subscriptions)


_broker = LocalBroker()


def broker() -> LocalBroker:
    return _broker
