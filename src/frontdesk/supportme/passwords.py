"""Hashing the passwords SupportMe stored in plain text, before the import's transaction."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from django.contrib.auth.hashers import get_hasher, make_password

from frontdesk.core.bulk import progress


def passwords_hash(passwords: dict[int, str | None], *, show_progress: bool) -> dict[int, str]:
    """Hash SupportMe's plaintext passwords with the configured hasher, several at a time.

    Threads, not processes: argon2-cffi and hashlib's PBKDF2 release the GIL, so threads use
    every core just the same (measured), without process start-up, pickling, or the
    ``if __name__ == "__main__"`` guard that spawned processes need from whoever calls us.
    An empty password becomes unusable: nobody can sign in with it.
    """
    hasher = get_hasher("default")
    usable = {old_id: password for old_id, password in passwords.items() if password}
    hashes = {old_id: make_password(None) for old_id in passwords if old_id not in usable}
    if not usable:
        return hashes
    workers = min(len(usable), os.cpu_count() or 1)
    with (
        ThreadPoolExecutor(max_workers=workers) as pool,
        progress(len(usable), "Hashing passwords", "user", show=show_progress) as bar,
    ):
        hashed = pool.map(partial(make_password, hasher=hasher), usable.values())
        for old_id, encoded in zip(usable, hashed, strict=True):
            hashes[old_id] = encoded
            bar.update()
    return hashes
