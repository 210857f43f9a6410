"""Reads for the pages and the SupportMe API: home lists, the agents' workspace (views,
counts, search), the conversation, the people a ticket can name, and readable history.
Every list is composed from tickets/access.py (who sees what), tickets/filters.py (the
filters) and tickets/paging.py (keyset pages); nothing here decides visibility itself."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple
from urllib.parse import parse_qsl, urlencode

from django.core.cache import cache
from django.db import models
from django.db.models import (
    BigIntegerField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Concat, Lower, Substr
from django.utils.translation import gettext_lazy, gettext_noop, pgettext_lazy

from frontdesk.accounts.models import STAFF_ROLES, Role, User
from frontdesk.accounts.selectors import user_get
from frontdesk.core.clock import now
from frontdesk.core.compiled import CompiledRead
from frontdesk.core.errors import InvalidInput, NotAllowed, NotFound
from frontdesk.core.ids import is_id
from frontdesk.teams.models import Team
from frontdesk.tickets import access, paging, search, statistics
from frontdesk.tickets import rows as rows_
from frontdesk.tickets.filters import (
    CHOOSE_AGENT,
    UNASSIGNED,
    WORKSPACE_FILTERS,
    choice_filters,
    filter_condition,
    is_dynamic_name,
    overdue_at,
    parse_filters,
)
from frontdesk.tickets.models import (
    ACTIVE_STATUSES,
    IS_ACTIVE,
    IS_DONE,
    Attachment,
    Category,
    Message,
    MessageKind,
    Priority,
    SavedView,
    Status,
    Ticket,
    TicketEvent,
    TicketRead,
)

SEARCH_MAX_LENGTH = 200
WORKSPACE_LIMIT = 50
PREVIEW_LENGTH = 160  # characters of the latest message shown beside a title
SAVED_VIEW_NOT_FOUND = gettext_noop("There is no saved view with that id.")
STAFF_ONLY = "Only agents can use the workspace."
NO_SUCH_CUSTOMER = gettext_noop("There is no customer with that id.")
# "TKT-000123", "tkt123" or "123" names a ticket.
TICKET_NUMBER = re.compile(r"^\s*(?:TKT-?)?0*(\d{1,18})\s*$", re.IGNORECASE)


def check_staff(user: User, message: str = STAFF_ONLY) -> None:
    if not user.is_staff_member:
        raise NotAllowed(message)


# --- the conversation and a user's own lists ----------------------------------------------


def conversation(*, user: User, ticket: Ticket) -> QuerySet[Message]:
    """The messages of ``ticket`` that ``user`` may read, in reading order."""
    return access.messages_on(user, ticket).order_by("id")


def conversation_ids(*, user: User, ticket: Ticket) -> list[int]:
    """The ids of :func:`conversation`, in reading order."""
    if not access.may_see_ticket(user, ticket):
        return []
    return [pk for (pk,) in _conversation_ids(access.gate_shape(user), ticket.pk)]


def conversation_shown(
    *, user: User, ticket: Ticket, ids: Sequence[int] | None = None
) -> list[Message]:
    """The messages of :func:`conversation` whose ids are in ``ids`` (None: all of them), in
    reading order, each with its author and its files in ``files`` (a ticket page's thread).
    Compiled once (core/compiled.py): building these queries was most of the thread's CPU."""
    if not access.may_see_ticket(user, ticket) or (ids is not None and not ids):
        return []
    shape = access.gate_shape(user)
    if ids is None:
        messages = _conversation_all(shape, ticket.pk)
    else:
        messages = _conversation_among((shape, len(ids)), ticket.pk, *ids)
    with_files(messages, ticket_id=ticket.pk)
    return messages


def with_files(messages: list[Message], *, ticket_id: int) -> None:
    """Give each of ``messages`` (of ticket ``ticket_id``) ``files``: its attachments, in the
    order they were added. One query for the ticket's files, which are few."""
    files: dict[int, list[Attachment]] = {message.pk: [] for message in messages}
    if files:
        for attachment in _ticket_files(None, ticket_id):
            files.get(attachment.message_id, []).append(attachment)
    for message in messages:
        message.files = files[message.pk]  # type: ignore[attr-defined]


def conversation_newest_first(*, user: User, ticket: Ticket) -> list[Message]:
    """:func:`conversation`, newest message first (SupportMe's order)."""
    if not access.may_see_ticket(user, ticket):
        return []
    return _conversation_newest_first(access.gate_shape(user), ticket.pk)


def _newest_first(shape: str, ticket_id: int) -> QuerySet[Message]:
    return access.messages_on_any(shape, ticket_id).order_by("-id")


class TicketRow(NamedTuple):
    """What SupportMe's lists show of a ticket, as a row: a customer may have thousands of
    open tickets, and the list is unpaged by contract."""

    pk: int
    title: str
    requester_id: int
    assignee_id: int | None
    status: str
    created_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None


# TicketRow's columns, in its order.
ROW_FIELDS = (
    "id",
    "title",
    "requester_id",
    "assignee_id",
    "status",
    "created_at",
    "resolved_at",
    "closed_at",
)


def tickets_active_for(*, user: User, reader: User | None = None) -> list[Ticket]:
    """Open tickets the user requested or is assigned to and may see, oldest first (SupportMe
    order). With ``reader``, each carries ``unread`` and its last reply as that reader sees
    them."""
    return list(_active_for(user, reader))


def ticket_rows_active_for(*, user: User) -> list[TicketRow]:
    """:func:`tickets_active_for` as rows (SupportMe's lists)."""
    rows = _ticket_rows_active_for(access.gate_shape(user), user.pk)
    return [TicketRow(*row) for row in rows]


def _active_for(user: User, reader: User | None) -> QuerySet[Ticket]:
    # A UNION of two index-backed queries rather than one "requester OR assignee" scan, both
    # inside the gate: an agent made a customer stays the assignee of tickets not theirs.
    mine = _for_reader(access.tickets_visible_to(user).filter(IS_ACTIVE), reader)
    query = mine.filter(requester=user).union(mine.filter(assignee=user))
    return query.order_by("created_at", "id")


def tickets_done_for(*, user: User, reader: User | None = None) -> list[Ticket]:
    """Closed tickets the user requested or is assigned to and may see, most recently closed
    first. With ``reader``, each carries ``unread`` and its last reply as that reader sees
    them."""
    return list(_done_for(user, reader))


def ticket_rows_done_for(*, user: User) -> list[TicketRow]:
    """:func:`tickets_done_for` as rows (SupportMe's lists)."""
    rows = _ticket_rows_done_for(access.gate_shape(user), user.pk)
    return [TicketRow(*row[: len(ROW_FIELDS)]) for row in rows]  # without the sort key


def _done_for(user: User, reader: User | None) -> QuerySet[Ticket]:
    done = _for_reader(access.tickets_visible_to(user).filter(IS_DONE), reader)
    done = done.annotate(done_at=Coalesce("closed_at", "resolved_at"))
    query = done.filter(requester=user).union(done.filter(assignee=user))
    return query.order_by("-done_at", "-id")


# SupportMe's reads, compiled once (core/compiled.py): compiling these querysets took more
# CPU than running them (bench/README.md, "CPU per request").
_conversation_newest_first = CompiledRead(_newest_first)
_conversation_ids = CompiledRead(
    lambda shape, ticket_id: (
        access.messages_on_any(shape, ticket_id).order_by("id").values_list("id")
    )
)
_conversation_all = CompiledRead(
    lambda shape, ticket_id: (
        access.messages_on_any(shape, ticket_id).select_related("author").order_by("id")
    )
)
_conversation_among = CompiledRead(
    lambda shape, ticket_id, *ids: (
        access.messages_on_any(shape[0], ticket_id)
        .filter(id__in=ids)
        .select_related("author")
        .order_by("id")
    )
)
# The files of a ticket's messages, those the reader may not see included: with_files only
# gives them to messages the reader was given.
_ticket_files = CompiledRead(
    lambda shape, ticket_id: Attachment.objects.filter(message__ticket_id=ticket_id).order_by(
        "message_id", "id"
    )
)
# Rows, not model instances: making a Ticket and three aware datetimes cost 13 µs of the 28
# per ticket of a customer's open tickets (bench/README.md, "Pages at a million tickets").
_ticket_rows_active_for = CompiledRead(
    lambda shape, user_id: _active_for(access.gate_stand_in(shape, user_id), None).values_list(
        *ROW_FIELDS
    )
)
# The agents' queue as SupportMe lists it, compiled and as rows: built each time and read as
# Ticket instances it took 2.8 ms for a queue of 27, 0.73 ms so (bench/flow_cpu.py).
_ticket_rows_claimable = CompiledRead(
    lambda shape, user_id: _claimable(access.gate_stand_in(shape, user_id)).values_list(*ROW_FIELDS)
)
_ticket_rows_done_for = CompiledRead(
    lambda shape, user_id: _done_for(access.gate_stand_in(shape, user_id), None).values_list(
        *ROW_FIELDS, "done_at"
    )
)


def tickets_claimable(*, user: User) -> QuerySet[Ticket]:
    """Unassigned active tickets, oldest first: the agents' priority queue."""
    check_staff(user, access.NOT_AUTHORISED)
    return _claimable(user)


def ticket_rows_claimable(*, user: User) -> list[TicketRow]:
    """:func:`tickets_claimable` as rows (SupportMe's list)."""
    check_staff(user, access.NOT_AUTHORISED)
    return [TicketRow(*row) for row in _ticket_rows_claimable(access.gate_shape(user), user.pk)]


def _claimable(user: User) -> QuerySet[Ticket]:
    tickets = access.tickets_visible_to(user)
    return tickets.filter(IS_ACTIVE, assignee__isnull=True).order_by("created_at", "id")


def with_unread(queryset: QuerySet[Ticket], user: User) -> QuerySet[Ticket]:
    """Annotate each ticket (one ``user`` may see) with ``unread``: it has a message ``user``
    may see, written by someone else, newer than what they last read (or they never opened
    it). One EXISTS per row, served by the (ticket, id) index: the number of queries stays the
    same however long the list."""
    last_read = TicketRead.objects.filter(user=user, ticket=OuterRef(OuterRef("pk"))).values(
        "last_read_message_id"
    )[:1]
    newer = Message.objects.filter(
        access.message_kind_condition(user),
        ticket=OuterRef("pk"),
        id__gt=Coalesce(Subquery(last_read), Value(0), output_field=BigIntegerField()),
    ).exclude(author=user)
    return queryset.annotate(unread=Exists(newer))


def with_last_reply(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Annotate each ticket with its last public reply: ``last_reply_at``,
    ``last_reply_by`` (a username) and ``last_reply_by_id``. Notes and system lines are not
    replies."""
    replies = Message.objects.filter(ticket=OuterRef("pk"), kind=MessageKind.PUBLIC).order_by("-id")
    return queryset.annotate(
        last_reply_at=Subquery(replies.values("created_at")[:1]),
        last_reply_by=Subquery(replies.values("author__username")[:1]),
        last_reply_by_id=Subquery(replies.values("author_id")[:1]),
    )


def _for_reader(queryset: QuerySet[Ticket], reader: User | None) -> QuerySet[Ticket]:
    if reader is None:
        return queryset
    return with_last_reply(with_unread(queryset, reader))


# --- the agent workspace: views, sorting, search ------------------------------------------


# Their labels are the workspace's words, in the reader's language (the APIs take the values).
class WorkspaceView(models.TextChoices):
    CLAIMABLE = "claimable", pgettext_lazy("workspace view", "Claimable")
    MINE = "mine", pgettext_lazy("workspace view", "Mine")
    OPEN = "open", pgettext_lazy("workspace view", "All open")
    PENDING = "pending", pgettext_lazy("workspace view", "Pending")
    OVERDUE = "overdue", pgettext_lazy("workspace view", "Overdue")
    CLOSED = "closed", pgettext_lazy("workspace view", "Recently closed")


class WorkspaceSort(models.TextChoices):
    CREATED = "created", gettext_lazy("Oldest first")
    CREATED_DESC = "-created", gettext_lazy("Newest first")
    LAST_ACTIVITY = "last_activity", gettext_lazy("Least recent activity")
    LAST_ACTIVITY_DESC = "-last_activity", gettext_lazy("Most recent activity")
    PRIORITY = "priority", gettext_lazy("Highest priority")
    DUE = "due", gettext_lazy("Due soonest")
    CLOSED_DESC = "-closed", gettext_lazy("Most recently closed")


WORKSPACE_ORDERINGS: dict[str, tuple[paging.SortKey, ...]] = {
    WorkspaceSort.CREATED: paging.BY_CREATED,
    WorkspaceSort.CREATED_DESC: paging.BY_CREATED_DESC,
    WorkspaceSort.LAST_ACTIVITY: paging.BY_LAST_ACTIVITY,
    WorkspaceSort.LAST_ACTIVITY_DESC: paging.BY_LAST_ACTIVITY_DESC,
    WorkspaceSort.PRIORITY: paging.BY_PRIORITY,
    WorkspaceSort.DUE: paging.BY_DUE,
    WorkspaceSort.CLOSED_DESC: paging.BY_DONE_DESC,
}
# Each view's own order: the queues oldest first, overdue by how late, closed newest first.
DEFAULT_SORT: dict[str, str] = {
    WorkspaceView.CLAIMABLE: WorkspaceSort.CREATED,
    WorkspaceView.MINE: WorkspaceSort.CREATED,
    WorkspaceView.OPEN: WorkspaceSort.CREATED,
    WorkspaceView.PENDING: WorkspaceSort.CREATED,
    WorkspaceView.OVERDUE: WorkspaceSort.DUE,
    WorkspaceView.CLOSED: WorkspaceSort.CLOSED_DESC,
}
SEARCH_SORT = WorkspaceSort.LAST_ACTIVITY_DESC


@dataclass(frozen=True)
class TicketPage:
    """One page of a ticket list; ``next_after`` is the cursor of the next page, if any."""

    tickets: list[rows_.QueueRow]
    next_after: str | None
    sort: str


@dataclass(frozen=True)
class SearchResult:
    """What a search found: the ticket its words name by number, or a page of matches."""

    ticket: Ticket | None
    page: TicketPage


def view_condition(view: str, user: User, moment: datetime | None = None) -> Q:
    """The tickets of the workspace view ``view`` for ``user``; "Overdue" as it stands at
    ``moment`` (None: now)."""
    conditions: dict[str, Callable[[], Q]] = {
        WorkspaceView.CLAIMABLE: lambda: IS_ACTIVE & Q(assignee__isnull=True),
        WorkspaceView.MINE: lambda: IS_ACTIVE & Q(assignee=user),
        WorkspaceView.OPEN: lambda: IS_ACTIVE,
        WorkspaceView.PENDING: lambda: Q(status=Status.PENDING),
        WorkspaceView.OVERDUE: lambda: overdue_at(moment or now()),
        WorkspaceView.CLOSED: lambda: IS_DONE,
    }
    if view not in conditions:
        raise InvalidInput(
            gettext_noop("Unknown view %(view)s."), values={"view": repr(view)}, field="view"
        )
    return conditions[view]()


def workspace_keys(view: str, sort: str) -> tuple[paging.SortKey, ...] | None:
    """The keys a workspace list in ``view`` is ordered by for ``sort`` (None: no such sort).
    Every overdue ticket has a due date, so "due soonest" sorts them on the column itself,
    which the index of active tickets' due dates serves; the general key (a COALESCE) no
    index serves, and sorting every overdue ticket took 0.4 s at a million tickets."""
    if view == WorkspaceView.OVERDUE and sort == WorkspaceSort.DUE:
        return paging.BY_DUE_AT
    return WORKSPACE_ORDERINGS.get(sort)


def _workspace_page(
    user: User,
    query: QuerySet[Ticket] | paging.PageIds,
    *,
    sort: str,
    after: str,
    limit: int,
    view: str = "",
) -> TicketPage:
    keys = workspace_keys(view, sort)
    if keys is None:
        raise InvalidInput(
            gettext_noop("Unknown sort %(sort)s."), values={"sort": repr(sort)}, field="sort"
        )
    page = paging.ticket_page(
        query, keys=keys, after=after, limit=limit, rows=_workspace_rows, reader=user
    )
    return TicketPage(tickets=page.rows, next_after=page.next_after, sort=sort)


def with_preview(queryset: QuerySet[Ticket], user: User) -> QuerySet[Ticket]:
    """Annotate each ticket with ``preview``: the start of its latest reply or note that
    ``user`` may read (system lines are not news). A subquery on the (ticket, id) index, so the
    page stays one query."""
    latest = (
        Message.objects.filter(access.message_kind_condition(user), ticket=OuterRef("pk"))
        .exclude(kind=MessageKind.SYSTEM)
        .order_by("-id")
        .annotate(start=Substr("body", 1, PREVIEW_LENGTH))
        .values("start")[:1]
    )
    return queryset.annotate(preview=Subquery(latest))


# A workspace page's tickets: with their unread mark and preview for the agent reading them,
# as the values its rows show (tickets/rows.py says why not as instances).
_workspace_rows = paging.PageRows(
    lambda rows, reader: with_preview(with_unread(rows, reader), reader),
    columns=rows_.QUEUE_COLUMNS,
    make=rows_.QueueRow.from_values,
)


def tickets_for_workspace(
    *,
    user: User,
    view: str,
    filters: Mapping[str, str] | None = None,
    sort: str = "",
    after: str = "",
    limit: int = WORKSPACE_LIMIT,
) -> TicketPage:
    """One page of a workspace view (staff only), narrowed by ``filters`` (tickets/filters.py,
    as text), in ``sort`` order (the view's own order when empty), starting after the cursor
    ``after``. Three queries: the tickets with their requester, assignee and unread mark, and
    their tags."""
    check_staff(user)
    filters = filters or {}
    # Built on every request, so that what it refuses (an unknown view, a filter's value) is
    # refused the same way whichever query then chooses the page's ids.
    condition = view_condition(view, user) & filter_condition(user, filters)
    query: QuerySet[Ticket] | paging.PageIds
    chosen = choice_filters(filters)
    if chosen is not None and not any(name == "overdue" for name, _ in chosen):
        moment = (now(),) if view == WorkspaceView.OVERDUE else ()
        query = paging.PageIds(_workspace_tickets, (view, chosen), moment)
    else:
        query = access.tickets_visible_to(user).filter(condition)
    sort = sort or DEFAULT_SORT[view]
    return _workspace_page(user, query, sort=sort, after=after, limit=limit, view=view)


def _workspace_tickets(
    shape: tuple[str, tuple[tuple[str, str], ...]], reader: User, *moment: datetime
) -> QuerySet[Ticket]:
    """The tickets of a workspace view (``shape``: the view and its choice filters) that
    ``reader`` may see, "Overdue" at ``moment`` (the time of the request): what
    :func:`tickets_for_workspace` lists, for paging.PageIds to compile once per shape.
    Building and compiling it was about a twentieth of the page's CPU at a million
    tickets."""
    view, chosen = shape
    condition = view_condition(view, reader, *moment) & filter_condition(reader, dict(chosen))
    return access.tickets_visible_to(reader).filter(condition)


# Read on every workspace page, so compiled once (core/compiled.py): "Mine" counted on the
# assignee index (one row, or none), and an agent's saved views. Building them was about
# 1 ms of the page's CPU. COUNT(*), not COUNT(id): PostgreSQL then counts from the index
# alone, without reading each ticket (an agent with 6,324 open tickets, a million on the
# desk: 7.3 → 1.8 ms); SQLite's index holds the id and counted from it either way.
_mine_count = CompiledRead(
    lambda shape, user_id: (
        Ticket.objects.filter(IS_ACTIVE, assignee_id=user_id)
        .order_by()
        .values_list("assignee_id")
        .annotate(n=Count("*"))
        .values_list("n")
    )
)
_saved_views = CompiledRead(
    lambda shape, user_id: (
        SavedView.objects.filter(Q(owner_id=user_id) | Q(shared=True))
        .select_related("owner")
        .order_by(Lower("name"), "id")
    )
)


def workspace_counts(*, user: User) -> dict[str, int]:
    """How many tickets each workspace view holds (staff only). The desk-wide counts come
    from the desk summary (statistics.py, at most a minute old); "Mine" is counted now, on
    the assignee index. One query, two when the summary is recomputed."""
    check_staff(user)
    summary = statistics.summary_for(user)
    active = sum(summary.by_status[status] for status in ACTIVE_STATUSES)
    return {
        WorkspaceView.CLAIMABLE: summary.unassigned,
        WorkspaceView.MINE: sum(n for (n,) in _mine_count("mine", user.pk)),
        WorkspaceView.OPEN: active,
        WorkspaceView.PENDING: summary.by_status[Status.PENDING],
        WorkspaceView.OVERDUE: summary.overdue,
        WorkspaceView.CLOSED: summary.total - active,
    }


# --- the workspace's address as the definition of a view -----------------------------------

# What a view's address may name, in the order a saved view writes it.
VIEW_QUERY_NAMES = ("view", *WORKSPACE_FILTERS, "sort")
VIEW_QUERY_MAX_LENGTH = 500


@dataclass(frozen=True)
class ViewQuery:
    """A workspace view as its address says it: a built-in view, filters (as text, as
    tickets/filters.py takes them) and an order (empty: the view's own)."""

    view: str
    filters: dict[str, str]
    sort: str

    @property
    def text(self) -> str:
        """The query string, in one canonical form: the same view is always the same text."""
        pairs = [("view", self.view)]
        pairs += [(name, text) for name in WORKSPACE_FILTERS if (text := self.filters.get(name))]
        pairs += sorted(
            (name, text) for name, text in self.filters.items() if is_dynamic_name(name) and text
        )
        if self.sort:
            pairs.append(("sort", self.sort))
        return urlencode(pairs)

    def condition(self, user: User) -> Q:
        return view_condition(self.view, user) & filter_condition(user, self.filters)


def view_query_parse(text: str, *, strict: bool = True) -> ViewQuery:
    """The view a workspace query string (``view=open&status=pending&sort=-created``) defines.
    Every value is checked (tickets/filters.py for the filters): InvalidInput names the first
    that is not valid. ``strict`` refuses what a view cannot hold (a search, a page cursor,
    an unknown name, a name given twice); otherwise those are left out."""
    if len(text) > VIEW_QUERY_MAX_LENGTH:
        raise InvalidInput(gettext_noop("That view is too long to keep."), field="query")
    values: dict[str, str] = {}
    for name, value in parse_qsl(text.lstrip("?"), keep_blank_values=True):
        if (name not in VIEW_QUERY_NAMES and not is_dynamic_name(name)) or name in values:
            if strict:
                raise InvalidInput(
                    gettext_noop("%(name)s is given twice.")
                    if name in values
                    else gettext_noop("%(name)s is not part of a view."),
                    values={"name": repr(name)},
                    field="query",
                )
            continue
        values[name] = value.strip()
    view = values.pop("view", "") or WorkspaceView.CLAIMABLE
    if view not in WorkspaceView.values:
        raise InvalidInput(
            gettext_noop("Unknown view %(view)s."), values={"view": repr(view)}, field="view"
        )
    sort = values.pop("sort", "")
    if sort and sort not in WorkspaceSort.values:
        raise InvalidInput(
            gettext_noop("Unknown sort %(sort)s."), values={"sort": repr(sort)}, field="sort"
        )
    parsed = parse_filters(values)
    filters = {name: values[name] for name in WORKSPACE_FILTERS if name in parsed}
    filters |= {name: values[name] for name in parsed if is_dynamic_name(name)}
    if "tag" in parsed:
        filters["tag"] = parsed["tag"]
    return ViewQuery(view=view, filters=filters, sort=sort)


def view_query_check(*, user: User, query: ViewQuery) -> None:
    """What parsing alone cannot tell: the agent an assignee filter names is one."""
    agent = query.filters.get("assigned_to", "")
    if agent and agent != UNASSIGNED:
        agent_get(user=user, agent_id=int(agent))


def saved_views_for(*, user: User) -> list[SavedView]:
    """The saved views ``user`` sees (staff only): their own and the shared ones, by name."""
    check_staff(user)
    return _saved_views("saved views", user.pk)


def saved_view_get(*, user: User, view_id: int) -> SavedView:
    """One saved view ``user`` sees: their own or a shared one (else NotFound)."""
    check_staff(user)
    found = None
    if is_id(view_id):
        found = (
            SavedView.objects.filter(Q(owner=user) | Q(shared=True), pk=view_id)
            .select_related("owner")
            .first()
        )
    if found is None:
        raise NotFound(SAVED_VIEW_NOT_FOUND)
    return found


class _Count(Subquery):
    """``(SELECT COUNT(*) FROM (subquery))``: a count as a column of another query, so that
    many counts come back in one."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) counted)"
    output_field = IntegerField()


def saved_view_counts(*, user: User, views: Sequence[SavedView]) -> dict[int, int]:
    """How many tickets each saved view holds, by view id (staff only), counted by the
    database in one query, each count on the indexes its view's conditions use.

    Kept like the desk summary (statistics.py): recounted after any change while counting is
    cheap, and at most ``statistics.SUMMARY_MAX_AGE_SECONDS`` old when it is not. A view
    whose query no longer parses (an agent since removed) counts 0."""
    check_staff(user)
    if not views:
        return {}
    signature = tuple((view.pk, view.query) for view in views)
    key = f"frontdesk:saved-view-counts:{user.pk}"
    version = cache.get(statistics.DESK_VERSION_KEY, 0)
    cached = cache.get(key)
    fresh = isinstance(cached, _CachedCounts) and cached.signature == signature
    if fresh and (cached.version == version or cached.seconds >= statistics.SUMMARY_CHEAP_SECONDS):
        return cached.counts
    counts: dict[int, int] = {}
    columns: dict[str, _Count] = {}
    for view in views:
        try:
            condition = view_query_parse(view.query).condition(user)
        except InvalidInput:
            counts[view.pk] = 0
            continue
        tickets = access.tickets_visible_to(user).filter(condition).order_by().values("pk")
        columns[f"view_{view.pk}"] = _Count(tickets)
    started = time.monotonic()
    if columns:
        row = User.objects.filter(pk=user.pk).values(**columns).first() or {}
        counts.update({int(name[5:]): int(str(value or 0)) for name, value in row.items()})
    seconds = time.monotonic() - started
    cache.set(
        key,
        _CachedCounts(signature, version, seconds, counts),
        statistics.SUMMARY_MAX_AGE_SECONDS,
    )
    return counts


@dataclass(frozen=True)
class _CachedCounts:
    signature: tuple[tuple[int, str], ...]  # the views counted, with their queries
    version: int  # the desk's version counted
    seconds: float  # what counting cost
    counts: dict[int, int]


def search_words(query: str) -> str:
    """The words of a search, spaced once, within the length a search may have."""
    words = " ".join(query.split())
    if len(words) > SEARCH_MAX_LENGTH:
        raise InvalidInput(
            gettext_noop("Search for at most %(limit)s characters."),
            values={"limit": SEARCH_MAX_LENGTH},
            field="q",
        )
    return words


def search_condition(user: User, words: str) -> Q:
    """Tickets whose title or messages ``user`` may read match ``words`` (full text, the
    best ``search.MATCH_LIMIT`` of them): one subquery, so the search stays one query."""
    include_internal, requester_id = access.search_scope(user)
    sql, params = search.ticket_ids_matching_sql(
        query=words, include_internal=include_internal, requester_id=requester_id
    )
    return Q(pk__in=RawSQL(sql, params))  # noqa: S611 (fixed text; values are parameters)


def named_ticket_id(words: str) -> int | None:
    """The ticket number ``words`` name ("TKT-000123", "123"), if they are one."""
    number = TICKET_NUMBER.match(words)
    return int(number.group(1)) if number else None


def tickets_search(
    *,
    user: User,
    query: str,
    filters: Mapping[str, str] | None = None,
    sort: str = "",
    after: str = "",
    limit: int = WORKSPACE_LIMIT,
) -> SearchResult:
    """Find tickets by words in their title or in any message ``user`` may read (staff read
    internal notes, customers never match them), most recent activity first. "TKT-000123" or
    "123" names a ticket: when ``user`` may see it, it is the result.

    Full-text (tickets/search.py): every word and "quoted phrase" must appear; the best
    ``search.MATCH_LIMIT`` matches by relevance are listed, in ``sort`` order.
    """
    words = search_words(query)
    if not words:
        raise InvalidInput(gettext_noop("Type a word or a ticket number to search for."), field="q")
    tickets = access.tickets_visible_to(user)
    named = named_ticket_id(words)
    if named is not None and is_id(named):
        ticket = tickets.filter(pk=named).first()
        if ticket is not None:
            return SearchResult(ticket=ticket, page=TicketPage([], None, sort or SEARCH_SORT))
    tickets = tickets.filter(search_condition(user, words), filter_condition(user, filters or {}))
    page = _workspace_page(user, tickets, sort=sort or SEARCH_SORT, after=after, limit=limit)
    return SearchResult(ticket=None, page=page)


# --- the people a ticket names ------------------------------------------------------------


def ticket_logged_by(*, ticket: Ticket) -> str:
    """The name of whoever opened ``ticket`` on its requester's behalf (an agent logging a
    call), or "" when the requester opened it themselves. The ticket's gate read joins the
    requester and the assignee, not its creator: read through the accounts' compiled read
    (the related object's lazy read cost about 0.5 ms of CPU on every such ticket page)."""
    if ticket.created_by_id == ticket.requester_id:
        return ""
    return user_get(user_id=ticket.created_by_id).username


class AgentName(NamedTuple):
    """An agent or admin as a choice of assignee shows them."""

    pk: int
    username: str


def agents_assignable(*, user: User) -> list[AgentName]:
    """The active agents and admins a ticket can be given to, by name (staff only): their id
    and username (what a choice of agent shows), the rest of each account left unread."""
    check_staff(user)
    return [AgentName(pk, username) for pk, username in _agents_assignable(None)]


# Every workspace and agent's ticket page lists the agents: compiled once (core/compiled.py),
# 1.8 -> 0.6 ms of CPU at 50 agents; as pairs, not users (each User cost ~7 µs to make): 1.3
# -> 0.9 ms under load. Ordered by ``lower(username) || ''``, the same order: by
# ``lower(username)`` itself SQLite read every user (2,052 on the demo desk) through the unique
# index on that expression to skip sorting 51 rows, 0.40 ms of CPU; through the role index
# and a sort, 0.03 ms.
_agents_assignable = CompiledRead(
    lambda shape: (
        User.objects.filter(role__in=STAFF_ROLES, is_active=True)
        .order_by(Concat(Lower("username"), Value("")), "id")
        .values_list("id", "username")
    )
)


def agent_get(*, user: User, agent_id: int) -> User:
    """An active agent or admin by id, for assigning a ticket (staff only)."""
    check_staff(user)
    agent = None
    if is_id(agent_id):
        agent = User.objects.filter(pk=agent_id, role__in=STAFF_ROLES, is_active=True).first()
    if agent is None:
        raise InvalidInput(CHOOSE_AGENT, field="assignee")
    return agent


def requester_get(*, requester_id: int) -> User:
    """A customer by id, to open a ticket for (ticket_open_check decides who may)."""
    requester = None
    if is_id(requester_id):
        requester = User.objects.filter(pk=requester_id).exclude(role=Role.SYSTEM).first()
    if requester is None:
        raise InvalidInput(NO_SUCH_CUSTOMER, field="requester")
    return requester


# --- history, made readable ---------------------------------------------------------------

HistoryValue = str | datetime | User | None


@dataclass(frozen=True)
class HistoryEntry:
    """One change in a ticket's history, its values made readable: choices by their labels,
    assignees as users, due dates as datetimes."""

    event: TicketEvent
    old: HistoryValue
    new: HistoryValue


_CHOICE_FIELDS: dict[str, type[models.TextChoices]] = {
    TicketEvent.Field.STATUS: Status,
    TicketEvent.Field.PRIORITY: Priority,
    TicketEvent.Field.CATEGORY: Category,
}


def ticket_history(*, user: User, ticket: Ticket) -> list[HistoryEntry]:
    """Every recorded change of ``ticket`` that ``user`` may see (a customer: none), oldest
    first. Two queries at most: the events with their actors, and the assignees they name."""
    if not user.is_staff_member:  # access.events_visible_to: a customer's history is empty
        return []
    events = _ticket_events(access.gate_shape(user), ticket.pk)
    assignee_ids = {
        int(value)
        for event in events
        if event.field == TicketEvent.Field.ASSIGNEE
        for value in (event.old_value, event.new_value)
        if value.isascii() and value.isdigit()
    }
    people = User.objects.in_bulk(assignee_ids) if assignee_ids else {}
    teams = _team_names(events)
    return [
        HistoryEntry(
            event=event,
            old=_history_value(event.field, event.old_value, people, teams),
            new=_history_value(event.field, event.new_value, people, teams),
        )
        for event in events
    ]


def _team_names(events: list[TicketEvent]) -> dict[str, str]:
    """The names of the teams a history names (one query, only when it names some)."""
    ids = {
        value
        for event in events
        if event.field == TicketEvent.Field.TEAM
        for value in (event.old_value, event.new_value)
        if value.isascii() and value.isdigit()
    }
    if not ids:
        return {}
    return {str(pk): name for pk, name in Team.objects.filter(pk__in=ids).values_list("pk", "name")}


# A ticket page's sidebar reads it each time: compiled once (core/compiled.py).
_ticket_events = CompiledRead(
    lambda shape, ticket_id: (
        access.events_on_any(shape, ticket_id).select_related("actor").order_by("id")
    )
)


def ticket_tag_names(*, ticket: Ticket) -> list[str]:
    """The names of ``ticket``'s tags, in order (its sidebar's tags control)."""
    paging.with_tag_names([ticket])
    return ticket.tag_names  # type: ignore[attr-defined]


def _history_value(
    field: str, value: str, people: dict[int, User], teams: dict[str, str]
) -> HistoryValue:
    if not value:
        return None
    if field == TicketEvent.Field.TEAM:
        return teams.get(value, value)
    if field in _CHOICE_FIELDS:
        choices = _CHOICE_FIELDS[field]
        return str(choices(value).label) if value in choices.values else value
    if field == TicketEvent.Field.ASSIGNEE:
        return people.get(int(value), value) if value.isascii() and value.isdigit() else value
    if field == TicketEvent.Field.DUE_AT:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return value
