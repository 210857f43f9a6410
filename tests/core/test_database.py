"""The embedded database profile: durable, concurrent-writer-friendly SQLite."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper

from frontdesk.settings import _database_from_url
from frontdesk.tickets.models import Status, Ticket


def test_sqlite_profile_is_wal_full_sync_immediate(tmp_path: Path, django_db_blocker: Any) -> None:
    config = _database_from_url(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    defaults = {
        "TIME_ZONE": None,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "AUTOCOMMIT": True,
        "ATOMIC_REQUESTS": False,
    }
    wrapper = DatabaseWrapper({**defaults, **config})
    with django_db_blocker.unblock():
        wrapper.connect()
    try:
        cursor = wrapper.connection.cursor()
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cursor.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert cursor.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert wrapper.transaction_mode == "IMMEDIATE"
        assert config["ENGINE"] == "frontdesk.core.sqlite"  # writers take turns in order
        assert config["OPTIONS"]["timeout"] >= 5
    finally:
        wrapper.close()


def test_sqlite_connections_are_persistent_and_checked(tmp_path: Path) -> None:
    sqlite = _database_from_url(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert sqlite["CONN_MAX_AGE"] > 0 and sqlite["CONN_HEALTH_CHECKS"] is True


def test_postgresql_connections_come_from_a_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_POOL_MAX", "7")
    postgres = _database_from_url("postgres://frontdesk@db.internal:5432/frontdesk")
    assert postgres["ENGINE"] == "frontdesk.core.postgresql"  # Django's, statements prepared
    assert postgres["OPTIONS"]["pool"]["max_size"] == 7
    # Django refuses persistent connections beside a pool: the pool keeps them.
    assert postgres["CONN_MAX_AGE"] == 0


def test_postgresql_pool_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_POOL", "false")
    postgres = _database_from_url("postgres://frontdesk@db.internal:5432/frontdesk")
    assert "pool" not in postgres.get("OPTIONS", {})
    assert postgres["CONN_MAX_AGE"] > 0 and postgres["CONN_HEALTH_CHECKS"] is True


def test_postgresql_binds_values_apart_and_prepares(monkeypatch: pytest.MonkeyPatch) -> None:
    postgres = _database_from_url("postgres://frontdesk@db.internal:5432/frontdesk")
    assert postgres["OPTIONS"]["server_side_binding"] is True
    assert postgres["OPTIONS"]["prepare_threshold"] == 5
    assert postgres["OPTIONS"]["pool"]["max_size"] > 0  # beside the pool, not instead
    monkeypatch.setenv("DATABASE_PREPARE", "false")  # for a pooler that cannot keep them
    plain = _database_from_url("postgres://frontdesk@db.internal:5432/frontdesk")
    assert plain["ENGINE"] == "django.db.backends.postgresql"
    assert "server_side_binding" not in plain["OPTIONS"]
    assert "prepare_threshold" not in plain["OPTIONS"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
@pytest.mark.django_db
def test_a_read_run_again_on_a_connection_is_planned_once_and_kept() -> None:
    """The same read, six times on one connection with different values: from the sixth on it
    runs as a statement prepared on the server, not planned again from its text."""
    for status in [*Status.values, Status.OPEN]:
        list(Ticket.objects.filter(status=status).values_list("pk"))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements WHERE statement = %s",
            [
                'SELECT "tickets_ticket"."id" AS "pk" FROM "tickets_ticket"'
                ' WHERE "tickets_ticket"."status" = $1'
            ],  # the value sent apart
        )
        prepared = cursor.fetchall()
    assert len(prepared) == 1
    assert prepared[0][0] >= 1  # run as the prepared statement


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
@pytest.mark.django_db
def test_small_and_large_ids_make_one_statement_to_prepare() -> None:
    """psycopg would send 7 as int2 and 70,000 as int4, two statements counted apart: a page
    of ids from both sides of 32,768 would seldom run the same statement twice."""
    for pk in (7, 70_000, 8, 80_000, 9, 90_000, 10):
        list(Ticket.objects.filter(pk=pk).values_list("pk"))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT parameter_types::text FROM pg_prepared_statements WHERE statement = %s",
            [
                'SELECT "tickets_ticket"."id" AS "pk" FROM "tickets_ticket"'
                ' WHERE "tickets_ticket"."id" = $1'
            ],
        )
        assert cursor.fetchall() == [("{integer}",)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's loaders")
@pytest.mark.django_db
def test_times_are_read_as_djangos_loader_reads_them_parsed_in_c() -> None:
    """Every time read, as the datetime Django's own loader makes (in Django's zone), whatever
    the session's zone says; parsed by psycopg's loader in C, not by Django's subclass of the
    one in Python (11.6 µs a value against under 1)."""
    from django.db.backends.postgresql.psycopg_any import BaseTzLoader  # type: ignore[import-untyped]

    from frontdesk.core.postgresql.base import TIMESTAMPTZ_OID, TimestamptzLoader

    texts = [
        "2026-12-05 03:58:41.123456+00",
        "2026-03-29 01:30:00+00",
        "1970-01-01 00:00:00+00",
        "0001-01-01 00:00:00+00",
        "9999-12-31 00:00:00+00",  # the sort key of no due date (tickets/paging.py)
        "2026-07-01 12:00:00.5+02",
        "2026-01-01 00:00:00-09:30",
    ]
    with connection.cursor() as cursor:
        loader = cursor.connection.adapters.get_loader(TIMESTAMPTZ_OID, 0)
        assert loader is not None and issubclass(loader, TimestamptzLoader)
        assert loader.timezone == connection.timezone
        for zone in ("UTC", "Asia/Kolkata"):
            cursor.execute("SELECT set_config('TimeZone', %s, false)", [zone])
            cursor.execute("SELECT t::timestamptz::text FROM unnest(%s::text[]) AS t", [texts])
            shown = [text for (text,) in cursor.fetchall()]
            ours = loader(TIMESTAMPTZ_OID, cursor.connection)
            djangos = type("Djangos", (BaseTzLoader,), {"timezone": connection.timezone})(
                TIMESTAMPTZ_OID, cursor.connection
            )
            for text in shown:
                mine, theirs = ours.load(text.encode()), djangos.load(text.encode())
                assert (mine, mine.tzinfo) == (theirs, theirs.tzinfo), text
        cursor.execute("SELECT set_config('TimeZone', 'UTC', false)")
        cursor.execute("SELECT %s::timestamptz", ["2026-12-05 04:00:00.25+00"])
        (read,) = cursor.fetchone()
    assert read == datetime(2026, 12, 5, 4, 0, 0, 250000, tzinfo=UTC)
    assert read.tzinfo is connection.timezone
