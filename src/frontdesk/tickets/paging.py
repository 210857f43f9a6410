"""Keyset pages: the next page starts after the last row of this one, named by its sort values
(a cursor), so page 1,000 costs what page 1 does and a row inserted meanwhile never shows twice.

An ordering is a tuple of :class:`SortKey`, always ending with the primary key so that it is
total. The workspace, the customer's lists and the REST API name their orderings and take them
from here; each face wraps the cursor in its own format.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import reduce
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Case, DateTimeField, IntegerField, Model, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import User
from frontdesk.core.compiled import CompiledRead
from frontdesk.core.errors import InvalidInput
from frontdesk.tickets.access import gate_shape, gate_stand_in
from frontdesk.tickets.models import Priority, Ticket

LIMIT_MAX = 200
AFTER_INVALID = gettext_noop("That page link is not valid: start again from the first page.")

Row = TypeVar("Row", bound=Model)


@dataclass(frozen=True)
class SortKey:
    """One column of an ordering: a field or annotation, its direction, and whether its
    values are datetimes (carried in the cursor as integer microseconds)."""

    name: str
    descending: bool = False
    is_time: bool = True


_ID = SortKey("id", is_time=False)
_ID_DESC = SortKey("id", descending=True, is_time=False)

BY_ID = (_ID,)
BY_ID_DESC = (_ID_DESC,)
BY_CREATED = (SortKey("created_at"), _ID)
BY_CREATED_DESC = (SortKey("created_at", descending=True), _ID_DESC)
BY_UPDATED = (SortKey("updated_at"), _ID)
BY_UPDATED_DESC = (SortKey("updated_at", descending=True), _ID_DESC)
BY_LAST_ACTIVITY = (SortKey("last_activity_at"), _ID)
BY_LAST_ACTIVITY_DESC = (SortKey("last_activity_at", descending=True), _ID_DESC)
BY_PRIORITY = (SortKey("priority_rank", descending=True, is_time=False), SortKey("created_at"), _ID)
# "Due soonest" puts tickets without a due date last.
BY_DUE = (SortKey("due_key"), _ID)
# Every overdue ticket has a due date: the same order on the column itself, which the index
# of active tickets' due dates serves (the general key wraps it in a COALESCE no index serves).
BY_DUE_AT = (SortKey("due_at"), _ID)
BY_DONE_DESC = (SortKey("done_key", descending=True), _ID_DESC)

_NO_DUE_DATE = datetime(9999, 12, 31, tzinfo=UTC)  # sorts as if due at the end of time
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Annotations some orderings sort by, made fresh for each query.
_ANNOTATIONS: dict[str, Callable[[], Any]] = {
    "priority_rank": lambda: Case(
        *(When(priority=value, then=Value(rank)) for rank, value in enumerate(Priority.values)),
        default=Value(-1),
        output_field=IntegerField(),
    ),
    "due_key": lambda: Coalesce("due_at", Value(_NO_DUE_DATE, output_field=DateTimeField())),
    "done_key": lambda: Coalesce("closed_at", "resolved_at", "updated_at"),
}


@dataclass(frozen=True)
class Page:
    """One page of rows; ``next_after`` is the cursor of the next page, None on the last."""

    rows: list[Any]
    next_after: str | None


def encode_after(row: Model, keys: tuple[SortKey, ...]) -> str:
    parts = []
    for key in keys:
        value = getattr(row, key.name)
        parts.append((value - _EPOCH) // timedelta(microseconds=1) if key.is_time else value)
    return "_".join(str(part) for part in parts)


def decode_after(after: str, keys: tuple[SortKey, ...]) -> list[Any]:
    parts = after.split("_")
    if len(parts) != len(keys) or not all(_is_integer(part) for part in parts):
        raise InvalidInput(AFTER_INVALID, field="after")
    try:
        return [
            _EPOCH + timedelta(microseconds=int(part)) if key.is_time else int(part)
            for part, key in zip(parts, keys, strict=True)
        ]
    except OverflowError as exc:
        raise InvalidInput(AFTER_INVALID, field="after") from exc


def _is_integer(text: str) -> bool:
    digits = text.removeprefix("-")
    return digits.isascii() and digits.isdigit() and len(digits) <= 18


def after_condition(keys: tuple[SortKey, ...], values: list[Any]) -> Q:
    """Rows after the cursor in the ordering: a lexicographic comparison, column by column."""
    terms: list[Q] = []
    equal = Q()
    for key, value in zip(keys, values, strict=True):
        lookup = "lt" if key.descending else "gt"
        terms.append(equal & Q(**{f"{key.name}__{lookup}": value}))
        equal &= Q(**{key.name: value})
    # Implied by the terms, but stated: the planner then reads the index on the first key
    # from the cursor on, instead of filtering the whole index (page 2 cost 2.5 x page 1).
    first = keys[0]
    bound = Q(**{f"{first.name}__{'lte' if first.descending else 'gte'}": values[0]})
    return bound & reduce(operator.or_, terms)


def _ordering(keys: tuple[SortKey, ...]) -> list[str]:
    return [f"-{key.name}" if key.descending else key.name for key in keys]


def _sort_values(keys: tuple[SortKey, ...]) -> dict[str, Any]:
    return {key.name: _ANNOTATIONS[key.name]() for key in keys if key.name in _ANNOTATIONS}


def in_order_after(
    query: QuerySet[Ticket], *, keys: tuple[SortKey, ...], ticket_id: int
) -> tuple[QuerySet[Ticket], QuerySet[Ticket]]:
    """``query`` in the order ``keys``, without the ticket ``ticket_id``: its rows that come
    after that ticket's place (whether or not ``query`` holds it), and all of them."""
    ordering = _ordering(keys)
    rows = query.exclude(pk=ticket_id).annotate(**_sort_values(keys))
    place = Ticket.objects.filter(pk=ticket_id).annotate(**_sort_values(keys)).first()
    if place is None:
        return rows.order_by(*ordering), rows.order_by(*ordering)
    values = [getattr(place, key.name) for key in keys]
    return rows.filter(after_condition(keys, values)).order_by(*ordering), rows.order_by(*ordering)


