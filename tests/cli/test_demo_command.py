"""``frontdesk demo`` as a new user runs it first: a real process on a fresh data dir."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.cli.commands import frontdesk_on_sqlite


def test_demo_fills_a_fresh_data_directory(tmp_path: Path) -> None:
    data = tmp_path / "data"
    done = frontdesk_on_sqlite(data, "demo", "--tickets", "12", "--verbosity", "0")
    assert done.returncode == 0, done.stderr
    database = data / "frontdesk.sqlite3"
    with sqlite3.connect(database) as db:
        (tickets,) = db.execute("SELECT count(*) FROM tickets_ticket").fetchone()
    assert tickets == 12


def test_demo_counts_the_reports_aggregates(tmp_path: Path) -> None:
    data = tmp_path / "data"
    done = frontdesk_on_sqlite(data, "demo", "--tickets", "12", "--verbosity", "0")
    assert done.returncode == 0, done.stderr
    assert "Reports: counted" in done.stdout
    with sqlite3.connect(data / "frontdesk.sqlite3") as db:
        (opened,) = db.execute(
            "SELECT sum(created) FROM reports_daytally WHERE dimension = '' AND span = 1"
        ).fetchone()
        (states,) = db.execute("SELECT count(*) FROM reports_aggregatestate").fetchone()
    assert (opened, states) == (12, 1)
