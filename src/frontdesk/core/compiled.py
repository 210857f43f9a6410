"""Reads on hot paths whose SQL is compiled from the ORM once, then run with new values.

Building a queryset and compiling it to SQL (the WHERE tree, columns, joins, the UNION) cost
more CPU than running it on the SupportMe API's hot reads: 42 % of a ``GET /get-open-tickets``
against 3 % for executing the SQL (bench/README.md, "CPU per request"). A
:class:`CompiledRead` keeps the ORM as the one place a query is written, composed from the same
gates as every other read: ``build(shape, *values)`` returns the queryset, and it is compiled
once per ``shape`` (whatever besides the values decides the SQL's form, e.g. whether the user is
staff) and database. Each run then only executes the SQL and turns rows into model instances,
the way a queryset would (Django's own converters and related-object populators).

To be sure the values only fill parameters, each shape is compiled twice with different
stand-in values: the SQL must be the same, and the parameters must differ exactly where the
values go (a value may also go nowhere: staff see every ticket, whoever they are). A
queryset whose form depends on the values (say ``filter(x=None)`` becoming
``IS NULL``), or that puts something else that changes into the parameters (the time now), is
refused with an error the first time it runs.

A queryset of ``values_list()`` gives its rows as tuples (converted as Django converts them), so
the checks and counts on hot write paths (notifications, the outbox) compile once too. A value
may be an int, a string or an aware datetime (compared with a ``DateTimeField``: it is adapted
as the field adapts it). A lookup ``__in`` a list has one placeholder per item: its length
belongs to the shape.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar, cast

from django.db import DatabaseError, connections, transaction
from django.db.models import Model, QuerySet
from django.db.models.query import (  # type: ignore[attr-defined]
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import InsertQuery, UpdateQuery

R = TypeVar("R")  # what a row becomes: a model instance, or a tuple for values_list()
Value = int | str | datetime


class NotCompilable(Exception):
    """The queryset's SQL is not the same for every value: it cannot be compiled once."""


@dataclass(frozen=True)
class _Plan:
    sql: str
    params: tuple[Any, ...]  # with None where a value goes
    slots: tuple[tuple[int, int], ...]  # (parameter position, value index)
    converters: dict[int, tuple[list[Any], Any]]  # column: (converters, expression)
    model: type[Model] | None  # None: a values_list() query, whose rows are tuples
    init_list: list[str]
    fields: slice
    populators: list[Any]
    annotations: dict[str, int]

    def run(self, values: tuple[Value, ...], using: str) -> list[Any]:
        params = list(self.params)
        connection = connections[using]  # this thread's, not the one that compiled the plan
        for position, index in self.slots:
            params[position] = _adapted(values[index], connection)
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = [list(row) for row in cursor.fetchall()]
        for row in rows:  # as SQLCompiler.apply_converters does
            for position, (converters, expression) in self.converters.items():
                for convert in converters:
                    row[position] = convert(row[position], expression, connection)
        if self.model is None:
            return [tuple(row[self.fields]) for row in rows]
        found = []
        for row in rows:
            instance = self.model.from_db(using, self.init_list, row[self.fields])
            for populator in self.populators:
                populator.populate(row, instance)
            for name, column in self.annotations.items():
                setattr(instance, name, row[column])
            found.append(instance)
        return found


