"""``frontdesk import-supportme`` as a new user runs it first: a real process on a fresh data
dir, before any ``frontdesk migrate``."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from frontdesk.supportme.schema import SEED_SCHEMA


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
    env = {**os.environ, "FRONTDESK_DATA_DIR": str(data)}
    env.pop("DATABASE_URL", None)  # the embedded default: SQLite in the data dir
    done = subprocess.run(
        [sys.executable, "-m", "frontdesk.cli", "import-supportme", str(source), "-v", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(data / "frontdesk.sqlite3") as db:
        (title,) = db.execute("SELECT title FROM tickets_ticket").fetchone()
        (found,) = db.execute(
            "SELECT count(*) FROM tickets_message_fts WHERE tickets_message_fts MATCH 'fans'"
        ).fetchone()
    assert title == "The fans are not working"
    assert found == 1
