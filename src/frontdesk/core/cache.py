"""Django's Redis cache, with this process's memory standing in while Redis is away.

Everything Frontdesk keeps in the cache can be lost: rate-limit windows, presence, cached desk
counts, live-stream leases. So while Redis does not answer (core/breaker.py), each call goes
to a local-memory cache instead: a read of something stored before the outage is a miss, and
limits count per process, as in the one-process profile. That memory is emptied when the next
incident begins, so counts kept during one outage are never read in another.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

from frontdesk.core.breaker import RedisUnavailable, redis_breaker

T = TypeVar("T")
LOCAL_MAX_ENTRIES = 50_000


class ResilientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        local = {k: v for k, v in params.items() if k in {"TIMEOUT", "KEY_PREFIX", "VERSION"}}
        # Room for every rate-limit window and presence entry of a busy desk: LocMemCache's
        # default of 300 would drop a third of them at random once full.
        local["OPTIONS"] = {"MAX_ENTRIES": LOCAL_MAX_ENTRIES}
        self._local = LocMemCache(f"frontdesk-redis-stand-in-{id(self)}", local)
        self._local_incident = -1

    def _either(self, remote: Callable[[], T], local: Callable[[LocMemCache], T]) -> T:
        try:
            with redis_breaker.call():
                return remote()
        except RedisUnavailable:
            if self._local_incident != redis_breaker.incident:
                self._local.clear()
                self._local_incident = redis_breaker.incident
            return local(self._local)

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> Any:
        return self._either(
            lambda: super(ResilientRedisCache, self).add(key, value, timeout, version),
            lambda c: c.add(key, value, timeout, version),
        )

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._either(
            lambda: super(ResilientRedisCache, self).get(key, default, version),
            lambda c: c.get(key, default, version),
        )

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        self._either(
            lambda: super(ResilientRedisCache, self).set(key, value, timeout, version),
            lambda c: c.set(key, value, timeout, version),
        )

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> Any:
        return self._either(
            lambda: super(ResilientRedisCache, self).touch(key, timeout, version),
            lambda c: c.touch(key, timeout, version),
        )

    def delete(self, key: Any, version: Any = None) -> Any:
        return self._either(
            lambda: super(ResilientRedisCache, self).delete(key, version),
            lambda c: c.delete(key, version),
        )

    def get_many(self, keys: Iterable[Any], version: Any = None) -> Any:
        keys = list(keys)
        return self._either(
            lambda: super(ResilientRedisCache, self).get_many(keys, version),
            lambda c: c.get_many(keys, version),
        )

    def has_key(self, key: Any, version: Any = None) -> Any:
        return self._either(
            lambda: super(ResilientRedisCache, self).has_key(key, version),
            lambda c: c.has_key(key, version),
        )

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> Any:
        return self._either(
            lambda: super(ResilientRedisCache, self).incr(key, delta, version),
            lambda c: c.incr(key, delta, version),
        )

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> Any:
        return self._either(
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version),
            lambda c: c.set_many(data, timeout, version),
        )

    def delete_many(self, keys: Any, version: Any = None) -> None:
        keys = list(keys)
        self._either(
            lambda: super(ResilientRedisCache, self).delete_many(keys, version),
            lambda c: c.delete_many(keys, version),
        )

    def clear(self) -> Any:
        self._local.clear()
        return self._either(lambda: super(ResilientRedisCache, self).clear(), lambda c: True)
