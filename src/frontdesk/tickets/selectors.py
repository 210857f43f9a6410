"""Reads that need permission: every face fetches tickets and messages through these."""

from __future__ import annotations

import operator
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import reduce
from typing import Any

from django.core.cache import cache
from django.db import models
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DateTimeField,
    Exists,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Lower

from frontdesk.accounts.models import STAFF_ROLES, User
from frontdesk.core.clock import now
from frontdesk.core.errors import InvalidInput, NotAllowed, NotFound
from frontdesk.tickets import search, validators
from frontdesk.tickets.models import (
    ACTIVE_STATUSES,
    IS_ACTIVE,
    IS_DONE,
    Attachment,
    Category,
    Message,
    MessageKind,
    Priority,
    Status,
    Ticket,
    TicketEvent,
    TicketRead,
)

TICKET_NOT_FOUND = "Ticket with given ID was not found in the database."
MAX_PK = 2**63 - 1


class NotVisible(NotAllowed):
    """The object exists but is not the actor's to see. SupportMe answers 403 (its contract);
    newer faces answer 404 so that existence does not leak."""


def can_see_ticket(user: User, ticket: Ticket) -> bool:
    return user.is_staff_member or ticket.requester_id == user.pk


def ticket_get_for_user(*, user: User, ticket_id: int, for_update: bool = False) -> Ticket:
    """The ticket, if ``user`` may see it. ``for_update`` locks the row (inside atomic)."""
    if not 0 < ticket_id <= MAX_PK:
        raise NotFound(TICKET_NOT_FOUND)
    if for_update:
        # No joins under the lock: after waiting for it, PostgreSQL re-reads the locked row but
        # not the outer-joined ones, so a joined assignee could be stale.
        query = Ticket.objects.select_for_update()
    else:
        query = Ticket.objects.select_related("requester", "assignee")
    ticket = query.filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound(TICKET_NOT_FOUND)
    if not can_see_ticket(user, ticket):
        raise NotVisible("User is not authenticated to make this request.")
    return ticket


def tickets_active_for(*, user: User, reader: User | None = None) -> list[Ticket]:
    """Open tickets the user requested or is assigned to, oldest first (SupportMe order).
    With ``reader``, each carries ``unread`` and its last reply as that reader sees them."""
    # A UNION of two index-backed queries rather than one "requester OR assignee" scan.
    mine = _for_reader(Ticket.objects.filter(IS_ACTIVE), reader)
    query = mine.filter(requester=user).union(mine.filter(assignee=user))
    return list(query.order_by("created_at", "id"))


def tickets_done_for(*, user: User, reader: User | None = None) -> list[Ticket]:
    """Closed tickets the user requested or is assigned to, most recently closed first.
    With ``reader``, each carries ``unread`` and its last reply as that reader sees them."""
    done = _for_reader(Ticket.objects.filter(IS_DONE), reader)
    done = done.annotate(done_at=Coalesce("closed_at", "resolved_at"))
    query = done.filter(requester=user).union(done.filter(assignee=user))
    return list(query.order_by("-done_at", "-id"))


def tickets_claimable(*, user: User) -> QuerySet[Ticket]:
    """Unassigned active tickets, oldest first: the agents' priority queue."""
    if not user.is_staff_member:
        raise NotAllowed("User is not authenticated to make this request.")
    return Ticket.objects.filter(IS_ACTIVE, assignee__isnull=True).order_by("created_at", "id")


def messages_visible(*, user: User, ticket: Ticket) -> QuerySet[Message]:
    """The conversation as ``user`` may read it, in reading order: internal notes are for
    staff only."""
    if not can_see_ticket(user, ticket):
        raise NotVisible("User is not authenticated to make this request.")
    query = Message.objects.filter(ticket=ticket)
    if not user.is_staff_member:
        query = query.exclude(kind=MessageKind.INTERNAL)
    return query.order_by("id")


# --- unread markers and last replies (the home lists; any ticket list may apply them) -----


