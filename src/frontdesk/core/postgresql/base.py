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

from typing import Any

from django.db.backends.postgresql import base as postgresql_base

from frontdesk.core.postgresql import PLANNED_EACH_TIME


class Cursor(postgresql_base.ServerBindingCursor):  # type: ignore[name-defined]
    """Django's cursor for server-side binding, leaving the marked statements unprepared."""

    def execute(self, query: Any, params: Any = None, **options: Any) -> Any:
        if isinstance(query, str) and PLANNED_EACH_TIME in query:
            options.setdefault("prepare", False)
        return super().execute(query, params, **options)


class DatabaseWrapper(postgresql_base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params: dict[str, Any] = super().get_connection_params()
        if params.get("cursor_factory") is postgresql_base.ServerBindingCursor:  # type: ignore[attr-defined]
            params["cursor_factory"] = Cursor
        return params