class CompiledRead(Generic[R]):
    """``build(shape, *values)`` → a queryset, compiled once per shape; call the read with a
    shape and the values (ints or strings) to get the list the queryset would give."""

    def __init__(self, build: Callable[..., QuerySet[Any, R]], *, most: int = 0) -> None:
        """``most``: keep at most that many plans (0: no limit), for shapes that callers
        choose (a filter's value, a page size): past it, the plans are compiled afresh."""
        self.build = build
        self.plans: dict[tuple[str, Hashable], _Plan] = {}
        self.most = most

    def __call__(self, shape: Hashable, *values: Value, using: str = "default") -> list[R]:
        key = (using, shape)
        plan = self.plans.get(key)
        if plan is None:
            if self.most and len(self.plans) >= self.most:
                self.plans.clear()
            plan = self.plans[key] = self._compile(shape, values, using)
        return plan.run(values, using)

    def _compile(self, shape: Hashable, values: tuple[Value, ...], using: str) -> _Plan:
        first, second = _stand_ins(values, 1), _stand_ins(values, 2)
        queryset = self.build(shape, *first)
        if queryset._iterable_class not in (ModelIterable, ValuesListIterable):
            raise NotCompilable("only querysets of instances or of values_list() tuples")
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        other_sql, other_params = self.build(shape, *second).query.get_compiler(using).as_sql()
        params, slots = _slots(sql, (first, params), (second, other_params), other_sql, using)
        select, klass_info = compiler.select, compiler.klass_info
        common = {
            "sql": sql,
            "params": params,
            "slots": slots,
            "converters": compiler.get_converters([column for column, _, _ in select]),
        }
        if queryset._iterable_class is ValuesListIterable:  # the selected columns, a tuple a row
            rows = slice(0, compiler.col_count)
            return _Plan(
                **common, model=None, init_list=[], fields=rows, populators=[], annotations={}
            )
        fields = slice(klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1)
        return _Plan(
            **common,
            model=klass_info["model"],
            init_list=[column.target.attname for column, _, _ in select[fields]],
            fields=fields,
            populators=get_related_populators(klass_info, select, using),
            annotations=dict(compiler.annotation_col_map or {}),
        )


def _slots(
    sql: str,
    first: tuple[tuple[Value, ...], tuple[Any, ...]],
    second: tuple[tuple[Value, ...], tuple[Any, ...]],
    other_sql: str,
    using: str,
) -> tuple[tuple[Any, ...], tuple[tuple[int, int], ...]]:
    """From the SQL compiled with two rounds of stand-ins (each: the stand-ins and the
    parameters they gave), the parameters (None where a value goes) and where each value goes:
    refused unless the SQL is the same and the parameters differ exactly where values go."""
    (first_values, params), (second_values, other_params) = first, second
    if sql != other_sql or len(params) != len(other_params):
        raise NotCompilable(f"the SQL changes with the values: {sql}")
    connection = connections[using]
    one_round = tuple(_adapted(value, connection) for value in first_values)
    two_round = tuple(_adapted(value, connection) for value in second_values)
    slots = []
    for position, (one, two) in enumerate(zip(params, other_params, strict=True)):
        if one == two:
            continue
        if one not in one_round or one_round.index(one) != two_round.index(two):
            raise NotCompilable(f"parameter {position} changes by itself: {one!r}, {two!r}")
        slots.append((position, one_round.index(one)))
    filled = {position for position, _ in slots}
    kept = tuple(None if at in filled else value for at, value in enumerate(params))
    return kept, tuple(slots)


def _stand_ins(values: tuple[Value, ...], round_: int) -> tuple[Value, ...]:
    """Values of the same types as ``values``, unlike each other and from one round to the
    next. Small numbers: on PostgreSQL a number out of a column's range makes the lookup
    match nothing, which changes the SQL. A constant of the query equal to a stand-in does no
    harm: it is the same in both rounds, and a stand-in is not."""
    stand_ins: list[Value] = []
    for index, value in enumerate(values):
        number = 1000 * round_ + 100 + index
        if isinstance(value, datetime):
            stand_ins.append(datetime(2000 + round_, 1, 1, 0, 0, index % 60, index, tzinfo=UTC))
        else:
            stand_ins.append(f"~stand-in-{number}~" if isinstance(value, str) else number)
    return tuple(stand_ins)


def _adapted(value: Value, connection: Any) -> Any:
    """A value as the query's parameters hold it: a datetime as a DateTimeField adapts it
    (on SQLite, text in UTC), the rest as it is."""
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