def with_unread(queryset: QuerySet[Ticket], user: User) -> QuerySet[Ticket]:
    """Annotate each ticket with ``unread``: it has a message ``user`` may see, written by
    someone else, newer than what they last read (or they never opened it). Internal notes
    never count for customers. One EXISTS per row, served by the (ticket, id) index: the
    number of queries stays the same however long the list."""
    last_read = TicketRead.objects.filter(user=user, ticket=OuterRef(OuterRef("pk"))).values(
        "last_read_message_id"
    )[:1]
    newer = Message.objects.filter(
        ticket=OuterRef("pk"),
        id__gt=Coalesce(Subquery(last_read), Value(0), output_field=BigIntegerField()),
    ).exclude(author=user)
    if not user.is_staff_member:
        newer = newer.exclude(kind=MessageKind.INTERNAL)
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


# --- attachments --------------------------------------------------------------------------

ATTACHMENT_NOT_FOUND = "There is no file at this address."


def attachment_get_for_user(*, user: User, attachment_id: int) -> Attachment:
    """The attachment, if ``user`` may see its message: staff see every file; a customer only
    the files on public and system messages of their own tickets. Anything else is NotFound,
    exactly as for a file that does not exist."""
    if not 0 < attachment_id <= MAX_PK:
        raise NotFound(ATTACHMENT_NOT_FOUND)
    attachment = attachments_visible(user=user).filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound(ATTACHMENT_NOT_FOUND)
    return attachment


def attachments_visible(*, user: User) -> QuerySet[Attachment]:
    """Every attachment ``user`` may see (with its message): staff all of them, a customer
    those on public and system messages of their own tickets."""
    query = Attachment.objects.select_related("message")
    if not user.is_staff_member:
        query = query.filter(
            message__ticket__requester=user,
            message__kind__in=[MessageKind.PUBLIC, MessageKind.SYSTEM],
        )
    return query


# --- the agent workspace: views, filters, sorting, search, history ----------------------


class WorkspaceView(models.TextChoices):
    CLAIMABLE = "claimable", "Claimable"
    MINE = "mine", "Mine"
    OPEN = "open", "All open"
    PENDING = "pending", "Pending"
    OVERDUE = "overdue", "Overdue"
    CLOSED = "closed", "Recently closed"


class WorkspaceSort(models.TextChoices):
    CREATED = "created", "Oldest first"
    CREATED_DESC = "-created", "Newest first"
    LAST_ACTIVITY = "last_activity", "Least recent activity"
    LAST_ACTIVITY_DESC = "-last_activity", "Most recent activity"
    PRIORITY = "priority", "Highest priority"
    DUE = "due", "Due soonest"
    CLOSED_DESC = "-closed", "Most recently closed"


UNASSIGNED = "unassigned"
WORKSPACE_LIMIT = 50
WORKSPACE_LIMIT_MAX = 200
SEARCH_MAX_LENGTH = 200
STAFF_ONLY = "Only agents can use the workspace."
AFTER_INVALID = "That page link is not valid: start again from the first page."

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

