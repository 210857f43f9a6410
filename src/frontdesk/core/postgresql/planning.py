"""A value PostgreSQL's planner weighs the same in every plan of a prepared statement.

A prepared statement runs with its generic plan only once PostgreSQL prices that plan no
dearer than the plans it made for the values (decision 85). For ``due_at < $1`` it cannot: a
plan for the values reads the histogram (70 % of active tickets are overdue on the demo desk),
a generic plan assumes a third, so the overdue list's 51 ids were priced 71 generic against 34
and planned again on every request (0.8-1.5 ms of planning for 0.3-1.3 ms of running, 200,000
tickets, 2026-12-05), though both plans are the same index scan. Written ``(SELECT $1)`` the
value is an InitPlan's result, which no plan sees while planning: both are priced alike, the
generic plan is kept, and the index still takes the value as its bound when the plan runs.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Field, Func, Value


class KnownWhenRun(Func):
    """``value`` (of ``output_field``'s type): on PostgreSQL the result of a one-row
    sub-select, so that its plans are made without looking at it; elsewhere the value as
    it is (SQLite matches it against partial indexes' conditions and ranges unchanged)."""

    arity = 1
    template = "%(expressions)s"

    def __init__(self, value: Any, output_field: Field[Any, Any]) -> None:
        super().__init__(Value(value, output_field=output_field), output_field=output_field)

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(compiler, connection, template="(SELECT %(expressions)s)")
