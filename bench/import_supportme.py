"""How fast does ``frontdesk import-supportme`` bring over a large SupportMe data.db?

    .venv/bin/python bench/import_supportme.py [--tickets 100000] [--users 200]

Generates a SupportMe database with the seed's own CREATE TABLE statements (N tickets, five
messages each: the customer's question, the claim, the answer, a thank-you, the close),
imports it into a fresh Frontdesk in a temporary data directory (SQLite, or DATABASE_URL if
set), then imports it again to time the "nothing new" run. Password hashing is timed on its
own: it is deliberately slow and grows with users, not with tickets.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from frontdesk.supportme.schema import SEED_SCHEMA  # plain text: no Django set-up needed

START = 1_600_000_000  # September 2020
ICONS = ["blue", "green", "purple", "red"]


def generate(path: Path, *, tickets: int, users: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    assistants = max(1, users // 10)
    db = sqlite3.connect(path)
    db.executescript(SEED_SCHEMA)
    db.executemany(
        "INSERT INTO User (username, password, createdAt, accountType, profileIcon, email) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            (
                f"user{n}",
                f"password{n:04d}",
                START + n,
                2 if n <= assistants else 1,
                f"/profile-icons/{rng.choice(ICONS)}.png",
                f"user{n}@example.com",
            )
            for n in range(1, users + 1)
        ),
    )

    def ticket_rows() -> Iterator[tuple[Any, ...]]:
        for n in range(1, tickets + 1):
            customer = rng.randint(assistants + 1, users)
            claimed = rng.random() < 0.85
            assistant = rng.randint(1, assistants) if claimed else -1
            opened = START + n * 300
            closed = opened + 7200 if claimed and rng.random() < 0.7 else -1
            yield n, customer, assistant, opened, closed, f"Studio booking problem number {n}"

    db.executemany("INSERT INTO Ticket VALUES (?, ?, ?, ?, ?, ?)", ticket_rows())

    def message_rows() -> Iterator[tuple[Any, ...]]:
        for ticket_id, customer, assistant, opened, _, _ in db.execute(
            "SELECT * FROM Ticket ORDER BY ticketID"
        ).fetchall():
            helper = assistant if assistant != -1 else 0
            yield ticket_id, customer, "The heating in studio 2 is broken again.", opened
            yield ticket_id, 0, f"This ticket has been claimed by user{helper}.", opened + 60
            yield ticket_id, helper, "Thanks, an engineer is on the way.", opened + 120
            yield ticket_id, customer, "Great, thank you very much!", opened + 600
            yield ticket_id, 0, f"This ticket has been closed by user{customer}.", opened + 7200

    db.executemany(
        "INSERT INTO Message (ticketID, authorID, body, sentAt) VALUES (?, ?, ?, ?)",
        message_rows(),
    )
    db.commit()
    db.close()


def timed(function: Callable[..., Any], seconds: list[float]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            seconds.append(time.perf_counter() - started)

    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--data-dir", type=Path, help="default: a new temporary directory")
    options = parser.parse_args()

    data_dir = options.data_dir or Path(tempfile.mkdtemp(prefix="frontdesk-bench-"))
    os.environ["FRONTDESK_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from frontdesk.supportme import importer

    call_command("migrate", verbosity=0)
    source = data_dir / "supportme-data.db"
    source.unlink(missing_ok=True)
    started = time.perf_counter()
    generate(source, tickets=options.tickets, users=options.users)
    print(
        f"generated {options.tickets:,} tickets, {options.tickets * 5:,} messages, "
        f"{options.users} users in {time.perf_counter() - started:.1f} s ({source})"
    )

    hashing: list[float] = []
    importer.passwords_hash = timed(importer.passwords_hash, hashing)  # type: ignore[method-assign]
    for run in ("first import", "second import (nothing new)"):
        hashing.clear()
        started = time.perf_counter()
        report = importer.supportme_import(source, show_progress=sys.stderr.isatty())
        total = time.perf_counter() - started
        rows = report.imported.users + report.imported.tickets + report.imported.messages
        print(
            f"{run}: {total:.1f} s in all, {sum(hashing):.1f} s hashing passwords, "
            f"{total - sum(hashing):.1f} s for the rest; {rows:,} rows imported "
            f"({rows / max(total - sum(hashing), 1e-9):,.0f} rows/s without hashing)"
        )
    print(f"data directory: {data_dir}")


if __name__ == "__main__":
    main()
