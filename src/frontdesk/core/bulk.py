"""Writing many rows fast, with ids we choose: shared by ``frontdesk import-supportme`` and
``frontdesk demo``.

Rows are inserted with plain SQL (COPY on PostgreSQL) instead of bulk_create, in batches,
with a progress bar for people watching a terminal. Callers that give rows explicit ids lock
the tables first and move the id sequences past those ids afterwards.
"""

from __future__ import annotations

import re
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import chain, islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max

if TYPE_CHECKING:
    from tqdm import tqdm

T = TypeVar("T")

# Values per "... IN (...)" query: under every backend's limit on query parameters.
QUERY_CHUNK = 500


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one shorter), read lazily."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def progress(total: int, label: str, unit: str, *, show: bool) -> tqdm[Any]:
    """A progress bar on stderr, shown only when ``show`` and stderr is a terminal."""
    from tqdm import tqdm  # here: only commands show progress, every process imports this module

    # disable=None: tqdm stays silent when stderr is not a terminal (logs, cron, tests).
    return tqdm(total=total, desc=label, unit=unit, file=sys.stderr, disable=None if show else True)


def datetime_adapter() -> Callable[[datetime | None], Any]:
    """The database's own datetime adapter, or for SQLite the same text made directly.

    Django's adapter (make the value naive in the connection's zone, then ``str``) took a
    quarter of ``frontdesk demo``'s time; for SQLite with UTC connections this is it, minus
    the generic checks."""
    adapt: Callable[[datetime | None], Any] = connection.ops.adapt_datetimefield_value
    if connection.vendor != "sqlite" or connection.timezone is not UTC:
        return adapt

    def as_sqlite_text(value: datetime | None) -> str | None:
        if value is None:
            return None
        if value.tzinfo is UTC:
            return str(value.replace(tzinfo=None))
        return str(adapt(value))

    return as_sqlite_text


def utc_datetime_adapter() -> Callable[[datetime | None], Any]:
    """For naive datetimes that are in UTC: the database's value, made as directly as it can.

    On SQLite with UTC connections the text is ``str(value)``, what Django's adapter makes
    of the aware value; elsewhere the value gets its zone and goes through the adapter. A
    generator that keeps its times naive (``frontdesk demo``) saves the zone's conversions:
    a tenth of the demo's planning."""
    adapt: Callable[[datetime | None], Any] = connection.ops.adapt_datetimefield_value
    if connection.vendor == "sqlite" and connection.timezone is UTC:
        return lambda value: None if value is None else str(value)
    return lambda value: None if value is None else adapt(value.replace(tzinfo=UTC))


@contextmanager
def indexes_deferred(
    *models_: type[models.Model], keep_leading: Sequence[str] = ()
) -> Iterator[None]:
    """Inside, the models' tables have no secondary indexes (SQLite; unique ones stay, and
    those whose first column is in ``keep_leading``); on the way out, also after an error,
    they are made again from their own definitions.

    A bulk load into indexes keyed by random values (a ticket's requester, its creation
    time, a message's author) touches most of their pages with every batch, and each commit
    writes those pages again: at 1,000,000 tickets that is 375 MB of index per batch, and
    the demo took 8 minutes. Building an index once afterwards is one sort."""
    if connection.vendor != "sqlite":
        yield
        return
    tables = [model._meta.db_table for model in models_]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql, tbl_name FROM sqlite_master"
            " WHERE type = 'index' AND sql IS NOT NULL ORDER BY name"
        )
        indexes = [
            (name, sql)
            for name, sql, table in cursor.fetchall()
            if table in tables
            and "UNIQUE" not in sql.split("(")[0]
            and _first_column(sql) not in keep_leading
        ]
    if not indexes:
        yield
        return
    # Written down before they go: a process killed inside (kill -9, a power cut) cannot run
    # the ``finally``, and the next migrate puts them back from this file.
    pending = _pending_indexes_file()
    pending.write_text(";\n".join(_if_not_exists(sql) for _, sql in indexes) + ";\n")
    with transaction.atomic(), connection.cursor() as cursor:
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    try:
        yield
    finally:
        indexes_restore_pending()


