"""SQLite writers wait their turn in order (frontdesk/core/sqlite), never in SQLite's busy
handler: threads of one process in order of arrival, processes through a file lock."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import close_old_connections, connection, transaction

from frontdesk.core.sqlite.base import is_write
from frontdesk.core.sqlite.writers import TurnTimeout, WriterTurns, writer_turns
from frontdesk.tickets.models import Tag

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the writer queue is SQLite's (PostgreSQL has row locks)"
)


def _wait_until(condition: object, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_threads_get_their_turns_in_the_order_they_asked(tmp_path: Path) -> None:
    turns = WriterTurns(tmp_path / "db-writers.lock")
    turns.take(timeout=5)
    served: list[int] = []

    def writer(n: int) -> None:
        turns.take(timeout=10)
        served.append(n)
        turns.give_back()

    threads = []
    for n in range(8):
        thread = threading.Thread(target=writer, args=(n,))
        thread.start()
        threads.append(thread)
        _wait_until(lambda n=n: len(turns._waiting) == n + 1)  # queued before the next asks
    turns.give_back()
    for thread in threads:
        thread.join(10)
    assert served == list(range(8))


def test_a_writer_that_waited_too_long_leaves_the_queue_and_the_next_one_still_gets_in(
    tmp_path: Path,
) -> None:
    turns = WriterTurns(tmp_path / "db-writers.lock")
    turns.take(timeout=5)
    with pytest.raises(TurnTimeout):
        turns.take(timeout=0.05)
    assert len(turns._waiting) == 0
    turns.give_back()
    turns.take(timeout=0.05)  # free again: nobody left holding it
    turns.give_back()


HOLDER = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()
"""


def test_a_writer_waits_while_another_process_holds_the_turn(tmp_path: Path) -> None:
    lock_path = tmp_path / "db-writers.lock"
    other = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(lock_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "held"
        turns = WriterTurns(lock_path)
        got_in = threading.Event()

        def writer() -> None:
            turns.take(timeout=10)
            got_in.set()
            turns.give_back()

        thread = threading.Thread(target=writer)
        thread.start()
        assert not got_in.wait(0.3)
        other.communicate("", timeout=10)  # the other process finishes: its lock goes
        assert got_in.wait(10)
        thread.join(10)
    finally:
        other.kill()


def test_one_queue_per_database_file_in_a_process(tmp_path: Path) -> None:
    first = writer_turns(str(tmp_path / "a.sqlite3"), in_memory=False)
    assert writer_turns(str(tmp_path / "a.sqlite3"), in_memory=False) is first
    assert writer_turns(str(tmp_path / "b.sqlite3"), in_memory=False) is not first


@pytest.mark.parametrize(
    ("query", "writes"),
    [
        ("INSERT INTO t VALUES (1)", True),
        ("  update t SET a = 1", True),
        ("DELETE FROM t", True),
        ("SELECT * FROM t", False),
        ("BEGIN IMMEDIATE", False),
        ("", False),
    ],
)
def test_write_statements_are_told_from_reads(query: str, writes: bool) -> None:
    assert is_write(query) is writes


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_meet_sqlites_busy_handler() -> None:
    """Every connection is told to give up at once if it finds the write lock taken (busy
    timeout 0): without the queue, concurrent write transactions fail with 'database is
    locked'; with it, every one of them gets in."""
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def writer(n: int) -> None:
        try:
            connection.ensure_connection()
            connection.connection.execute("PRAGMA busy_timeout = 0")
            start.wait()
            for i in range(15):
                with transaction.atomic():
                    Tag.objects.create(name=f"Writer {n} row {i}")
                Tag.objects.filter(name=f"Writer {n} row {i}").update(name=f"W{n}-{i}")
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert (
        Tag.objects.filter(name__startswith="W").exclude(name__startswith="Writer").count() == 120
    )


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_the_turn_is_given_back_when_a_transaction_fails() -> None:
    def failing_use_case() -> None:
        with transaction.atomic():
            Tag.objects.create(name="Rolled back")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        failing_use_case()
    assert connection._turn_held is None  # type: ignore[attr-defined]
    done = threading.Event()

    def other_writer() -> None:
        try:
            with transaction.atomic():
                Tag.objects.create(name="After the rollback")
            done.set()
        finally:
            connection.close()

    thread = threading.Thread(target=other_writer)
    thread.start()
    thread.join(10)
    assert done.is_set()
