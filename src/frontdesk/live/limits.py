"""How many live streams may be open at once: per user and per client address (counted in
the cache, so across processes once REDIS_URL is set), and per WSGI process (in memory), so
that open pages never take the threads that pages and APIs need.

Each open stream holds a *lease*: a cache key (per user, per address) and a slot in this
process, each expiring on its own a little after the longest a stream lives, so a process
that dies without closing its streams frees them anyway. Over a cap the stream is refused
with RateLimited (429): the page then polls the ordinary fragment endpoints instead.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_noop

from frontdesk.core import metrics
from frontdesk.core.errors import RateLimited

KEY_PREFIX = "frontdesk:live-stream"
# Threads of a WSGI process that streams never take (fewer on a very small server).
RESERVED_THREADS = 4
RETRY_AFTER = 60
TOO_MANY_STREAMS = gettext_noop(
    "Too many live updates are open; this page checks for changes every little while instead."
)

_lock = threading.Lock()
_process_slots: dict[str, float] = {}  # lease token -> when it expires (time.monotonic)


def lease_seconds() -> int:
    """A little longer than a stream can live, so a lease outlives its stream."""
    stream = int(settings.FRONTDESK_LIVE_STREAM_SECONDS)
    return stream + int(settings.FRONTDESK_LIVE_HEARTBEAT_SECONDS) + 30


def wsgi_stream_cap() -> int:
    """Streams one process may serve on WSGI threads (0: no cap), which happens only when
    frontdesk.wsgi runs under another WSGI server (``frontdesk serve`` streams on its event
    loop). FRONTDESK_LIVE_STREAMS_PER_PROCESS when set; else, when the deployment names the
    server's thread count in FRONTDESK_WSGI_THREADS, the threads less RESERVED_THREADS."""
    explicit = int(settings.FRONTDESK_LIVE_STREAMS_PER_PROCESS)
    if explicit > 0:
        return explicit
    threads = os.environ.get("FRONTDESK_WSGI_THREADS", "")
    if not threads.isdigit() or int(threads) < 1:
        return 0
    total = int(threads)
    return max(1, total - min(RESERVED_THREADS, total // 2))


@dataclass
class StreamLease:
    """What one open stream holds; ``release`` (idempotent) gives it back."""

    keys: list[str] = field(default_factory=list)
    process_token: str = ""
    released: bool = False
    counted: bool = False  # in the metrics' open streams

    def release(self) -> None:
        if self.released:
            return
        self.released = True
        if self.counted:
            metrics.live_stream_closed()
        if self.keys:
            cache.delete_many(self.keys)
        if self.process_token:
            with _lock:
                _process_slots.pop(self.process_token, None)


def _identity_key(kind: str, identity: str, slot: int) -> str:
    digest = hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"{KEY_PREFIX}:{kind}:{digest}:{slot}"


def _take_cache_slot(kind: str, identity: str | None, cap: int, lease: int) -> str | None:
    """The key of a free slot now taken, "" when not limited, None when every slot is taken."""
    if identity is None or cap <= 0:
        return ""
    for slot in range(cap):
        key = _identity_key(kind, identity, slot)
        if cache.add(key, 1, lease):  # atomic: one stream per slot
            return key
    return None


def _take_process_slot(cap: int, lease: int) -> str | None:
    if cap <= 0:
        return ""
    moment = time.monotonic()
    with _lock:
        for token, expires in list(_process_slots.items()):
            if expires <= moment:
                del _process_slots[token]
        if len(_process_slots) >= cap:
            return None
        token = secrets.token_hex(8)
        _process_slots[token] = moment + lease
        return token


def stream_lease_take(*, user_id: int, ip: str | None, wsgi: bool) -> StreamLease:
    """A lease for one more stream of ``user_id`` from ``ip`` (on a WSGI thread when
    ``wsgi``), or RateLimited when a cap is reached (nothing is then held)."""
    lease_for = lease_seconds()
    lease = StreamLease()
    checks = (
        ("user", str(user_id), int(settings.FRONTDESK_LIVE_STREAMS_PER_USER)),
        ("ip", ip, int(settings.FRONTDESK_LIVE_STREAMS_PER_IP)),
    )
    for kind, identity, cap in checks:
        key = _take_cache_slot(kind, identity, cap, lease_for)
        if key is None:
            lease.release()
            raise RateLimited(TOO_MANY_STREAMS, retry_after=RETRY_AFTER)
        if key:
            lease.keys.append(key)
    if wsgi:
        token = _take_process_slot(wsgi_stream_cap(), lease_for)
        if token is None:
            lease.release()
            raise RateLimited(TOO_MANY_STREAMS, retry_after=RETRY_AFTER)
        lease.process_token = token
    lease.counted = True
    metrics.live_stream_opened()
    return lease


def process_streams_open() -> int:
    """Streams this process serves now (for tests and diagnostics)."""
    moment = time.monotonic()
    with _lock:
        return sum(1 for expires in _process_slots.values() if expires > moment)