def _pending_indexes_file() -> Path:
    return Path(f"{connection.settings_dict['NAME']}-indexes-to-restore.sql")


def _if_not_exists(index_sql: str) -> str:
    return re.sub(r"^CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", index_sql.strip())


def indexes_restore_pending(**_signal: Any) -> None:
    """Make again the indexes a bulk load dropped and did not live to restore (run after every
    ``migrate``, so ``serve``, ``demo`` and the other commands that migrate first repair it)."""
    if connection.vendor != "sqlite" or connection.is_in_memory_db():  # type: ignore[attr-defined]
        return
    pending = _pending_indexes_file()
    if not pending.exists():
        return
    statements = [sql for sql in pending.read_text().split(";\n") if sql.strip()]
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
    pending.unlink()


def _first_column(index_sql: str) -> str:
    """The first column of ``CREATE INDEX "name" ON "table" ("column", ...)``."""
    found = re.search(r'\(\s*"?(\w+)', index_sql)
    return found.group(1) if found else ""


def lock_for_explicit_ids(*models_: type[models.Model]) -> None:
    """Keep other writers from taking ids we are about to insert. On SQLite the transaction
    already holds the write lock (BEGIN IMMEDIATE); PostgreSQL needs table locks, which still
    let readers through. Call inside the transaction."""
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models_)
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")


def reset_id_sequences(*models_: type[models.Model]) -> None:
    """After explicit ids, move each id sequence past them so later inserts do not collide
    (PostgreSQL; SQLite's AUTOINCREMENT follows on its own and returns no statements)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def next_free_id(model: type[models.Model]) -> int:
    return (model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """INSERT ``rows`` (values ready for the database, in ``columns`` order) in bulk.

    For the big tables this replaces bulk_create, which spent four fifths of a 100,000-ticket
    import preparing values one field at a time (measured: 47 s, against 1 s in SQLite
    itself). Columns left out are NULL, so callers name every non-null column.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(
        quote(model._meta.get_field(column).column)  # type: ignore[union-attr, arg-type]
        for column in columns
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: multi-row INSERTs spent most of their time in psycopg splitting
            # thousands of placeholders (measured: 35 s for 100,000 tickets).
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        if connection.vendor == "sqlite":
            _insert_sqlite(connection.connection, table, names, len(columns), rows)
            return
        # As many rows per statement as the backend takes parameters.
        per_statement = max(
            1, min(1000, (connection.features.max_query_params or 999) // len(columns))
        )
        one_row = f"({', '.join(['%s'] * len(columns))})"
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            # Table and column names come from our models; every value is a parameter.
            sql = f"INSERT INTO {table} ({names}) VALUES {', '.join([one_row] * len(chunk))}"  # noqa: S608
            cursor.execute(sql, list(chain.from_iterable(chunk)))


def _insert_sqlite(
    database: Any,
    table: str,
    names: str,
    width: int,
    rows: Sequence[Sequence[Any]],
) -> None:
    """Multi-row INSERTs straight on the sqlite3 connection, in the transaction Django
    opened: with "?" placeholders written here, Django's cursor no longer rewrites each
    statement's thousand "%s" (a regular expression: 3 s per 100,000 demo tickets).
    Multi-row statements, not executemany: one row per statement took 2.5 times as long.
    Up to 2,000 rows a statement where SQLite takes that many parameters (since 3.32 it takes
    32,766): fewer, longer statements cost about the same in SQLite, and each hands the
    interpreter lock back and forth once (the demo plans in a thread meanwhile)."""
    parameters = min(database.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER), 32_766)
    per_statement = max(1, min(2_000, parameters // width))
    one_row = f"({', '.join('?' * width)})"
    statements: dict[int, str] = {}
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        if len(chunk) not in statements:
            # Table and column names come from our models; every value is a parameter.
            statements[len(chunk)] = (
                f"INSERT INTO {table} ({names}) VALUES {', '.join([one_row] * len(chunk))}"  # noqa: S608
            )
        database.execute(statements[len(chunk)], list(chain.from_iterable(chunk)))
