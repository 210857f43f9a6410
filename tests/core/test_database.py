"""The embedded database profile: durable, concurrent-writer-friendly SQLite."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db.backends.sqlite3.base import DatabaseWrapper

from frontdesk.settings import _database_from_url


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
        assert config["OPTIONS"]["timeout"] >= 5
    finally:
        wrapper.close()


def test_connections_are_persistent_and_checked(tmp_path: Path) -> None:
    postgres = _database_from_url("postgres://frontdesk@db.internal:5432/frontdesk")
    sqlite = _database_from_url(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert postgres["ENGINE"] == "django.db.backends.postgresql"
    for config in (postgres, sqlite):
        assert config["CONN_MAX_AGE"] > 0 and config["CONN_HEALTH_CHECKS"] is True
