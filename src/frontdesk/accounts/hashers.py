"""Argon2id at the OWASP minimum (m=19 MiB, t=2, p=1).

Django's default Argon2 parameters (m=100 MiB, p=8) cost several times more per login on a small
server without a matching gain against offline attacks; OWASP's Password Storage Cheat Sheet
lists m=19456 KiB, t=2, p=1 as an accepted Argon2id configuration. Hashes made with other
parameters are upgraded on the next successful login (Django's must_update).

Hashes run on a small pool of threads, one per core, not on the request's own thread. Each
hash keeps a core busy, so more at once finish no sooner; and each takes 19 MiB from the
calling thread's malloc arena, which keeps it afterwards: spread over a server's many request
threads that grew a web process to 380 MB under 32 simultaneous sign-ins (bench/README.md,
"Memory"); on two pool threads it stays near 40 MB.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

from django.contrib.auth.hashers import Argon2PasswordHasher

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):  # the cores this process may run on (Linux)
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _hashing_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=_cores(), thread_name_prefix="argon2")
        return _pool


def _forget_pool() -> None:
    """A forked child has none of its parent's threads: it starts a pool of its own."""
    global _pool, _pool_lock
    _pool, _pool_lock = None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


class Argon2idHasher(Argon2PasswordHasher):
    algorithm = "argon2"
    time_cost = 2
    memory_cost = 19456
    parallelism = 1

    def encode(self, password: str, salt: str) -> str:
        return _hashing_pool().submit(super().encode, password, salt).result()

    def verify(self, password: str, encoded: str) -> bool:
        return _hashing_pool().submit(super().verify, password, encoded).result()
