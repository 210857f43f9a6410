"""SQLite, with every write transaction and every lone write statement taking its turn from
:mod:`frontdesk.core.sqlite.writers` before SQLite is asked for its write lock.

Transactions start with ``BEGIN IMMEDIATE`` (settings.py), so the turn is taken there and
given back at commit, rollback or close. A write statement outside a transaction (a
``QuerySet.update()`` in autocommit mode) holds the turn for that statement only.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.db import OperationalError
from django.db.backends.sqlite3 import base as sqlite3_base

from frontdesk.core.sqlite.writers import TurnTimeout, WriterTurns, writer_turns

WRITE_VERBS = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER"})


def is_write(query: str) -> bool:
    words = query.lstrip().split(None, 1)
    return bool(words) and words[0].upper() in WRITE_VERBS


# Django turns each statement's "%s" placeholders into sqlite3's "?" with a regular expression,
# on every execution: 5 % of the web process's CPU under the SupportMe flow. The same
# statements come again and again (compiled reads run the very same text), so the converted
# text is kept, for statements of a sensible length only (a bulk insert's is long and rare).
CONVERTED_MAX_LENGTH = 4096


@lru_cache(maxsize=1024)
def _qmark_style(query: str) -> str:
    return sqlite3_base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class QueuedWritesCursor(sqlite3_base.SQLiteCursorWrapper):
    database: DatabaseWrapper

    def convert_query(self, query: str, *, param_names: list[str] | None = None) -> str:
        if param_names is None and len(query) <= CONVERTED_MAX_LENGTH:
            return _qmark_style(query)
        return super().convert_query(query, param_names=param_names)  # type: ignore[misc]

    def execute(self, query: str, params: Any = None) -> Any:
        if self.connection.in_transaction or not is_write(query):
            return super().execute(query, params)
        with self.database.writer_turn():
            return super().execute(query, params)

    def executemany(self, query: str, param_list: Any) -> Any:
        if self.connection.in_transaction or not is_write(query):
            return super().executemany(query, param_list)
        with self.database.writer_turn():
            return super().executemany(query, param_list)


class DatabaseWrapper(sqlite3_base.DatabaseWrapper):
    _turn_held: WriterTurns | None = None  # the queue whose turn this connection holds

    def writer_turn(self) -> _Turn:
        return _Turn(self)

    def take_turn(self) -> None:
        if self._turn_held is not None:
            return
        # Looked up each time: the test runner renames the database after connecting.
        turns = writer_turns(str(self.settings_dict["NAME"]), in_memory=self.is_in_memory_db())
        try:
            turns.take(float(self.settings_dict["OPTIONS"].get("timeout", 5)))
        except TurnTimeout:
            raise OperationalError("database is locked (no writer turn in time)") from None
        self._turn_held = turns

    def give_back_turn(self) -> None:
        turns, self._turn_held = self._turn_held, None
        if turns is not None:
            turns.give_back()

    def create_cursor(self, name: str | None = None) -> Any:
        cursor = self.connection.cursor(factory=QueuedWritesCursor)
        cursor.database = self
        return cursor

    def _start_transaction_under_autocommit(self) -> None:
        self.take_turn()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self.give_back_turn()
            raise

    def _commit(self) -> None:
        # If COMMIT fails, the turn is kept until the rollback that follows.
        super()._commit()  # type: ignore[misc]
        self.give_back_turn()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self.give_back_turn()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self.give_back_turn()


class _Turn:
    """A turn for one statement outside a transaction."""

    def __init__(self, database: DatabaseWrapper) -> None:
        self.database = database
        self.took = False

    def __enter__(self) -> None:
        self.took = self.database._turn_held is None
        self.database.take_turn()

    def __exit__(self, *exc: object) -> None:
        if self.took:
            self.database.give_back_turn()
