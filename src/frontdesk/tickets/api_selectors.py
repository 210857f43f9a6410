"""Reads for the REST API (/api/ticketing/): lists anyone signed in may call, each scoped to
what the caller may see (customers: their own tickets, never internal notes), with filters
checked here so a bad value is an InvalidInput naming its parameter, and keyset pages behind
opaque cursors. Built on the workspace's orderings and pages (selectors.py)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import (
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from frontdesk.accounts.models import User
from frontdesk.core.clock import now
from frontdesk.core.errors import InvalidInput, NotFound
from frontdesk.tickets import search
from frontdesk.tickets.models import (
    IS_ACTIVE,
    Message,
    MessageKind,
    Ticket,
    TicketEvent,
)
from frontdesk.tickets.selectors import (
    _ORDERINGS,
    _TICKET_NUMBER,
    MAX_PK,
    SEARCH_MAX_LENGTH,
    TICKET_NOT_FOUND,
    WorkspaceFilters,
    WorkspaceSort,
    _after_condition,
    _decode_after,
    _encode_after,
    _filter_condition,
    _page_by,
    _SortKey,
    attachments_visible,
    desk_summary,
    search_condition,
    summarize,
)

API_LIMIT = 50
API_LIMIT_MAX = 200
CURSOR_INVALID = "That cursor is not valid: start again from the first page."
COMMENT_NOT_FOUND = "There is no comment with that id."
EVENT_NOT_FOUND = "There is no history entry with that id."
API_DEFAULT_ORDERING = "-created_at"
RELEVANCE = "relevance"  # the default ordering of a search
_API_ORDERINGS: dict[str, tuple[_SortKey, ...]] = {
    "created_at": _ORDERINGS[WorkspaceSort.CREATED],
    "-created_at": _ORDERINGS[WorkspaceSort.CREATED_DESC],
    "updated_at": (_SortKey("updated_at"), _SortKey("id", is_time=False)),
    "-updated_at": (
        _SortKey("updated_at", descending=True),
        _SortKey("id", descending=True, is_time=False),
    ),
    "priority": _ORDERINGS[WorkspaceSort.PRIORITY],
    "due_date": _ORDERINGS[WorkspaceSort.DUE],
}
_BY_DUE_AT = (_SortKey("due_at"), _SortKey("id", is_time=False))
_ID_ONLY = (_SortKey("id", is_time=False),)
_ID_DESC = (_SortKey("id", descending=True, is_time=False),)
_TRUE, _FALSE = frozenset({"true", "1", "yes"}), frozenset({"false", "0", "no", ""})


@dataclass(frozen=True)
class TicketListFilters:
    """The REST list's query parameters, as the client sent them: each is checked here, so a
    bad value is an InvalidInput naming its parameter. Empty means "any"."""

    status: str = ""
    priority: str = ""
    category: str = ""
    customer: str = ""
    assigned_to: str = ""
    my_tickets: str = ""
    unassigned: str = ""
    overdue: str = ""
    created_after: str = ""
    created_before: str = ""
    search: str = ""


@dataclass(frozen=True)
class ApiPage:
    """One page of a REST list; ``cursor`` (opaque) continues it, None on the last page."""

    items: list[Any]
    cursor: str | None


@dataclass(frozen=True)
class TicketStatistics:
    total_tickets: int
    by_status: dict[str, int]
    by_priority: dict[str, int]
    by_category: dict[str, int]
    overdue_count: int
    unassigned_count: int
    my_tickets_count: int
    avg_resolution_time_hours: float | None
    avg_first_response_time_hours: float | None


def _api_id(value: str, *, field: str) -> int:
    if not (value.isascii() and value.isdigit()) or len(value) > 18:  # "²" is a digit too
        raise InvalidInput("Use a whole number (an id).", field=field)
    return int(value)


def _api_flag(value: str, *, field: str) -> bool:
    flag = value.strip().lower()
    if flag not in _TRUE | _FALSE:
        raise InvalidInput("Use true or false.", field=field)
    return flag in _TRUE


def _api_moment(value: str, *, field: str, end_of_day: bool) -> datetime:
    """An ISO date or datetime. A date means its whole day (in TIME_ZONE): "after" starts at
    its midnight, "before" ends at the next midnight. A datetime without an offset is read in
    TIME_ZONE."""
    text = value.strip()
    try:
        if len(text) == 10:
            day = datetime.fromisoformat(text)
            moment = day + timedelta(days=1) if end_of_day else day
        else:
            moment = datetime.fromisoformat(text)
    except (ValueError, OverflowError) as exc:
        raise InvalidInput("Use an ISO date (2025-01-31) or date and time.", field=field) from exc
    if moment.tzinfo is None:
        moment = timezone.make_aware(moment)
    return moment


def _is_staff_visible(user: User) -> Q:
    return Q() if user.is_staff_member else Q(requester=user)


def _api_filter_condition(user: User, filters: TicketListFilters) -> Q:
    condition = _filter_condition(
        WorkspaceFilters(
            status=filters.status, priority=filters.priority, category=filters.category
        )
    )
    if filters.customer:
        condition &= Q(requester_id=_api_id(filters.customer, field="customer"))
    if filters.assigned_to:
        condition &= Q(assignee_id=_api_id(filters.assigned_to, field="assigned_to"))
    if _api_flag(filters.my_tickets, field="my_tickets"):
        condition &= Q(assignee=user) if user.is_staff_member else Q(requester=user)
    if _api_flag(filters.unassigned, field="unassigned"):
        condition &= IS_ACTIVE & Q(assignee__isnull=True)
    if _api_flag(filters.overdue, field="overdue"):
        condition &= IS_ACTIVE & Q(due_at__lt=now())
    if filters.created_after:
        after = _api_moment(filters.created_after, field="created_after", end_of_day=False)
        condition &= Q(created_at__gte=after)
    if filters.created_before:
        before = _api_moment(filters.created_before, field="created_before", end_of_day=True)
        condition &= Q(created_at__lt=before)
    return condition


def _api_search_condition(user: User, search: str) -> Q:
    """Words in the title or in a message ``user`` may read (full text, as the workspace
    searches); "TKT-000123" also names a ticket by number."""
    words = " ".join(search.split())
    if len(words) > SEARCH_MAX_LENGTH:
        raise InvalidInput(f"Search for at most {SEARCH_MAX_LENGTH} characters.", field="q")
    if not words:
        return Q()
    condition = search_condition(user, words)
    number = _TICKET_NUMBER.match(words)
    if number:
        condition |= Q(pk=int(number.group(1)))
    return condition


def tickets_for_api() -> QuerySet[Ticket]:
    """Tickets with what the REST representation needs, in a fixed number of queries: the
    description (the first public message) as a subquery, people joined, tags prefetched."""
    return (
        _for_api(Ticket.objects.all())
        .select_related("requester", "assignee")
        .prefetch_related("tags")
    )


def _for_api(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    first = Message.objects.filter(ticket=OuterRef("pk"), kind=MessageKind.PUBLIC).order_by("id")
    return tickets.annotate(description=Subquery(first.values("body")[:1]))


def _encode_cursor(ordering: str, after: str) -> str:
    return base64.urlsafe_b64encode(f"{ordering}~{after}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, ordering: str) -> str:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(CURSOR_INVALID, field="after") from exc
    cursor_ordering, _, after = text.partition("~")
    if cursor_ordering != ordering or not after:
        raise InvalidInput(CURSOR_INVALID, field="after")
    return after


def _api_limit(limit: int) -> int:
    if not 1 <= limit <= API_LIMIT_MAX:
        raise InvalidInput(f"Use a limit from 1 to {API_LIMIT_MAX}.", field="limit")
    return limit


def tickets_list_for_api(
    *,
    user: User,
    filters: TicketListFilters,
    ordering: str = "",
    cursor: str = "",
    limit: int = API_LIMIT,
) -> ApiPage:
    """One page of the tickets ``user`` may see (customers: their own), narrowed by
    ``filters``, in ``ordering``, after the opaque ``cursor``. Two queries: the tickets with
    their people and description, and their tags."""
    if filters.search.strip() and ordering in ("", RELEVANCE):
        return _tickets_by_relevance(user=user, filters=filters, cursor=cursor, limit=limit)
    if ordering in ("", RELEVANCE):  # nothing searched: nothing to rank by
        ordering = API_DEFAULT_ORDERING
    if ordering not in _API_ORDERINGS:
        allowed = ", ".join(_API_ORDERINGS)
        raise InvalidInput(f"Unknown ordering {ordering!r}: use one of {allowed}.", field="sort")
    limit = _api_limit(limit)
    after = _decode_cursor(cursor, ordering) if cursor else ""
    query = Ticket.objects.filter(
        _is_staff_visible(user),
        _api_filter_condition(user, filters),
        _api_search_condition(user, filters.search),
    )
    keys = _API_ORDERINGS[ordering]
    if ordering == "due_date" and _api_flag(filters.overdue, field="overdue"):
        # Every overdue ticket has a due date: the same order on the column itself, which
        # the index of active tickets' due dates serves (the general key wraps it in a
        # COALESCE for tickets without one, which no index serves).
        keys = _BY_DUE_AT
    tickets, next_after = _page_by(query, keys=keys, after=after, limit=limit, decorate=_for_api)
    return ApiPage(tickets, _encode_cursor(ordering, next_after) if next_after else None)


def _tickets_by_relevance(
    *, user: User, filters: TicketListFilters, cursor: str, limit: int
) -> ApiPage:
    """A search without an ``ordering`` lists the best matches first. The ranked ids (at most
    search.MATCH_LIMIT) are narrowed by the other filters, and the cursor is the position in
    that list. Four queries: the ranking, the filter, the page, its tags."""
    limit = _api_limit(limit)
    position = _decode_cursor(cursor, RELEVANCE) if cursor else "0"
    if not (position.isdigit() and len(position) < 7):
        raise InvalidInput(CURSOR_INVALID, field="after")
    start = int(position)
    words = " ".join(filters.search.split())
    _api_search_condition(user, words)  # the same checks (length) as any search
    ranked = search.ticket_ids_matching(
        query=words,
        include_internal=user.is_staff_member,
        limit=search.MATCH_LIMIT,
        requester_id=None if user.is_staff_member else user.pk,
    )
    number = _TICKET_NUMBER.match(words)
    if number and int(number.group(1)) not in ranked:
        ranked.insert(0, int(number.group(1)))  # naming a ticket's number puts it first
    allowed = set(
        Ticket.objects.filter(
            _is_staff_visible(user), _api_filter_condition(user, filters), pk__in=ranked
        ).values_list("pk", flat=True)
    )
    in_order = [pk for pk in ranked if pk in allowed]
    page_ids = in_order[start : start + limit]
    by_id = {ticket.pk: ticket for ticket in tickets_for_api().filter(pk__in=page_ids)}
    end = start + limit
    next_cursor = _encode_cursor(RELEVANCE, str(end)) if end < len(in_order) else None
    return ApiPage([by_id[pk] for pk in page_ids], next_cursor)


def ticket_get_for_api(*, user: User, ticket_id: int) -> Ticket:
    """One ticket as the REST API shows it; NotFound for one ``user`` may not see."""
    if not 0 < ticket_id <= MAX_PK:
        raise NotFound(TICKET_NOT_FOUND)
    ticket = tickets_for_api().filter(_is_staff_visible(user), pk=ticket_id).first()
    if ticket is None:
        raise NotFound(TICKET_NOT_FOUND)
    return ticket


def ticket_statistics(*, user: User) -> TicketStatistics:
    """Counts and averages over the tickets ``user`` may see. Staff see the whole desk: its
    counts come from the shared summary (selectors.desk_summary, at most a minute old), and
    only "my tickets" is counted now, on the assignee index. A customer's own tickets are
    summarized on every call, through the requester index. Two queries at most."""
    if user.is_staff_member:
        summary = desk_summary()
        mine = Ticket.objects.filter(assignee=user).count()
    else:
        summary = summarize(Ticket.objects.filter(requester=user))
        mine = summary.total

    def average(hours: float, count: int) -> float | None:
        return round(hours / count, 2) if count else None

    return TicketStatistics(
        total_tickets=summary.total,
        by_status=summary.by_status,
        by_priority=summary.by_priority,
        by_category=summary.by_category,
        overdue_count=summary.overdue,
        unassigned_count=summary.unassigned,
        my_tickets_count=mine,
        avg_resolution_time_hours=average(summary.resolution_hours, summary.resolved),
        avg_first_response_time_hours=average(summary.first_response_hours, summary.responded),
    )


def _messages_visible_to(user: User) -> QuerySet[Message]:
    query = Message.objects.all()
    if not user.is_staff_member:
        query = query.filter(ticket__requester=user).exclude(kind=MessageKind.INTERNAL)
    return query


def _id_page(query: QuerySet[Any], *, cursor: str, limit: int, name: str) -> ApiPage:
    """A keyset page over ``query`` by id, newest first (history) or oldest first."""
    keys = _ID_DESC if name == "history" else _ID_ONLY
    limit = _api_limit(limit)
    after = _decode_cursor(cursor, name) if cursor else ""
    if after:
        query = query.filter(_after_condition(keys, _decode_after(after, keys)))
    ordering = [f"-{key.name}" if key.descending else key.name for key in keys]
    rows = list(query.order_by(*ordering)[: limit + 1])
    items = rows[:limit]
    next_after = _encode_after(items[-1], keys) if len(rows) > limit else None
    return ApiPage(items, _encode_cursor(name, next_after) if next_after else None)


def messages_list_for_api(
    *, user: User, ticket: str = "", cursor: str = "", limit: int = API_LIMIT
) -> ApiPage:
    """The comments ``user`` may read (customers: public and system messages of their own
    tickets), oldest first, optionally of one ticket."""
    query = _messages_visible_to(user)
    if ticket:
        query = query.filter(ticket_id=_api_id(ticket, field="ticket"))
    return _id_page(query, cursor=cursor, limit=limit, name="comments")


def message_get_for_api(*, user: User, message_id: int) -> Message:
    if not 0 < message_id <= MAX_PK:
        raise NotFound(COMMENT_NOT_FOUND)
    message = _messages_visible_to(user).filter(pk=message_id).first()
    if message is None:
        raise NotFound(COMMENT_NOT_FOUND)
    return message


def attachments_list_for_api(
    *, user: User, ticket: str = "", cursor: str = "", limit: int = API_LIMIT
) -> ApiPage:
    """The files ``user`` may see (customers: on public and system messages of their own
    tickets, never on internal notes), oldest first, optionally of one ticket."""
    query = attachments_visible(user=user)
    if ticket:
        query = query.filter(message__ticket_id=_api_id(ticket, field="ticket"))
    return _id_page(query, cursor=cursor, limit=limit, name="attachments")


def ticket_events_for_api(
    *, user: User, ticket: str = "", cursor: str = "", limit: int = API_LIMIT
) -> ApiPage:
    """The change history, newest first (staff only: customers get an empty list)."""
    query = TicketEvent.objects.all() if user.is_staff_member else TicketEvent.objects.none()
    if ticket:
        query = query.filter(ticket_id=_api_id(ticket, field="ticket"))
    return _id_page(query, cursor=cursor, limit=limit, name="history")


def ticket_event_get_for_api(*, user: User, event_id: int) -> TicketEvent:
    """One history entry (staff only: NotFound for customers, as for a missing one)."""
    event = None
    if user.is_staff_member and 0 < event_id <= MAX_PK:
        event = TicketEvent.objects.filter(pk=event_id).first()
    if event is None:
        raise NotFound(EVENT_NOT_FOUND)
    return event