class CompiledUpdate(Generic[R]):
    """An UPDATE compiled once per shape: ``build(shape, *values)`` → (a queryset, the fields
    to set, as ``queryset.update`` takes them); calling it updates what the queryset selects,
    as ``update`` would, and returns the number of rows. Checked as :class:`CompiledRead`
    checks a read; only an UPDATE of one table (no join, no related model's fields) compiles:
    Django runs a SELECT first for the others."""

    def __init__(self, build: Callable[..., tuple[QuerySet[Any, R], dict[str, Any]]]) -> None:
        self.build = build
        self.plans: dict[tuple[str, Hashable], _Plan] = {}

    def __call__(self, shape: Hashable, *values: Value, using: str = "default") -> int:
        key = (using, shape)
        plan = self.plans.get(key)
        if plan is None:
            plan = self.plans[key] = self._compile(shape, values, using)
        params = list(plan.params)
        connection = connections[using]
        for position, index in plan.slots:
            params[position] = _adapted(values[index], connection)
        with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            return int(cursor.rowcount)

    def _compile(self, shape: Hashable, values: tuple[Value, ...], using: str) -> _Plan:
        compiled = []
        for round_ in (1, 2):
            stand_ins = _stand_ins(values, round_)
            queryset, fields = self.build(shape, *stand_ins)
            query = cast(UpdateQuery, queryset.query.chain(UpdateQuery))  # as update() does
            query.add_update_values(fields)
            query.annotations = {}
            query.get_initial_alias()
            if query.related_updates or query.count_active_tables() != 1:
                raise NotCompilable("only an UPDATE of one table compiles once")
            compiled.append((stand_ins, *query.get_compiler(using=using).as_sql()))
        (first, sql, params), (second, other_sql, other_params) = compiled
        params, slots = _slots(sql, (first, params), (second, other_params), other_sql, using)
        return _Plan(
            sql=sql,
            params=params,
            slots=slots,
            converters={},
            model=None,
            init_list=[],
            fields=slice(0),
            populators=[],
            annotations={},
        )


_SAVES: dict[tuple[type[Model], tuple[str, ...], str], tuple[str, list[Any]]] = {}


def save_fields(instance: Model, fields: list[str], *, using: str = "default") -> None:
    """``instance.save(update_fields=fields)``, with its UPDATE written once per model and
    set of fields instead of built and compiled on every save: ``UPDATE t SET a = %s, … WHERE
    id = %s``, the values prepared by each field as Django prepares them. Saving a ticket's two
    times took 0.11 ms of CPU through ``Model.save`` and 0.02 ms this way (SQLite,
    2026-12-03). A model that a ``pre_save`` or ``post_save`` receiver listens to, or a field
    with a placeholder of its own, is saved by ``Model.save``, signals and all."""
    model = type(instance)
    if pre_save.has_listeners(model) or post_save.has_listeners(model):
        instance.save(update_fields=fields)
        return
    key = (model, tuple(fields), using)
    plan = _SAVES.get(key)
    if plan is None:
        plan = _SAVES[key] = _save_plan(model, fields, using)
    sql, targets = plan
    connection = connections[using]
    params = [
        field.get_db_prep_save(field.pre_save(instance, False), connection) for field in targets
    ]
    params.append(instance.pk)
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount == 0:
            raise DatabaseError("Save with update_fields did not affect any rows.")


def _save_plan(model: type[Model], fields: list[str], using: str) -> tuple[str, list[Any]]:
    quote = connections[using].ops.quote_name
    targets = [model._meta.get_field(name) for name in fields]
    columns = [getattr(field, "column", None) for field in targets]
    if any(hasattr(field, "get_placeholder") for field in targets) or not all(columns):
        raise NotCompilable(f"{model.__name__}: a field of {fields} needs Model.save")
    assignments = ", ".join(f"{quote(str(column))} = %s" for column in columns)
    pk = quote(model._meta.pk.column)
    # Names from the model, quoted; every value is a parameter.
    return f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {pk} = %s", targets  # noqa: S608