# "Due soonest" puts tickets without a due date last: they sort as if due at the end of time.
_NO_DUE_DATE = datetime(9999, 12, 31, tzinfo=UTC)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_PRIORITY_RANK = Case(
    *(When(priority=value, then=Value(rank)) for rank, value in enumerate(Priority.values)),
    default=Value(-1),
    output_field=IntegerField(),
)
_TICKET_NUMBER = re.compile(r"^\s*(?:TKT-?)?0*(\d{1,18})\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class _SortKey:
    """One column of an ordering: a field or annotation, its direction, and whether its
    values are datetimes (carried in the page cursor as integer microseconds)."""

    name: str
    descending: bool = False
    is_time: bool = True


# Every ordering ends with the primary key, so it is total and a cursor names one place.
_ORDERINGS: dict[str, tuple[_SortKey, ...]] = {
    WorkspaceSort.CREATED: (_SortKey("created_at"), _SortKey("id", is_time=False)),
    WorkspaceSort.CREATED_DESC: (
        _SortKey("created_at", descending=True),
        _SortKey("id", descending=True, is_time=False),
    ),
    WorkspaceSort.LAST_ACTIVITY: (_SortKey("last_activity_at"), _SortKey("id", is_time=False)),
    WorkspaceSort.LAST_ACTIVITY_DESC: (
        _SortKey("last_activity_at", descending=True),
        _SortKey("id", descending=True, is_time=False),
    ),
    WorkspaceSort.PRIORITY: (
        _SortKey("priority_rank", descending=True, is_time=False),
        _SortKey("created_at"),
        _SortKey("id", is_time=False),
    ),
    WorkspaceSort.DUE: (_SortKey("due_key"), _SortKey("id", is_time=False)),
    WorkspaceSort.CLOSED_DESC: (
        _SortKey("done_key", descending=True),
        _SortKey("id", descending=True, is_time=False),
    ),
}
_SORT_ANNOTATIONS: dict[str, Callable[[], Any]] = {
    "priority_rank": lambda: _PRIORITY_RANK,
    "due_key": lambda: Coalesce("due_at", Value(_NO_DUE_DATE, output_field=DateTimeField())),
    "done_key": lambda: Coalesce("closed_at", "resolved_at", "updated_at"),
}


@dataclass(frozen=True)
class WorkspaceFilters:
    """Narrow a list: each empty value means "any". ``assignee`` is an agent's id as text,
    or ``"unassigned"``."""

    status: str = ""
    priority: str = ""
    category: str = ""
    assignee: str = ""
    tag: str = ""


@dataclass(frozen=True)
class TicketPage:
    """One page of a ticket list; ``next_after`` is the cursor of the next page, if any."""

    tickets: list[Ticket]
    next_after: str | None
    sort: str


@dataclass(frozen=True)
class SearchResult:
    """What a search found: the ticket its words name by number, or a page of matches."""

    ticket: Ticket | None
    page: TicketPage


def _check_staff(user: User) -> None:
    if not user.is_staff_member:
        raise NotAllowed(STAFF_ONLY)


def _view_condition(view: str, user: User) -> Q:
    conditions: dict[str, Callable[[], Q]] = {
        WorkspaceView.CLAIMABLE: lambda: IS_ACTIVE & Q(assignee__isnull=True),
        WorkspaceView.MINE: lambda: IS_ACTIVE & Q(assignee=user),
        WorkspaceView.OPEN: lambda: IS_ACTIVE,
        WorkspaceView.PENDING: lambda: Q(status=Status.PENDING),
        WorkspaceView.OVERDUE: lambda: IS_ACTIVE & Q(due_at__lt=now()),
        WorkspaceView.CLOSED: lambda: IS_DONE,
    }
    if view not in conditions:
        raise InvalidInput(f"Unknown view {view!r}.", field="view")
    return conditions[view]()


def _filter_condition(filters: WorkspaceFilters) -> Q:
    condition = Q()
    for field, choices in (("status", Status), ("priority", Priority), ("category", Category)):
        value = getattr(filters, field)
        if value:
            condition &= Q(**{field: validators.clean_choice(value, choices, field=field)})
    if filters.assignee == UNASSIGNED:
        condition &= Q(assignee__isnull=True)
    elif filters.assignee:
        if not filters.assignee.isdigit() or len(filters.assignee) > 18:
            raise InvalidInput("Choose an agent from the list.", field="assignee")
        condition &= Q(assignee_id=int(filters.assignee))
    tag = " ".join(filters.tag.lower().split())
    if tag:
        condition &= Q(tags__name=tag)
    return condition


def _encode_after(ticket: Ticket, keys: tuple[_SortKey, ...]) -> str:
    parts = []
    for key in keys:
        value = getattr(ticket, key.name)
        parts.append((value - _EPOCH) // timedelta(microseconds=1) if key.is_time else value)
    return "_".join(str(part) for part in parts)


def _decode_after(after: str, keys: tuple[_SortKey, ...]) -> list[Any]:
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


def _after_condition(keys: tuple[_SortKey, ...], values: list[Any]) -> Q:
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


def _page(
    query: QuerySet[Ticket],
    *,
    sort: str,
    after: str,
    limit: int,
    decorate: Callable[[QuerySet[Ticket]], QuerySet[Ticket]] | None = None,
) -> TicketPage:
    if sort not in _ORDERINGS:
        raise InvalidInput(f"Unknown sort {sort!r}.", field="sort")
    tickets, next_after = _page_by(
        query, keys=_ORDERINGS[sort], after=after, limit=limit, decorate=decorate
    )
    return TicketPage(tickets=tickets, next_after=next_after, sort=sort)


def _page_by(
    query: QuerySet[Ticket],
    *,
    keys: tuple[_SortKey, ...],
    after: str,
    limit: int,
    decorate: Callable[[QuerySet[Ticket]], QuerySet[Ticket]] | None = None,
) -> tuple[list[Ticket], str | None]:
    """One keyset page of ``query`` (its filters only) in the order ``keys``, with the
    page's tickets made by ``decorate`` (annotations: unread marks, a description).

    The page is chosen by a subquery that selects only ids: the database finds and sorts
    narrow rows, and works out the decorations, people and tags for the page's rows alone.
    (Sorting whole decorated rows cost 1 s for the 60,000 unclaimed tickets of the scale
    benchmark, where the subquery takes a millisecond.) Still one query, and one for tags."""
    limit = max(1, min(limit, WORKSPACE_LIMIT_MAX))

    def sort_values() -> dict[str, Any]:
        return {k.name: _SORT_ANNOTATIONS[k.name]() for k in keys if k.name in _SORT_ANNOTATIONS}

    ordering = [f"-{key.name}" if key.descending else key.name for key in keys]
    chosen = query.annotate(**sort_values())
    if after:
        chosen = chosen.filter(_after_condition(keys, _decode_after(after, keys)))
    page_ids = chosen.order_by(*ordering).values("pk")[: limit + 1]
    rows = Ticket.objects.filter(pk__in=page_ids)
    if decorate is not None:
        rows = decorate(rows)
    found = list(
        rows.annotate(**sort_values())
        .order_by(*ordering)
        .select_related("requester", "assignee")
        .prefetch_related("tags")
    )
    tickets = found[:limit]
    next_after = _encode_after(tickets[-1], keys) if len(found) > limit else None
    return tickets, next_after


def tickets_for_workspace(
    *,
    user: User,
    view: str,
    filters: WorkspaceFilters | None = None,
    sort: str = "",
    after: str = "",
    limit: int = WORKSPACE_LIMIT,
) -> TicketPage:
    """One page of a workspace view (staff only), narrowed by ``filters``, in ``sort`` order
    (the view's own order when empty), starting after the cursor ``after``. Three queries:
    the tickets with their requester, assignee and unread mark, and their tags."""
    _check_staff(user)
    query = Ticket.objects.filter(_view_condition(view, user))
    query = query.filter(_filter_condition(filters or WorkspaceFilters()))
    return _page(
        query,
        sort=sort or DEFAULT_SORT[view],
        after=after,
        limit=limit,
        decorate=lambda rows: with_unread(rows, user),
    )


def workspace_counts(*, user: User) -> dict[str, int]:
    """How many tickets each workspace view holds (staff only). The desk-wide counts come
    from :func:`desk_summary` (at most a minute old); "Mine" is counted now, on the assignee
    index. One query, two when the summary is recomputed."""
    _check_staff(user)
    summary = desk_summary()
    active = sum(summary.by_status[status] for status in ACTIVE_STATUSES)
    return {
        WorkspaceView.CLAIMABLE: summary.unassigned,
        WorkspaceView.MINE: Ticket.objects.filter(IS_ACTIVE, assignee=user).count(),
        WorkspaceView.OPEN: active,
        WorkspaceView.PENDING: summary.by_status[Status.PENDING],
        WorkspaceView.OVERDUE: summary.overdue,
        WorkspaceView.CLOSED: summary.total - active,
    }


# --- desk-wide counts, cached ------------------------------------------------------------

# Counting a million tickets is a full scan (about a second on SQLite), too slow for every page
# and API call, so the counts are kept in Django's cache (Redis in production; per process with
# the default local memory). A small desk's counts are recomputed after every change, so they
# are always exact; a desk whose count takes longer than SUMMARY_CHEAP_SECONDS reuses them for
# up to SUMMARY_MAX_AGE_SECONDS, and a job (tasks.py) refreshes them before that.
SUMMARY_MAX_AGE_SECONDS = 60
SUMMARY_CHEAP_SECONDS = 0.05
SUMMARY_CACHE_KEY = "frontdesk:desk-summary:v2"
DESK_VERSION_KEY = "frontdesk:desk-version"


class _Hours(Func):
    """Hours from the second datetime to the first, as a float, computed by the database
    (Django's own duration arithmetic calls a Python function per row on SQLite)."""

    arity = 2
    output_field = FloatField()
    template = "(EXTRACT(EPOCH FROM (%(expressions)s)) / 3600.0)"
    arg_joiner = " - "

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 24.0)",
            arg_joiner=") - julianday(",
            **extra,
        )


