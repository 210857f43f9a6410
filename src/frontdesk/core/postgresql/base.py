"""PostgreSQL with the values bound on the server and each statement that a connection runs
again and again prepared there (psycopg's ``prepare_threshold``, settings.py), so the hot
reads are planned once per connection instead of on every request (decision 85).

A prepared statement runs with a generic plan, made without its values, once PostgreSQL
finds it no costlier than the plans made for them. That is right for a read whose plan does
not depend on its values, and wrong for a search: a generic plan cannot see the words, so
it can neither fold ``websearch_to_tsquery`` into a constant nor weigh a rare word against a
common one (24-73 ms generic against 2-34 ms planned for the words; 200,000 tickets, 1
million messages, 2026-12-05). A statement holding :data:`PLANNED_EACH_TIME` is never
prepared: PostgreSQL plans it for its values every time, as before.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

import psycopg
from django.db.backends.postgresql import base as postgresql_base
from psycopg.adapt import AdaptersMap, Loader, PyFormat
from psycopg.pq import Format
from psycopg.types.numeric import IntDumper

from frontdesk.core.postgresql import PLANNED_EACH_TIME


class Cursor(postgresql_base.ServerBindingCursor):  # type: ignore[name-defined]
    """Django's cursor for server-side binding, leaving the marked statements unprepared."""

    def execute(self, query: Any, params: Any = None, **options: Any) -> Any:
        if isinstance(query, str) and PLANNED_EACH_TIME in query:
            options.setdefault("prepare", False)
        return super().execute(query, params, **options)


class SteadyIntDumper(IntDumper):
    """psycopg's integers, but int4 for any number that fits (psycopg sends the smallest
    type, int2 below 32,768). A statement is prepared per text and parameters' types: with
    ids on either side of 32,768, the 51 ids of a page's rows made a new list of types
    nearly every page, so those reads were prepared over and over, each planned again."""

    def upgrade(self, obj: int, format: PyFormat) -> Any:
        if -(2**31) <= obj < 2**31:
            return self._int4_dumper
        return super().upgrade(obj, format)


TIMESTAMPTZ_OID = psycopg.adapters.types["timestamptz"].oid


class TimestamptzLoader(Loader):
    """Django's loader of a ``timestamptz`` (each time read in the session's zone, then given
    Django's zone, as Django's ``BaseTzLoader`` does), but parsed by psycopg's own loader in
    C. Django's subclasses psycopg's loader written in Python, which parses each time with a
    regular expression: 11.6 µs a value against under 1 µs (8,000 values, load 10, 2026-12-05):
    on PostgreSQL a customer's 1,674 open tickets spent more CPU turning their times into
    datetimes than in all the rest of SupportMe's answer."""

    timezone: tzinfo | None = None  # Django reads it (DatabaseWrapper.create_cursor)

    def __init__(self, oid: int, context: Any = None) -> None:
        super().__init__(oid, context)
        parser = psycopg.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)  # C when installed
        assert parser is not None
        self._parse = parser(oid, context).load

    def load(self, data: Any) -> datetime:
        return self._parse(data).replace(tzinfo=self.timezone)


class DatabaseWrapper(postgresql_base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params: dict[str, Any] = super().get_connection_params()
        context = params["context"] = AdaptersMap(params["context"])
        zone = type("TimestamptzLoaderInZone", (TimestamptzLoader,), {"timezone": self.timezone})
        context.register_loader("timestamptz", zone)
        if params.get("cursor_factory") is postgresql_base.ServerBindingCursor:  # type: ignore[attr-defined]
            params["cursor_factory"] = Cursor
            context.register_dumper(int, SteadyIntDumper)
        return params
