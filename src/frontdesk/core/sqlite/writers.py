"""Turns for SQLite's one writer: first come, first served, across threads and processes.

SQLite lets one connection write at a time. A connection that finds the write lock taken waits
in SQLite's busy handler, which sleeps (1, 2, 5 ... up to 100 ms) between tries and so wakes
neither in order nor when the lock frees: at 32 writers the slowest waited seconds while others
went in and out (bench/README.md, "Writes"). Here a writer first queues for its process's turn
(a FIFO of threads, each woken when the one before it is done), then takes an exclusive
``flock`` on a file beside the database, which the kernel hands to the next process the moment
it is released. Only the head of each process's queue waits on the file, so SQLite's lock is
free whenever a writer asks for it and its busy handler is only the backstop for writers
outside Frontdesk (the ``sqlite3`` shell, a backup tool).
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections import deque
from pathlib import Path


class TurnTimeout(Exception):
    """No turn came within the wait allowed (the database's ``timeout`` setting)."""


class WriterTurns:
    """The queue for one database file (``lock_path`` None: one process only, as in memory)."""

    def __init__(self, lock_path: Path | None) -> None:
        self._lock_path = lock_path
        self._mutex = threading.Lock()
        self._waiting: deque[threading.Event] = deque()
        self._taken = False
        self._fd: int | None = None
        self._fd_pid = 0

    def take(self, timeout: float) -> None:
        """Wait for this thread's turn, at most ``timeout`` seconds (then TurnTimeout)."""
        with self._mutex:
            if not self._taken:
                self._taken = True
                turn = None
            else:
                turn = threading.Event()
                self._waiting.append(turn)
        if turn is not None and not turn.wait(timeout):
            with self._mutex:
                if turn in self._waiting:  # else it was handed over just now: take it
                    self._waiting.remove(turn)
                    raise TurnTimeout
        try:
            self._lock_file()
        except BaseException:
            self._hand_on()
            raise

    def give_back(self) -> None:
        try:
            self._unlock_file()
        finally:
            self._hand_on()

    def _hand_on(self) -> None:
        with self._mutex:
            handed = bool(self._waiting)
            if handed:
                self._waiting.popleft().set()  # still taken: it passes to the next in line
            else:
                self._taken = False
        if handed:
            time.sleep(0)  # let the next writer have the interpreter now, not in 5 ms

    def _lock_file(self) -> None:
        if self._lock_path is None:
            return
        if self._fd is None or self._fd_pid != os.getpid():
            # A forked child must not share its parent's open file (and with it the lock).
            self._fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            self._fd_pid = os.getpid()
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def _unlock_file(self) -> None:
        if self._fd is not None and self._fd_pid == os.getpid():
            fcntl.flock(self._fd, fcntl.LOCK_UN)


_queues: dict[str, WriterTurns] = {}
_queues_mutex = threading.Lock()


def writer_turns(database: str, *, in_memory: bool) -> WriterTurns:
    """The one queue of this process for ``database`` (shared by all its connections)."""
    with _queues_mutex:
        queue = _queues.get(database)
        if queue is None:
            lock_path = None if in_memory else Path(f"{database}-writers.lock")
            queue = _queues[database] = WriterTurns(lock_path)
        return queue