@dataclass(frozen=True)
class DeskSummary:
    """Counts and sums over a set of tickets, from one grouped scan."""

    total: int
    by_status: dict[str, int]
    by_priority: dict[str, int]
    by_category: dict[str, int]
    overdue: int
    unassigned: int
    resolved: int  # tickets with a resolution time, and the sum of those times in hours
    resolution_hours: float
    responded: int  # tickets with a first response, and the sum of those times in hours
    first_response_hours: float


def summarize(tickets: QuerySet[Ticket]) -> DeskSummary:
    """Count ``tickets`` by status, priority and category, with the overdue and unassigned
    ones and the resolution and first-response times, in one query: a single scan grouped
    by the three fields (at most 280 rows), added up here."""
    rows = (
        tickets.order_by()
        .values("status", "priority", "category")
        .annotate(
            n=Count("pk"),
            overdue=Count("pk", filter=IS_ACTIVE & Q(due_at__lt=now())),
            unassigned=Count("pk", filter=IS_ACTIVE & Q(assignee__isnull=True)),
            resolved=Count("resolved_at"),
            resolution=Sum(_Hours("resolved_at", "created_at")),
            responded=Count("first_response_at"),
            first_response=Sum(_Hours("first_response_at", "created_at")),
        )
    )
    by: dict[str, dict[str, int]] = {
        "status": dict.fromkeys(Status.values, 0),
        "priority": dict.fromkeys(Priority.values, 0),
        "category": dict.fromkeys(Category.values, 0),
    }
    sums = dict.fromkeys(("n", "overdue", "unassigned", "resolved", "responded"), 0)
    hours = {"resolution": 0.0, "first_response": 0.0}
    for row in rows:
        for field, counts in by.items():
            counts[row[field]] = counts.get(row[field], 0) + row["n"]
        for name in sums:
            sums[name] += row[name]
        for name in hours:
            hours[name] += row[name] or 0.0
    return DeskSummary(
        total=sums["n"],
        by_status=by["status"],
        by_priority=by["priority"],
        by_category=by["category"],
        overdue=sums["overdue"],
        unassigned=sums["unassigned"],
        resolved=sums["resolved"],
        resolution_hours=hours["resolution"],
        responded=sums["responded"],
        first_response_hours=hours["first_response"],
    )


