"""Live streams leak nothing: a real ``frontdesk serve`` opens and closes streams in cycles,
and its web worker's open files, threads and database connections come back to where they
were, its memory grows by no more than RSS_GROWTH over the cycles, and it stays under the
150 MB budget. Measured before the fix: 793 SQLite connections leaked over four cycles of 200
streams and a worker grew from 87 to 254 MB. At rest after the streams a worker weighs about
121 MB (bench/memory.py; bench/README.md, "Memory"), so the budget leaves ~29 MB of room."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.cli.test_serve import free_port
from tests.cli.test_serve_streams import sign_in

POSTGRES = os.environ.get("FRONTDESK_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
CYCLES = 4
STREAMS = 50
RSS_GROWTH = 16 * 1024 * 1024  # 50 leaked streams a cycle would pass it by the second
RSS_BUDGET = 150 * 1024 * 1024  # bench/README.md's budget per web process
# A little slack for what a process allocates lazily (a pool's connection, a logging handler).
SLACK = {"open files": 6, "threads": 2, "database connections": 1}


@dataclass
class Served:
    port: int
    data: Path
    worker: int  # the web worker's pid: serve's one child with --no-worker
    connections: Callable[[], int]


def _wait_until_up(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=1)
            return
        except OSError:
            assert process.poll() is None, "serve died while starting"
            time.sleep(0.2)
    pytest.fail("serve did not answer within 60 s")


def _sqlite_connections(worker: int, database: Path) -> Callable[[], int]:
    """Open files of the worker on the database (each connection: the file, -wal and -shm)."""

    def count() -> int:
        found = 0
        for fd in os.listdir(f"/proc/{worker}/fd"):
            try:
                target = os.readlink(f"/proc/{worker}/fd/{fd}")
            except OSError:
                continue  # closed meanwhile
            found += target == str(database)
        return found

    return count


def _postgres_connections(worker: int, database: str) -> Callable[[], int]:
    def count() -> int:
        with psycopg.connect(POSTGRES, autocommit=True) as admin:
            row = admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> "
                "pg_backend_pid()",
                [database],
            ).fetchone()
        assert row is not None
        return int(row[0])

    return count


@pytest.fixture(params=["sqlite", "postgresql"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    port = free_port()
    data = tmp_path / "data"
    env = {
        **os.environ,
        "FRONTDESK_DATA_DIR": str(data),
        # One user, one address, many pages: the per-user and per-address caps are off.
        "FRONTDESK_LIVE_STREAMS_PER_USER": "0",
        "FRONTDESK_LIVE_STREAMS_PER_IP": "0",
        "FRONTDESK_LIVE_HEARTBEAT_SECONDS": "1",  # the streams' periodic checks run too
    }
    env.pop("REDIS_URL", None)
    database = ""
    if request.param == "postgresql":
        database = f"fd_faults_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(POSTGRES, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{database}"')
        env["DATABASE_URL"] = POSTGRES.rsplit("/", 1)[0] + "/" + database
    else:
        env.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "frontdesk.cli", "serve", "--port", str(port), "--no-worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_up(port, process)
        children = subprocess.run(
            ["pgrep", "-P", str(process.pid)], capture_output=True, text=True, check=True
        ).stdout.split()
        assert len(children) == 1, children
        worker = int(children[0])
        connections = (
            _postgres_connections(worker, database)
            if database
            else _sqlite_connections(worker, data / "frontdesk.sqlite3")
        )
        yield Served(port, data, worker, connections)
    finally:
        process.terminate()
        process.wait(timeout=20)
        if database:
            with psycopg.connect(POSTGRES, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _resources(served: Served) -> dict[str, int]:
    status = dict(
        line.split(":", 1)
        for line in Path(f"/proc/{served.worker}/status").read_text().splitlines()
    )
    return {
        "open files": len(os.listdir(f"/proc/{served.worker}/fd")),
        "threads": int(status["Threads"]),
        "database connections": served.connections(),
        "rss": int(status["VmRSS"].split()[0]) * 1024,
    }


def _cycle(served: Served, cookies: str) -> dict[str, int]:
    """Open STREAMS streams, let them beat once, close them; what was in use meanwhile."""
    streams = []
    for _ in range(STREAMS):
        stream = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
        stream.request("GET", "/live/events", headers={"Cookie": cookies})
        response = stream.getresponse()
        assert response.status == 200
        response.fp.readline()  # the first frame: the stream is being served
        streams.append(stream)
    time.sleep(1.5)  # a heartbeat: each stream checks its session
    in_use = _resources(served)
    for stream in streams:
        stream.close()
    return in_use


def _settled(served: Served, baseline: dict[str, int]) -> dict[str, int]:
    """The worker's resources once the closed streams are gone (give it a few seconds)."""
    deadline = time.monotonic() + 10
    while True:
        now = _resources(served)
        if all(now[name] <= baseline[name] + slack for name, slack in SLACK.items()):
            return now
        if time.monotonic() > deadline:
            return now
        time.sleep(0.25)


def test_streams_opened_and_closed_in_cycles_leave_nothing_behind(served: Served) -> None:
    cookies = sign_in(served.port, served.data)
    _settled(served, _resources(served))
    _cycle(served, cookies)  # the first streams import and allocate what every later one uses
    time.sleep(2)
    baseline = _resources(served)
    for cycle in range(CYCLES):
        in_use = _cycle(served, cookies)
        # Open streams hold no database connection each (given back before streaming).
        assert in_use["database connections"] <= baseline["database connections"] + 1, cycle
        assert in_use["rss"] < baseline["rss"] + RSS_GROWTH, (cycle, baseline, in_use)
        assert in_use["rss"] < RSS_BUDGET, (cycle, in_use)
        after = _settled(served, baseline)
        for name, slack in SLACK.items():
            assert after[name] <= baseline[name] + slack, (cycle, name, baseline, after)
        assert after["rss"] < baseline["rss"] + RSS_GROWTH, (cycle, baseline, after)
        assert after["rss"] < RSS_BUDGET, (cycle, after)