@dataclass(frozen=True)
class _Insert:
    sql: str
    fields: list[Any]  # the columns written, in the SQL's order
    returning: list[Any]  # the fields the INSERT gives back (the id, columns with a db_default)
    returning_params: tuple[Any, ...]
    converters: dict[int, tuple[list[Any], Any]]


_INSERTS: dict[tuple[type[Model], str], _Insert | None] = {}

M = TypeVar("M", bound=Model)


def create(model: type[M], **values: Any) -> M:
    """``model.objects.create(**values)`` through :func:`save_new`."""
    instance = model(**values)
    save_new(instance)
    return instance


def save_new(instance: Model, *, using: str = "default") -> None:
    """``instance.save()`` of a new row, its INSERT written by Django's compiler once per model
    instead of on every save, with the same ``pre_save`` and ``post_save`` signals and the same
    values (each field's ``pre_save`` and ``get_db_prep_save``, as the compiler prepares them).
    Receivers aside, a message took 0.62-0.80 ms of CPU through ``Model.save`` and 0.42-0.52
    ms this way, a history row 0.62-0.68 and 0.29-0.37 ms (SQLite, a machine at load 6-9,
    2026-12-05). What the plan cannot write the same way is saved by
    ``Model.save``: a model with a ``save()`` of its own, a parent, a proxy, an order of its
    own or a primary key already set; a field with a placeholder of its own; a value that is an
    expression."""
    model = type(instance)
    if (model, using) not in _INSERTS:
        _INSERTS[(model, using)] = _insert_plan(model, using)
    plan = _INSERTS[(model, using)]
    connection = connections[using]
    values = None if plan is None else _insert_values(instance, plan, connection)
    if plan is None or values is None:
        instance.save(using=using)
        return
    instance._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]
    pre_save.send(sender=model, instance=instance, raw=False, using=using, update_fields=None)
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(plan.sql, values)
        row = list(connection.ops.fetch_returned_insert_columns(cursor, plan.returning_params))
    for position, (converters, expression) in plan.converters.items():
        for convert in converters:
            row[position] = convert(row[position], expression, connection)
    for field, value in zip(plan.returning, row, strict=True):
        setattr(instance, field.attname, value)
    instance._state.db = using
    instance._state.adding = False
    post_save.send(
        sender=model, instance=instance, created=True, update_fields=None, raw=False, using=using
    )


def _insert_values(instance: Model, plan: _Insert, connection: Any) -> list[Any] | None:
    """The INSERT's parameters; None when a value is an expression (``Model.save`` compiles
    it)."""
    if instance.pk is not None or not instance._state.adding:
        return None
    values = []
    for field in plan.fields:
        value = field.pre_save(instance, True)
        if hasattr(value, "resolve_expression"):
            return None
        values.append(field.get_db_prep_save(value, connection=connection))
    return values


def _insert_plan(model: type[Model], using: str) -> _Insert | None:
    """Django's INSERT of one new row of ``model`` with every concrete column but the id, as
    ``Model._save_table`` writes it; None for a model it would write otherwise."""
    meta = model._meta
    connection = connections[using]
    fields = [f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field]
    if (
        model.save is not Model.save
        or meta.parents
        or meta.proxy
        or meta.order_with_respect_to
        or meta.auto_field is None
        or not connection.features.can_return_columns_from_insert
        or any(hasattr(field, "get_placeholder") for field in fields)
    ):
        return None
    query = InsertQuery(model)
    query.insert_values(fields, [model()])
    compiler = query.get_compiler(using=using)
    compiler.returning_fields = meta.db_returning_fields
    [(sql, params)] = compiler.as_sql()
    if len(params) != len(fields):  # a value written into the SQL, not a parameter
        return None
    returning = list(meta.db_returning_fields)
    columns = [field.get_col(meta.db_table) for field in returning]
    return _Insert(
        sql=sql,
        fields=fields,
        returning=returning,
        returning_params=tuple(compiler.returning_params),
        converters=compiler.get_converters(columns),
    )