@dataclass(frozen=True)
class _CachedSummary:
    summary: DeskSummary
    version: int  # the desk's version it counted
    seconds: float  # what counting cost


def desk_changed() -> None:
    """Note that tickets changed (tickets/signals.py): cheap summaries are counted again."""
    try:
        cache.incr(DESK_VERSION_KEY)
    except ValueError:  # not there yet (or evicted)
        cache.add(DESK_VERSION_KEY, 1, None)


def desk_summary(*, refresh: bool = False) -> DeskSummary:
    """:func:`summarize` over every ticket: exact on a small desk, at most
    ``SUMMARY_MAX_AGE_SECONDS`` old on a large one. ``refresh`` counts again regardless."""
    version = cache.get(DESK_VERSION_KEY, 0)
    cached = cache.get(SUMMARY_CACHE_KEY)
    usable = isinstance(cached, _CachedSummary) and not refresh
    if usable and (cached.version == version or cached.seconds >= SUMMARY_CHEAP_SECONDS):
        return cached.summary
    started = time.monotonic()
    summary = summarize(Ticket.objects.all())
    counted = _CachedSummary(summary, version, time.monotonic() - started)
    cache.set(SUMMARY_CACHE_KEY, counted, SUMMARY_MAX_AGE_SECONDS)
    return summary