class PageRows:
    """The tickets of a page, by id, as a list shows them: ``decorate(rows, reader)`` adds its
    annotations (an unread mark, a description) for the page's reader, the people come
    joined, the rows in the page's order. Its SQL is compiled once per shape (the reader's
    gate shape, the ordering, how many rows; core/compiled.py): building and compiling the
    decorated query cost more than running it, about a third of a page's CPU at a million
    tickets (bench/README.md, "Pages at a million tickets")."""

    def __init__(
        self,
        decorate: Callable[[QuerySet[Ticket], User], QuerySet[Ticket]],
        *,
        columns: tuple[str, ...] = (),
        make: Callable[[tuple[Any, ...], tuple[str, ...]], Any] | None = None,
    ) -> None:
        """With ``columns`` and ``make``, the tickets are read as tuples of those columns and
        then the sort values, and each becomes ``make(values, sort_names)``: for a list that
        answers with a few values of each ticket, not with model instances."""
        self.decorate = decorate
        self.columns = columns
        self.make = make
        self.read: CompiledRead[Any] = CompiledRead(self._build)

    def _sort_names(self, keys: tuple[SortKey, ...]) -> tuple[str, ...]:
        return tuple(key.name for key in keys if key.name not in self.columns)

    def _build(
        self, shape: tuple[str, tuple[SortKey, ...], int], reader_id: int, *ids: int
    ) -> QuerySet[Ticket, Any]:
        staff, keys, _count = shape
        rows = self.decorate(Ticket.objects.filter(pk__in=ids), gate_stand_in(staff, reader_id))
        ordered = rows.annotate(**_sort_values(keys)).order_by(*_ordering(keys))
        if self.make is not None:
            return ordered.values_list(*self.columns, *self._sort_names(keys))
        return ordered.select_related("requester", "assignee")

    def __call__(self, reader: User, keys: tuple[SortKey, ...], ids: list[int]) -> list[Any]:
        if not ids:
            return []
        found = self.read((gate_shape(reader), keys, len(ids)), reader.pk, *ids)
        if self.make is None:
            return found
        names = self._sort_names(keys)
        return [self.make(values, names) for values in found]


def ticket_page(
    query: QuerySet[Ticket] | PageIds,
    *,
    keys: tuple[SortKey, ...],
    after: str,
    limit: int,
    rows: PageRows,
    reader: User,
) -> Page:
    """One keyset page of ``query`` (its filters only) in the order ``keys``, its tickets as
    ``rows`` makes them for ``reader``. ``query`` may also be :class:`PageIds`, which chooses
    the same ids through SQL compiled once.

    The page's ids are chosen first, on the indexes: the database finds and sorts narrow rows,
    and the decorations, people and tags are worked out for the page's rows alone. (Sorting
    whole decorated rows cost 1 s for the 60,000 unclaimed tickets of the scale benchmark,
    where choosing the ids takes a millisecond.) Three queries: the ids, the tickets, the tags'
    names (:func:`with_tag_names`)."""
    limit = max(1, min(limit, LIMIT_MAX))
    values = decode_after(after, keys) if after else None
    if isinstance(query, PageIds):
        page_ids = query(reader, keys=keys, after=values, count=limit + 1)
    else:
        page_ids = [pk for (pk,) in _page_ids(query, keys, values, limit + 1)]
    found = rows(reader, keys, page_ids)
    tickets = found[:limit]
    with_tag_names(tickets)
    return Page(tickets, encode_after(tickets[-1], keys) if len(found) > limit else None)


