"""Filling SQLite's full-text index in one pass after a bulk load, instead of row by row.

Normally the insert triggers of migration 0004 index every title and message as it is
written. For ``frontdesk demo`` that row-by-row upkeep was most of the writing: 100,000
tickets with 520,000 messages took 81 s to insert with the triggers, and 17 s without them
plus 6 s to index the same rows afterwards with one INSERT ... SELECT (measured side by side
on the same rows, machine load 5-6). So a bulk load runs inside :func:`search_index_deferred`:
the insert triggers are dropped, and afterwards every row past the last one indexed is
indexed at once and the triggers are made again, in one transaction. (Indexing each batch's
rows before its commit instead, beside the planning, cost four times as much at a million
tickets: 156 s against 34-38 s, under the same load.)

While the load waits for its next batch, it may index what is already written, a slice at a
time (:func:`search_index_some`): that uses time the loader would otherwise spend waiting,
and leaves less for the pass at the end. FTS5 merges its segments after each commit, which
is what made per-batch indexing four times dearer, so merging is paused during the load
(``automerge`` 0) and the segments are merged once at the end (``optimize``): indexing
1,048,329 messages in 41 slices and merging them took 6.0 s of CPU against 5.6 s in one
pass, and the merged index answered four searches in 5.3 ms against 10.3 ms.

The index itself says how far it got (the highest rowid in its ``_docsize`` table), so a
load stopped by an error or Ctrl-C catches up on the way out, and one killed outright
catches up the next time a bulk load ends. Deletes and updates keep their triggers: nobody
changes rows while they are being loaded. PostgreSQL computes its search vectors as stored
columns (migration 0006); nothing to pause there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction

# The insert triggers exactly as migration 0004 made them, to the character (a migration
# is history and is not imported at run time).
INSERT_TRIGGERS = {
    "tickets_ticket_fts_insert": "CREATE TRIGGER tickets_ticket_fts_insert AFTER INSERT"
    """ ON tickets_ticket BEGIN
        INSERT INTO tickets_ticket_fts (rowid, title) VALUES (new.id, new.title);
    END""",
    "tickets_message_fts_insert": "CREATE TRIGGER tickets_message_fts_insert AFTER INSERT"
    """ ON tickets_message BEGIN
        INSERT INTO tickets_message_fts (rowid, body, kind, ticket_id)
        VALUES (new.id, new.body, new.kind, new.ticket_id);
    END""",
}
# Rows past the highest one indexed, into the index (the LIMIT, -1 for all, makes a slice).
# At 1,000,000 tickets (5.2 million messages) all at once: 34 s (measured in `frontdesk
# demo`, load average 4, see bench/README.md).
CATCH_UP = (
    """INSERT INTO tickets_ticket_fts (rowid, title)
    SELECT id, title FROM tickets_ticket
    WHERE id > (SELECT coalesce(max(id), 0) FROM tickets_ticket_fts_docsize)
    ORDER BY id LIMIT %s""",
    """INSERT INTO tickets_message_fts (rowid, body, kind, ticket_id)
    SELECT id, body, kind, ticket_id FROM tickets_message
    WHERE id > (SELECT coalesce(max(id), 0) FROM tickets_message_fts_docsize)
    ORDER BY id LIMIT %s""",
)
# FTS5's own commands, to each of the two indexes.
AUTOMERGE = (
    "INSERT INTO tickets_ticket_fts (tickets_ticket_fts, rank) VALUES ('automerge', %s)",
    "INSERT INTO tickets_message_fts (tickets_message_fts, rank) VALUES ('automerge', %s)",
)
OPTIMIZE = (
    "INSERT INTO tickets_ticket_fts (tickets_ticket_fts) VALUES ('optimize')",
    "INSERT INTO tickets_message_fts (tickets_message_fts) VALUES ('optimize')",
)
AUTOMERGE_DEFAULT = 4  # FTS5's own
# Rows a slice indexes: about a tenth of a second of work, so the load's next batch, once
# planned, waits no longer than that.
SLICE_ROWS = 20_000


def _has_sqlite_index() -> bool:
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'tickets_message_fts_docsize'"
        )
        (found,) = cursor.fetchone()
    return bool(found)


def search_index_catch_up() -> None:
    """Index every ticket title and message not indexed yet, and make sure the insert
    triggers exist (SQLite; elsewhere nothing to do)."""
    if not _has_sqlite_index():
        return
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in CATCH_UP:
            cursor.execute(statement, [-1])
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {name for (name,) in cursor.fetchall()}
        for name, statement in INSERT_TRIGGERS.items():
            if name not in present:
                cursor.execute(statement)


def search_index_some() -> bool:
    """Index the next slice of titles and messages not indexed yet, in one transaction, during
    a deferred load (nothing to do elsewhere). True when there was something to index."""
    if not _has_sqlite_index():
        return False
    done = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in CATCH_UP:
            cursor.execute(statement, [SLICE_ROWS])
            done += cursor.rowcount
    return done > 0


def _set_automerge(cursor: Any, segments: int) -> None:
    for statement in AUTOMERGE:
        cursor.execute(statement, [segments])


@contextmanager
def search_index_deferred(*, merge_at_end: bool = True) -> Iterator[None]:
    """Inside: inserted titles and messages are not indexed one by one (SQLite), and slices
    indexed by :func:`search_index_some` are not merged. On the way out, also after an error,
    the rest is indexed at once, the triggers come back and, with ``merge_at_end``, the
    index is merged into one segment (worth it after a load as large as the desk: it costs
    what the whole index costs to read)."""
    if not _has_sqlite_index():
        yield
        return
    search_index_catch_up()  # whatever an earlier, killed load left behind
    with transaction.atomic(), connection.cursor() as cursor:
        for name in INSERT_TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        _set_automerge(cursor, 0)
    try:
        yield
    finally:
        search_index_catch_up()
        with transaction.atomic(), connection.cursor() as cursor:
            if merge_at_end:
                for statement in OPTIMIZE:
                    cursor.execute(statement)
            _set_automerge(cursor, AUTOMERGE_DEFAULT)
