"""Reads for the REST API (/api/ticketing/): lists anyone signed in may call, each composed from
what the caller may see (tickets/access.py), the filters (tickets/filters.py) and keyset pages
(tickets/paging.py) behind opaque cursors."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import User
from frontdesk.core.clock import now
from frontdesk.core.errors import InvalidInput, NotFound
from frontdesk.core.ids import is_id, parse_id
from frontdesk.tickets import access, paging, search
from frontdesk.tickets import rows as rows_
from frontdesk.tickets.filters import choice_filters, filter_condition, flag_set, overdue_at
from frontdesk.tickets.models import Message, MessageKind, Ticket
from frontdesk.tickets.selectors import named_ticket_id, search_condition, search_words

API_LIMIT = 50
API_LIMIT_MAX = paging.LIMIT_MAX
CURSOR_INVALID = gettext_noop("That cursor is not valid: start again from the first page.")
API_DEFAULT_ORDERING = "-created_at"
RELEVANCE = "relevance"  # the default ordering of a search
API_ORDERINGS: dict[str, tuple[paging.SortKey, ...]] = {
    "created_at": paging.BY_CREATED,
    "-created_at": paging.BY_CREATED_DESC,
    "updated_at": paging.BY_UPDATED,
    "-updated_at": paging.BY_UPDATED_DESC,
    "priority": paging.BY_PRIORITY,
    "due_date": paging.BY_DUE,
}
# Orderings that would tell a customer how staff work their tickets (filters.WORKINGS_FILTERS).
WORKINGS_ORDERINGS = frozenset({"priority", "due_date"})


@dataclass(frozen=True)
class ApiPage:
    """One page of a REST list; ``cursor`` (opaque) continues it, None on the last page."""

    items: list[Any]
    cursor: str | None


def _api_search_condition(user: User, words: str) -> Q:
    """Words in the title or in a message ``user`` may read (full text, as the workspace
    searches); "TKT-000123" also names a ticket by number."""
    if not words:
        return Q()
    condition = search_condition(user, words)
    named = named_ticket_id(words)
    if named is not None and is_id(named):
        condition |= Q(pk=named)
    return condition


def tickets_for_api(user: User) -> QuerySet[Ticket]:
    """The tickets ``user`` may see, with what the REST representation needs in a fixed
    number of queries: the description (the first public message) as a subquery, people
    joined, tags prefetched."""
    return (
        _with_description(access.tickets_visible_to(user))
        .select_related("requester", "assignee", "team")
        .prefetch_related("tags")
    )


def _with_description(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    # The kind written into the SQL as a constant (in_constants, tickets/models.py), not
    # sent as a value: shown 'public', PostgreSQL plans the description's subquery as it
    # would without the values, so it keeps the prepared plan instead of planning the page's
    # rows again on every request (0.5-1.0 ms; decision 85).
    first = Message.objects.filter(
        ticket=OuterRef("pk"), kind__in_constants=[MessageKind.PUBLIC]
    ).order_by("id")
    return tickets.annotate(description=Subquery(first.values("body")[:1]))


# A REST page's tickets, with their description (the same for every reader), as the values
# ticket_out writes (tickets/rows.py says why not as instances).
_api_rows = paging.PageRows(
    lambda rows, reader: _with_description(rows),
    columns=rows_.COLUMNS,
    make=rows_.TicketRow.from_values,
)


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
        raise InvalidInput(
            gettext_noop("Use a limit from 1 to %(limit)s."),
            values={"limit": API_LIMIT_MAX},
            field="limit",
        )
    return limit


def _api_page(page: paging.Page, name: str) -> ApiPage:
    return ApiPage(page.rows, _encode_cursor(name, page.next_after) if page.next_after else None)


def tickets_list_for_api(
    *,
    user: User,
    filters: Mapping[str, str],
    search_text: str = "",
    ordering: str = "",
    cursor: str = "",
    limit: int = API_LIMIT,
) -> ApiPage:
    """One page of the tickets ``user`` may see, narrowed by ``filters`` (tickets/filters.py,
    as text) and the words of ``search_text``, in ``ordering``, after the opaque ``cursor``.
    Two queries: the tickets with their people and description, and their tags."""
    words = search_words(search_text)
    if words and ordering in ("", RELEVANCE):
        return _tickets_by_relevance(
            user=user, filters=filters, words=words, cursor=cursor, limit=limit
        )
    if ordering in ("", RELEVANCE):  # nothing searched: nothing to rank by
        ordering = API_DEFAULT_ORDERING
    if ordering not in API_ORDERINGS:
        allowed = ", ".join(API_ORDERINGS)
        raise InvalidInput(
            gettext_noop("Unknown ordering %(ordering)s: use one of %(allowed)s."),
            values={"ordering": repr(ordering), "allowed": allowed},
            field="sort",
        )
    if ordering in WORKINGS_ORDERINGS and not access.sees_ticket_workings(user):
        raise InvalidInput(
            gettext_noop("Only staff can order by %(ordering)s."),
            values={"ordering": ordering},
            field="sort",
        )
    limit = _api_limit(limit)
    after = _decode_cursor(cursor, ordering) if cursor else ""
    query: QuerySet[Ticket] | paging.PageIds
    chosen = choice_filters(filters)
    if chosen is not None and not words:
        filter_condition(user, filters)  # refuses what the built query would refuse
        moment = (now(),) if ("overdue", "true") in chosen else ()
        query = paging.PageIds(_tickets_filtered, chosen, moment)
    else:
        query = access.tickets_visible_to(user).filter(
            filter_condition(user, filters), _api_search_condition(user, words)
        )
    keys = API_ORDERINGS[ordering]
    if ordering == "due_date" and flag_set(filters, "overdue"):
        keys = paging.BY_DUE_AT
    page = paging.ticket_page(
        query, keys=keys, after=after, limit=limit, rows=_api_rows, reader=user
    )
    return _api_page(page, ordering)


def _tickets_filtered(
    filters: tuple[tuple[str, str], ...], reader: User, *moment: datetime
) -> QuerySet[Ticket]:
    """The tickets ``reader`` may see that ``filters`` keep; ``overdue`` as due before
    ``moment`` (the time of the request), which the compiled SQL takes as a parameter."""
    others = {name: value for name, value in filters if name != "overdue"}
    condition = filter_condition(reader, others)
    if moment:
        condition &= overdue_at(moment[0])
    return access.tickets_visible_to(reader).filter(condition)


def _tickets_by_relevance(
    *, user: User, filters: Mapping[str, str], words: str, cursor: str, limit: int
) -> ApiPage:
    """A search without an ``ordering`` lists the best matches first. The ranked ids (at most
    search.MATCH_LIMIT) are narrowed by the other filters, and the cursor is the position in
    that list. Four queries: the ranking, the filter, the page, its tags."""
    limit = _api_limit(limit)
    position = _decode_cursor(cursor, RELEVANCE) if cursor else "0"
    if not (position.isascii() and position.isdigit() and len(position) < 7):
        raise InvalidInput(CURSOR_INVALID, field="after")
    start = int(position)
    include_internal, requester_id = access.search_scope(user)
    ranked = search.ticket_ids_matching(
        query=words,
        include_internal=include_internal,
        limit=search.MATCH_LIMIT,
        requester_id=requester_id,
    )
    named = named_ticket_id(words)
    if named is not None and is_id(named) and named not in ranked:
        ranked.insert(0, named)  # naming a ticket's number puts it first
    allowed = set(
        access.tickets_visible_to(user)
        .filter(filter_condition(user, filters), pk__in=ranked)
        .values_list("pk", flat=True)
    )
    in_order = [pk for pk in ranked if pk in allowed]
    page_ids = in_order[start : start + limit]
    by_id = {ticket.pk: ticket for ticket in tickets_for_api(user).filter(pk__in=page_ids)}
    end = start + limit
    next_cursor = _encode_cursor(RELEVANCE, str(end)) if end < len(in_order) else None
    return ApiPage([by_id[pk] for pk in page_ids], next_cursor)


def ticket_get_for_api(*, user: User, ticket_id: int) -> Ticket:
    """One ticket as the REST API shows it; NotFound for one ``user`` may not see."""
    ticket = tickets_for_api(user).filter(pk=ticket_id).first() if is_id(ticket_id) else None
    if ticket is None:
        raise NotFound(access.TICKET_NOT_FOUND)
    return ticket


def _of_ticket(query: QuerySet[Any], ticket: str, lookup: str) -> QuerySet[Any]:
    if not ticket:
        return query
    return query.filter(**{lookup: parse_id(ticket, field="ticket")})


def _rows_page(query: QuerySet[Any], *, name: str, cursor: str, limit: int) -> ApiPage:
    """A keyset page by id: history newest first, everything else oldest first."""
    keys = paging.BY_ID_DESC if name == "history" else paging.BY_ID
    after = _decode_cursor(cursor, name) if cursor else ""
    page = paging.id_page(query, keys=keys, after=after, limit=_api_limit(limit))
    return _api_page(page, name)


def messages_list_for_api(
    *, user: User, ticket: str = "", cursor: str = "", limit: int = API_LIMIT
) -> ApiPage:
    """The comments ``user`` may read, oldest first, optionally of one ticket."""
    query = _of_ticket(access.messages_visible_to(user), ticket, "ticket_id")
    return _rows_page(query, name="comments", cursor=cursor, limit=limit)


def attachments_list_for_api(
    *, user: User, ticket: str = "", cursor: str = "", limit: int = API_LIMIT
) -> ApiPage:
    """The files ``user`` may see, oldest first, optionally of one ticket."""
    query = _of_ticket(access.attachments_visible_to(user), ticket, "message__ticket_id")
    return _rows_page(query, name="attachments", cursor=cursor, limit=limit)


def ticket_events_for_api(
    *, user: User, ticket: str = "", cursor: str = "", limit: int = API_LIMIT
) -> ApiPage:
    """The change history ``user`` may see (customers: none), newest first."""
    query = _of_ticket(access.events_visible_to(user), ticket, "ticket_id")
    return _rows_page(query, name="history", cursor=cursor, limit=limit)


def organisations_list_for_api(*, user: User, cursor: str = "", limit: int = API_LIMIT) -> ApiPage:
    """The organisations ``user`` may see (a customer: their own), by id."""
    query = access.organisations_visible_to(user)
    return _rows_page(query, name="organisations", cursor=cursor, limit=limit)