def _page_ids(
    query: QuerySet[Ticket], keys: tuple[SortKey, ...], after: list[Any] | None, count: int
) -> QuerySet[Ticket, tuple[int]]:
    """The ids of the first ``count`` rows of ``query`` after the sort values ``after`` (None:
    from the start) in the order ``keys``, as tuples of one."""
    chosen = query.annotate(**_sort_values(keys))
    if after is not None:
        chosen = chosen.filter(after_condition(keys, after))
    return chosen.order_by(*_ordering(keys)).values_list("pk")[:count]


class PageIds:
    """A page's ids (as :func:`ticket_page` chooses them) from the tickets that
    ``select(query_shape, reader, *values)`` selects, its SQL compiled once per query shape,
    reader's gate shape, ordering, page size and whether a cursor is given (core/compiled.py).
    Building and compiling that query (the gate, the filters, the cursor's condition) cost
    0.76 ms of CPU on a REST list whose SQL runs in 0.5 ms (a million tickets, SQLite,
    2026-12-04).

    ``select`` may read of the reader only what their gate shape says and their id, and of
    ``query_shape`` what makes its SQL (say, the filters' values); ``values`` (the time now)
    only fill parameters, as the reader's id and the cursor's sort values do."""

    def __init__(
        self,
        select: Callable[..., QuerySet[Ticket]],
        query_shape: Any,
        values: tuple[int | str | datetime, ...] = (),
    ) -> None:
        self.select = select
        self.query_shape = query_shape
        self.values = values

    def __call__(
        self, reader: User, *, keys: tuple[SortKey, ...], after: list[Any] | None, count: int
    ) -> list[int]:
        shape = (
            self.select,
            self.query_shape,
            len(self.values),
            gate_shape(reader),
            keys,
            after is not None,
            count,
        )
        found = _compiled_ids(shape, reader.pk, *self.values, *(after or ()))
        return [pk for (pk,) in found]


def _compiled_ids_query(shape: tuple[Any, ...], reader_id: int, *values: Any) -> QuerySet[Any]:
    select, query_shape, given, gate, keys, has_after, count = shape
    query = select(query_shape, gate_stand_in(gate, reader_id), *values[:given])
    return _page_ids(query, keys, list(values[given:]) if has_after else None, count)


# Its shapes come from requests (the filters' values, the page size): at most 500 plans, a
# few kB each.
_compiled_ids: CompiledRead[tuple[int]] = CompiledRead(_compiled_ids_query, most=500)


_TAG_NAMES_SQL = (
    'SELECT link."ticket_id", tag."name" FROM "tickets_ticket_tags" link'
    ' JOIN "tickets_tag" tag ON tag."id" = link."tag_id"'
    ' WHERE link."ticket_id" IN ({}) ORDER BY tag."name"'
)


def with_tag_names(tickets: list[Ticket]) -> None:
    """Give each ticket ``tag_names``: its tags' names in order, read in one query. (Django's
    prefetch of ``tags`` made a related manager and a queryset per ticket: a fifth of a
    50-ticket page's CPU, for a few names.)"""
    names: dict[int, list[str]] = {ticket.pk: [] for ticket in tickets}
    if names:
        # Hand-written: the ORM's version of this one join spent 0.42 ms of CPU preparing 50
        # ids and compiling, this 0.06 ms (1,000,000 tickets, SQLite; same rows).
        placeholders = ", ".join(["%s"] * len(names))
        with connection.cursor() as cursor:
            cursor.execute(_TAG_NAMES_SQL.format(placeholders), list(names))
            for ticket_id, name in cursor.fetchall():
                names[ticket_id].append(name)
    for ticket in tickets:
        ticket.tag_names = names[ticket.pk]  # type: ignore[attr-defined]


def id_page(query: QuerySet[Row], *, keys: tuple[SortKey, ...], after: str, limit: int) -> Page:
    """A keyset page of any rows by id (``BY_ID`` or ``BY_ID_DESC``)."""
    if after:
        query = query.filter(after_condition(keys, decode_after(after, keys)))
    found = list(query.order_by(*_ordering(keys))[: limit + 1])
    rows = found[:limit]
    return Page(rows, encode_after(rows[-1], keys) if len(found) > limit else None)
