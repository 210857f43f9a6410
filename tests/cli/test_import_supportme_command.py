"""``frontdesk import-supportme`` as a new user runs it first: a real process on a fresh data
dir, before any ``frontdesk migrate``."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from frontdesk.supportme.schema import SEED_SCHEMA
from tests.cli.commands import frontdesk_on_sqlite


def test_import_fills_a_fresh_data_directory(tmp_path: Path) -> None:
    source = tmp_path / "data.db"
    with sqlite3.connect(source) as supportme:
        supportme.executescript(SEED_SCHEMA)
        supportme.execute(
            "INSERT INTO User (username, password, createdAt, accountType, profileIcon, email)"
            " VALUES ('John', '', 1678958929, 1, '/profile-icons/red.png', 'john@lavabit.com')"
        )
        supportme.execute(
            "INSERT INTO Ticket (customerID, assistantID, openedAt, closedAt, title)"
            " VALUES (1, -1, 1678958929, -1, 'The fans are not working')"
        )
        supportme.execute(
            "INSERT INTO Message (ticketID, authorID, body, sentAt)"
            " VALUES (1, 1, 'The fans in studio 1 are off.', 1678958929)"
        )
    data = tmp_path / "frontdesk"
    done = frontdesk_on_sqlite(data, "import-supportme", str(source), "-v", "0")
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(data / "frontdesk.sqlite3") as db:
        (title,) = db.execute("SELECT title FROM tickets_ticket").fetchone()
        (found,) = db.execute(
            "SELECT count(*) FROM tickets_message_fts WHERE tickets_message_fts MATCH 'fans'"
        ).fetchone()
    assert title == "The fans are not working"
    assert found == 1