def search_condition(user: User, words: str) -> Q:
    """Tickets whose title or messages ``user`` may read match ``words`` (full text, the
    best ``search.MATCH_LIMIT`` of them): one subquery, so the search stays one query."""
    sql, params = search.ticket_ids_matching_sql(
        query=words,
        include_internal=user.is_staff_member,
        requester_id=None if user.is_staff_member else user.pk,
    )
    return Q(pk__in=RawSQL(sql, params))  # noqa: S611 (fixed text; values are parameters)


def tickets_search(
    *,
    user: User,
    query: str,
    filters: WorkspaceFilters | None = None,
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
    words = " ".join(query.split())
    if not words:
        raise InvalidInput("Type a word or a ticket number to search for.", field="q")
    if len(words) > SEARCH_MAX_LENGTH:
        raise InvalidInput(f"Search for at most {SEARCH_MAX_LENGTH} characters.", field="q")
    tickets = Ticket.objects.all()
    if not user.is_staff_member:
        tickets = tickets.filter(requester=user)
    number = _TICKET_NUMBER.match(words)
    if number:
        named = tickets.filter(pk=int(number.group(1))).first()
        if named is not None:
            return SearchResult(ticket=named, page=TicketPage([], None, sort or SEARCH_SORT))
    tickets = tickets.filter(search_condition(user, words))
    tickets = tickets.filter(_filter_condition(filters or WorkspaceFilters()))
    page = _page(
        tickets,
        sort=sort or SEARCH_SORT,
        after=after,
        limit=limit,
        decorate=lambda rows: with_unread(rows, user),
    )
    return SearchResult(ticket=None, page=page)


def agents_assignable(*, user: User) -> list[User]:
    """The active agents and admins a ticket can be given to, by name (staff only)."""
    _check_staff(user)
    return list(
        User.objects.filter(role__in=STAFF_ROLES, is_active=True).order_by(Lower("username"), "id")
    )


def agent_get(*, user: User, agent_id: int) -> User:
    """An active agent or admin by id, for assigning a ticket (staff only)."""
    _check_staff(user)
    if not 0 < agent_id <= MAX_PK:
        raise InvalidInput("Choose an agent from the list.", field="assignee")
    agent = User.objects.filter(pk=agent_id, role__in=STAFF_ROLES, is_active=True).first()
    if agent is None:
        raise InvalidInput("Choose an agent from the list.", field="assignee")
    return agent


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
    """Every recorded change of ``ticket``, oldest first (staff only). Two queries at most:
    the events with their actors, and the assignees they name."""
    _check_staff(user)
    events = list(TicketEvent.objects.filter(ticket=ticket).select_related("actor").order_by("id"))
    assignee_ids = {
        int(value)
        for event in events
        if event.field == TicketEvent.Field.ASSIGNEE
        for value in (event.old_value, event.new_value)
        if value.isdigit()
    }
    people = User.objects.in_bulk(assignee_ids) if assignee_ids else {}
    return [
        HistoryEntry(
            event=event,
            old=_history_value(event.field, event.old_value, people),
            new=_history_value(event.field, event.new_value, people),
        )
        for event in events
    ]


def _history_value(field: str, value: str, people: dict[int, User]) -> HistoryValue:
    if not value:
        return None
    if field in _CHOICE_FIELDS:
        choices = _CHOICE_FIELDS[field]
        return str(choices(value).label) if value in choices.values else value
    if field == TicketEvent.Field.ASSIGNEE:
        return people.get(int(value), value) if value.isdigit() else value
    if field == TicketEvent.Field.DUE_AT:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return value
