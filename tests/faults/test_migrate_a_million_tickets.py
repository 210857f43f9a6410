"""An upgrade of a big PostgreSQL desk while it is in use: a million tickets, a migration
written by the rule (docs/decisions.md, "Big tables change without long locks";
tests/migration_locks.py's example: a nullable column and an index built CONCURRENTLY) applied
by a real process, while a reader and a writer keep working. Both run with
``lock_timeout = '2s'``: none of their statements may wait that long for a lock. Migration
0006 (a stored generated column on this table) held every reader for the whole rewrite.

It makes its own PostgreSQL database, whatever database the rest of the suite uses."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

POSTGRES = os.environ.get("FRONTDESK_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
TICKETS = 1_000_000
ROOT = Path(__file__).resolve().parents[2]

FILL = """
INSERT INTO tickets_ticket (title, status, priority, category, channel, created_at, updated_at,
    last_activity_at, created_by_id, requester_id, resolution, resolution_public)
SELECT 'Ticket ' || g
        || (ARRAY[' heating broken', ' door stuck', ' wifi down', ' tap leaks'])[1 + g %% 4],
    (ARRAY['new', 'open', 'pending', 'resolved', 'closed'])[1 + g %% 5],
    (ARRAY['low', 'medium', 'high', 'urgent'])[1 + g %% 4], 'general', 'web',
    now() - g * interval '1 minute', now(), now(), 0, 0, '', true
FROM generate_series(1, %s) g
"""
# Applied by a process of its own, as `frontdesk migrate` would apply it.
APPLY_EXAMPLE = """
import django
django.setup()
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from tests.migration_locks import example_migration
state = MigrationLoader(connection).project_state()
with connection.schema_editor(atomic=False) as editor:
    example_migration().apply(state, editor)
"""


@pytest.fixture
def million_tickets(tmp_path: Path) -> Iterator[str]:
    """The URL of a migrated database holding a million tickets (by the System user)."""
    database = f"fd_faults_million_{uuid.uuid4().hex[:12]}"
    url = POSTGRES.rsplit("/", 1)[0] + "/" + database
    with psycopg.connect(POSTGRES, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
    try:
        env = {**os.environ, "DATABASE_URL": url, "FRONTDESK_DATA_DIR": str(tmp_path / "data")}
        subprocess.run(
            [sys.executable, "-m", "frontdesk.cli", "migrate", "-v0"], env=env, check=True
        )
        with psycopg.connect(url, autocommit=True) as desk:
            # Fast: rows first, then the indexes, and the foreign keys (all to the System
            # user, who exists) not checked row by row.
            indexes = [
                row[0]
                for row in desk.execute(
                    "SELECT indexname FROM pg_indexes WHERE tablename = 'tickets_ticket' "
                    "AND indexname <> 'tickets_ticket_pkey'"
                )
            ]
            definitions = [
                str(desk.execute("SELECT pg_get_indexdef(%s::regclass)", [name]).fetchone()[0])  # type: ignore[index]
                for name in indexes
            ]
            for name in indexes:
                desk.execute(f'DROP INDEX "{name}"')
            desk.execute("SET session_replication_role = replica")
            desk.execute(FILL, [TICKETS])  # type: ignore[arg-type]
            desk.execute("SET session_replication_role = DEFAULT")
            desk.execute("SET maintenance_work_mem = '128MB'")
            for definition in definitions:
                desk.execute(definition)  # type: ignore[arg-type]
            desk.execute("ANALYZE tickets_ticket")
        yield url
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@dataclass
class Client:
    """A reader or a writer of the desk, in a loop until told to stop."""

    url: str
    statements: list[str]
    done: int = 0
    done_while_migrating: int = 0
    lock_waits: list[str] = field(default_factory=list)
    longest: float = 0.0  # seconds, the slowest statement (for the report, not asserted)
    migrating: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as desk:
            desk.execute("SET lock_timeout = '2s'")
            while not self.stop.is_set():
                statement = random.choice(self.statements)
                started = time.monotonic()
                try:
                    desk.execute(statement, [random.randint(1, TICKETS)])  # type: ignore[arg-type]
                except psycopg.errors.LockNotAvailable as exc:
                    self.lock_waits.append(str(exc))
                self.longest = max(self.longest, time.monotonic() - started)
                self.done += 1
                self.done_while_migrating += self.migrating.is_set()


def test_a_migration_by_the_rule_keeps_a_million_ticket_desk_open(million_tickets: str) -> None:
    reader = Client(
        million_tickets,
        [
            "SELECT id, title, status FROM tickets_ticket WHERE id = %s",
            "SELECT id, title FROM tickets_ticket WHERE status = 'open' AND id > %s "
            "ORDER BY created_at DESC, id DESC LIMIT 25",
        ],
    )
    writer = Client(
        million_tickets, ["UPDATE tickets_ticket SET last_activity_at = now() WHERE id = %s"]
    )
    threads = [threading.Thread(target=client.run) for client in (reader, writer)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1)
        for client in (reader, writer):
            client.migrating.set()
        started = time.monotonic()
        migrated = subprocess.run(
            [sys.executable, "-c", APPLY_EXAMPLE],
            env={**os.environ, "DATABASE_URL": million_tickets, "DATABASE_POOL": "0"},
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        took = time.monotonic() - started
        for client in (reader, writer):
            client.migrating.clear()
        time.sleep(0.5)
    finally:
        for client in (reader, writer):
            client.stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert migrated.returncode == 0, migrated.stderr
    report = (
        f"migrated in {took:.1f} s; reads {reader.done} (slowest {reader.longest:.2f} s), "
        f"writes {writer.done} (slowest {writer.longest:.2f} s)"
    )
    print(report)  # shown with -rP
    assert reader.lock_waits == [] and writer.lock_waits == [], report
    assert reader.done_while_migrating > 0 and writer.done_while_migrating > 0, report
    with psycopg.connect(million_tickets) as desk:
        valid = desk.execute(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = 'example_priority_idx'::regclass"
        ).fetchone()
        column = desk.execute(
            "SELECT count(*) FROM information_schema.columns "
            "WHERE table_name = 'tickets_ticket' AND column_name = 'first_seen_at'"
        ).fetchone()
    assert valid == (True,) and column == (1,)
