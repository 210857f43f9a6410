"""Conditions written the way PostgreSQL's planner reads them well; elsewhere as they are.

**A value PostgreSQL's planner weighs the same in every plan of a prepared statement.**

A prepared statement runs with its generic plan only once PostgreSQL prices that plan no
dearer than the plans it made for the values (decision 85). For ``due_at < $1`` it cannot: a
plan for the values reads the histogram (70 % of active tickets are overdue on the demo desk),
a generic plan assumes a third, so the overdue list's 51 ids were priced 71 generic against 34
and planned again on every request (0.8-1.5 ms of planning for 0.3-1.3 ms of running, 200,000
tickets, 2026-12-05), though both plans are the same index scan. Written ``(SELECT $1)`` the
value is an InitPlan's result, which no plan sees while planning: both are priced alike, the
generic plan is kept, and the index still takes the value as its bound when the plan runs.

**A short list of keys beside another condition** (InWhenRun): ``a = 1 OR id IN (SELECT
...)`` cannot be read through indexes on PostgreSQL, ``a = 1 OR id = ANY(ARRAY(SELECT ...))``
can (decision 90).
"""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, F, Field, Func, QuerySet, Subquery, Value


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


class InWhenRun(Func):
    """``column IN (values)``, ``values`` a one-column queryset; on PostgreSQL
    ``column = ANY(ARRAY(values))``: the sub-select runs once as an InitPlan and its array is
    the keys of an index scan, which PostgreSQL can join to other index scans in a BitmapOr
    (an ``IN`` sub-select under an OR is a hashed SubPlan, tested row by row: it reads every
    row the rest of the query gives it, decision 57). Its plan guesses ten keys, whatever the
    values; so it suits a list known to be short (the tickets a customer is copied on)."""

    arity = 2
    output_field = BooleanField()

    def __init__(self, column: str, values: QuerySet[Any]) -> None:
        super().__init__(F(column), Subquery(values))

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> Any:
        column, values = (compiler.compile(part) for part in self.get_source_expressions())
        return (template or "%s IN %s") % (column[0], values[0]), (*column[1], *values[1])

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(compiler, connection, template="%s = ANY(ARRAY%s)")
