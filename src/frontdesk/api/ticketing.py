"""The ticketing REST API: parse (schemas), call one service or selector, render.

Writes answer with the ticket (or comment) as it now is, read back through the selector.
Every rule and permission lives in tickets/services.py and the selectors.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from ninja import File, Form, Query, Router, Status, Swagger, UploadedFile

from frontdesk.accounts.models import User
from frontdesk.api import (
    errors,
    following,
    kb,
    merging,
    people,
    privacy,
    reports,
    rules,
    saved_replies,
    sla,
    surveys,
    teams,
    time_entries,
    webhooks,
)
from frontdesk.api import fields as fields_api
from frontdesk.api.auth import BearerAuth, SessionAuth, caller
from frontdesk.api.openapi import DocumentedAPI
from frontdesk.api.parser import JsonParser, check_upload
from frontdesk.api.schemas import (
    AddCommentIn,
    AssignIn,
    AttachmentOut,
    AttachmentPageOut,
    AttachmentQuery,
    BulkIn,
    BulkOut,
    CommentCreateIn,
    CommentOut,
    CommentPageOut,
    CommentQuery,
    CommentUpdateIn,
    ErrorOut,
    HistoryOut,
    HistoryPageOut,
    HistoryQuery,
    SavedViewCreateIn,
    SavedViewListOut,
    SavedViewOut,
    SavedViewPatchIn,
    StatisticsOut,
    StatusIn,
    TicketCreateIn,
    TicketOut,
    TicketPageOut,
    TicketPatchIn,
    TicketPutIn,
    TicketQuery,
    ticket_changes,
    ticket_out,
)
from frontdesk.core.errors import NotFound
from frontdesk.exports import tickets as ticket_exports
from frontdesk.exports.responses import csv_response
from frontdesk.fields import selectors as field_selectors
from frontdesk.fields import services as field_services
from frontdesk.tickets import access, bulk, file_services, saved_views, services, statistics
from frontdesk.tickets import api_selectors as selectors
from frontdesk.tickets.api_selectors import ApiPage
from frontdesk.tickets.downloads import attachment_response
from frontdesk.tickets.filters import TICKET_FILTERS, is_dynamic_name
from frontdesk.tickets.models import (
    Attachment,
    Channel,
    Message,
    SavedView,
    Ticket,
    TicketEvent,
)
from frontdesk.tickets.selectors import (
    requester_get,
    saved_view_counts,
    saved_view_get,
    saved_views_for,
)

api = DocumentedAPI(
    title="Frontdesk ticketing API",
    version="1.0",
    description="Tickets, comments, attachments and history. See docs/api.md.",
    urls_namespace="ticketing",
    auth=[BearerAuth(), SessionAuth()],
    parser=JsonParser(),
    # Swagger UI from Ninja's own static files (ninja is in INSTALLED_APPS): never a CDN.
    docs=Swagger(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)

tickets = Router(tags=["tickets"])
comments = Router(tags=["comments"])
history = Router(tags=["history"])
views = Router(tags=["views"])
attachments = Router(tags=["attachments"])


# What an endpoint can answer besides its success, so that the OpenAPI document is honest
# (schemathesis checks it: tests/api/test_schemathesis.py). Any path can also be 404 (unknown
# path) or 405 (wrong method), answered outside the operations.
LIST = frozenset({400, 401})  # a list: bad query parameters, no credentials
READ = frozenset({401, 404})  # one object by id
# Writes: invalid input, refused (role or CSRF), not visible, body too large or not JSON.
WRITE = frozenset({400, 401, 403, 404, 413, 415})
DELETE = frozenset({401, 403, 404})


# Every authenticated request spends the caller's API budget (api/auth.py): 429 when spent.
THROTTLED = frozenset({429})


def _answers(ok: dict[int, Any], errors: frozenset[int]) -> dict[Any, Any]:
    return {**ok, errors | THROTTLED: ErrorOut}


def _page(request: HttpRequest, page: ApiPage) -> dict[str, Any]:
    next_url = None
    if page.cursor is not None:
        params = request.GET.copy()
        params["cursor"] = page.cursor
        next_url = f"{request.path}?{params.urlencode()}"
    return {"results": page.items, "next": next_url}


def _ticket(request: HttpRequest, ticket_id: int) -> Ticket:
    return selectors.ticket_get_for_api(user=caller(request), ticket_id=ticket_id)


# --- tickets: lists -----------------------------------------------------------------------


def _ticket_list(
    request: HttpRequest, query: TicketQuery, *, ordering: str = "", **forced: str
) -> HttpResponse:
    """``ordering``: this list's own default, when the request names none. Answered with
    ``ticket_out`` for each ticket, as TicketPageOut would write them."""
    filters = query.model_dump(include=set(TICKET_FILTERS))
    # Custom fields: field_<key>= or cf_<key>= (fields/filters.py), documented on the list.
    filters |= {name: value for name, value in request.GET.items() if is_dynamic_name(name)}
    user = caller(request)
    page = selectors.tickets_list_for_api(
        user=user,
        filters={**filters, **forced},
        search_text=query.search,
        ordering=query.ordering or ordering,
        cursor=query.cursor,
        limit=query.limit,
    )
    data = _page(request, page)
    values = field_selectors.values_for_tickets(
        user=user, ticket_ids=[ticket.pk for ticket in page.items]
    )
    data["results"] = [ticket_out(ticket, user, values.get(ticket.pk, {})) for ticket in page.items]
    return api.create_response(request, data, status=200)


@tickets.get("/", response=_answers({200: TicketPageOut}, LIST), url_name="tickets_list")
def tickets_list(request: HttpRequest, query: Query[TicketQuery]) -> HttpResponse:
    """The tickets you may see (customers: their own), filtered, one page at a time.

    Custom fields filter too: `field_<key>=<value>` (or `cf_<key>=`) keeps the tickets whose
    field has that value (a date as 2026-01-31, a checkbox as true/false, one option of a
    multiple choice); `none` keeps those where it is not set. See /fields/ for the keys."""
    return _ticket_list(request, query)


@tickets.get("/my_tickets/", response=_answers({200: TicketPageOut}, LIST), url_name="tickets_mine")
def tickets_mine(request: HttpRequest, query: Query[TicketQuery]) -> HttpResponse:
    """Agents: assigned to you. Customers: the tickets you opened."""
    return _ticket_list(request, query, my_tickets="true")


@tickets.get(
    "/unassigned/", response=_answers({200: TicketPageOut}, LIST), url_name="tickets_unassigned"
)
def tickets_unassigned(request: HttpRequest, query: Query[TicketQuery]) -> HttpResponse:
    """Active tickets nobody is assigned to."""
    return _ticket_list(request, query, unassigned="true")


@tickets.get("/overdue/", response=_answers({200: TicketPageOut}, LIST), url_name="tickets_overdue")
def tickets_overdue(request: HttpRequest, query: Query[TicketQuery]) -> HttpResponse:
    """Active tickets past their due date, the longest overdue first (unless ``ordering``
    says otherwise)."""
    return _ticket_list(request, query, ordering="due_date", overdue="true")


@tickets.get(
    "/export.csv",
    response=_answers({200: None}, LIST | {403}),
    url_name="tickets_export",
    openapi_extra={
        "responses": {
            "200": {
                "description": "CSV, streamed: one line per ticket.",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def tickets_export(request: HttpRequest, query: Query[TicketQuery]) -> HttpResponseBase:
    """Staff: the tickets as CSV, with the same filters as the list (custom fields' too),
    oldest first: the ticket's columns, then one per active custom field. Cells that a
    spreadsheet would run as a formula start with an apostrophe. `search`, `ordering`,
    `cursor` and `limit` do not apply."""
    filters = query.model_dump(include=set(TICKET_FILTERS))
    filters |= {name: value for name, value in request.GET.items() if is_dynamic_name(name)}
    export = ticket_exports.tickets_export(user=caller(request), filters=filters)
    return csv_response(export.lines(), name="tickets")


@tickets.get(
    "/statistics/",
    response=_answers({200: StatisticsOut}, frozenset({401})),
    url_name="tickets_statistics",
)
def tickets_statistics(request: HttpRequest) -> statistics.TicketStatistics:
    """Counts and averages over the tickets you may see."""
    return statistics.ticket_statistics(user=caller(request))


# --- tickets: one ticket ------------------------------------------------------------------


@tickets.post("/", response=_answers({201: TicketOut}, WRITE), url_name="tickets_create")
def tickets_create(request: HttpRequest, payload: TicketCreateIn) -> Status[Ticket]:
    """Customers open a ticket for themselves; agents on behalf of a customer."""
    user = caller(request)
    requester = None if payload.customer is None else requester_get(requester_id=payload.customer)
    opened = field_services.ticket_open_with_fields(
        actor=user,
        title=payload.subject,
        body=payload.description,
        requester=requester,
        channel=Channel.API,
        changes=ticket_changes(payload, omit=frozenset({"subject", "description", "customer"})),
        fields=payload.custom_fields or {},
    )
    return Status(201, _ticket(request, opened.ticket.pk))


@tickets.get(
    "/{int:ticket_id}/", response=_answers({200: TicketOut}, READ), url_name="tickets_detail"
)
def tickets_detail(request: HttpRequest, ticket_id: int) -> Ticket:
    return _ticket(request, ticket_id)


@tickets.put(
    "/{int:ticket_id}/", response=_answers({200: TicketOut}, WRITE), url_name="tickets_put"
)
def tickets_put(request: HttpRequest, ticket_id: int, payload: TicketPutIn) -> Ticket:
    services.ticket_update(
        actor=caller(request), ticket_id=ticket_id, changes=ticket_changes(payload)
    )
    return _ticket(request, ticket_id)


@tickets.patch(
    "/{int:ticket_id}/", response=_answers({200: TicketOut}, WRITE), url_name="tickets_patch"
)
def tickets_patch(request: HttpRequest, ticket_id: int, payload: TicketPatchIn) -> Ticket:
    field_services.ticket_update_with_fields(
        actor=caller(request),
        ticket_id=ticket_id,
        changes=ticket_changes(payload),
        fields=payload.custom_fields or {},
    )
    return _ticket(request, ticket_id)


@tickets.delete(
    "/{int:ticket_id}/", response=_answers({204: None}, DELETE), url_name="tickets_delete"
)
def tickets_delete(request: HttpRequest, ticket_id: int) -> Status[None]:
    """Admins only."""
    services.ticket_delete(actor=caller(request), ticket_id=ticket_id)
    return Status(204, None)


@tickets.post(
    "/{int:ticket_id}/assign/",
    response=_answers({200: TicketOut}, WRITE),
    url_name="tickets_assign",
)
def tickets_assign(request: HttpRequest, ticket_id: int, payload: AssignIn) -> Ticket:
    """Give the ticket to an agent, or back to the queue with ``{"user_id": null}``."""
    services.ticket_assign(actor=caller(request), ticket_id=ticket_id, assignee_id=payload.user_id)
    return _ticket(request, ticket_id)


@tickets.post(
    "/{int:ticket_id}/change_status/",
    response=_answers({200: TicketOut}, WRITE),
    url_name="tickets_status",
)
def tickets_change_status(request: HttpRequest, ticket_id: int, payload: StatusIn) -> Ticket:
    """Agents resolving or closing may send ``resolution`` and ``resolution_public``."""
    services.ticket_change_status(
        actor=caller(request),
        ticket_id=ticket_id,
        status=payload.status,
        resolution=payload.resolution,
        resolution_public=payload.resolution_public,
    )
    return _ticket(request, ticket_id)


@tickets.post(
    "/{int:ticket_id}/add_comment/",
    response=_answers({201: CommentOut}, WRITE | {409}),
    url_name="tickets_add_comment",
)
def tickets_add_comment(
    request: HttpRequest, ticket_id: int, payload: AddCommentIn
) -> Status[Message]:
    message = services.message_post(
        actor=caller(request),
        ticket_id=ticket_id,
        body=payload.content,
        internal=payload.is_internal,
    )
    return Status(201, message)


# --- changes to many tickets, saved views --------------------------------------------------


@tickets.post("/bulk/", response=_answers({200: BulkOut}, WRITE), url_name="tickets_bulk")
def tickets_bulk(request: HttpRequest, payload: BulkIn) -> dict[str, Any]:
    """Agents: one change to many tickets (at most 100). Each ticket changes as it would on
    its own, with its history and live updates; one that cannot is left as it was and listed
    in ``refused`` with the reason, and the others still change."""
    changes = ticket_changes(payload.changes)
    summary = bulk.tickets_bulk_change(
        actor=caller(request), ticket_ids=payload.tickets, changes=changes
    )
    return {
        "changed": summary.changed,
        "unchanged": summary.unchanged,
        "refused": [{"ticket": r.ticket_id, "reason": r.reason} for r in summary.refused],
    }


def _saved_views(user: User, found: list[SavedView]) -> list[dict[str, Any]]:
    counts = saved_view_counts(user=user, views=found)
    return [
        {
            "id": view.pk,
            "name": view.name,
            "shared": view.shared,
            "owner": view.owner_id,
            "query": view.query,
            "url": f"/home?{view.query}",
            "count": counts.get(view.pk, 0),
            "created_at": view.created_at,
            "updated_at": view.updated_at,
        }
        for view in found
    ]


def _saved_view(request: HttpRequest, view_id: int) -> dict[str, Any]:
    user = caller(request)
    return _saved_views(user, [saved_view_get(user=user, view_id=view_id)])[0]


@views.get("/", response=_answers({200: SavedViewListOut}, LIST | {403}), url_name="views_list")
def views_list(request: HttpRequest) -> dict[str, Any]:
    """Agents: your saved views and the shared ones, by name, with their counts."""
    user = caller(request)
    return {"results": _saved_views(user, saved_views_for(user=user))}


@views.post("/", response=_answers({201: SavedViewOut}, WRITE), url_name="views_create")
def views_create(request: HttpRequest, payload: SavedViewCreateIn) -> Status[dict[str, Any]]:
    """Keep a workspace query as a named view: personal, or shared (admins)."""
    view = saved_views.saved_view_create(
        actor=caller(request), name=payload.name, query=payload.query, shared=payload.shared
    )
    return Status(201, _saved_view(request, view.pk))


@views.get(
    "/{int:view_id}/", response=_answers({200: SavedViewOut}, READ | {403}), url_name="views_detail"
)
def views_detail(request: HttpRequest, view_id: int) -> dict[str, Any]:
    return _saved_view(request, view_id)


@views.patch(
    "/{int:view_id}/", response=_answers({200: SavedViewOut}, WRITE), url_name="views_patch"
)
def views_patch(request: HttpRequest, view_id: int, payload: SavedViewPatchIn) -> dict[str, Any]:
    """Rename, change the query, share or unshare: the owner a personal view, admins a
    shared one."""
    saved_views.saved_view_update(
        actor=caller(request),
        view_id=view_id,
        name=payload.name,
        query=payload.query,
        shared=payload.shared,
    )
    return _saved_view(request, view_id)


@views.delete("/{int:view_id}/", response=_answers({204: None}, DELETE), url_name="views_delete")
def views_delete(request: HttpRequest, view_id: int) -> Status[None]:
    saved_views.saved_view_delete(actor=caller(request), view_id=view_id)
    return Status(204, None)


# --- comments -----------------------------------------------------------------------------


@comments.get("/", response=_answers({200: CommentPageOut}, LIST), url_name="comments_list")
def comments_list(request: HttpRequest, query: Query[CommentQuery]) -> dict[str, Any]:
    """The comments you may read, oldest first; ``ticket`` narrows to one ticket."""
    page = selectors.messages_list_for_api(
        user=caller(request), ticket=query.ticket, cursor=query.cursor, limit=query.limit
    )
    return _page(request, page)


@comments.post("/", response=_answers({201: CommentOut}, WRITE | {409}), url_name="comments_create")
def comments_create(request: HttpRequest, payload: CommentCreateIn) -> Status[Message]:
    message = services.message_post(
        actor=caller(request),
        ticket_id=payload.ticket,
        body=payload.content,
        internal=payload.is_internal,
    )
    return Status(201, message)


@comments.get(
    "/{int:comment_id}/", response=_answers({200: CommentOut}, READ), url_name="comments_detail"
)
def comments_detail(request: HttpRequest, comment_id: int) -> Message:
    return access.message_get(user=caller(request), message_id=comment_id)


@comments.put(
    "/{int:comment_id}/", response=_answers({200: CommentOut}, WRITE), url_name="comments_put"
)
def comments_put(request: HttpRequest, comment_id: int, payload: CommentUpdateIn) -> Message:
    """Its author (an agent) or an admin; never a system message."""
    return services.message_edit(
        actor=caller(request),
        message_id=comment_id,
        body=payload.content,
        internal=payload.is_internal,
    )


@comments.delete(
    "/{int:comment_id}/", response=_answers({204: None}, DELETE | {409}), url_name="comments_delete"
)
def comments_delete(request: HttpRequest, comment_id: int) -> Status[None]:
    services.message_delete(actor=caller(request), message_id=comment_id)
    return Status(204, None)


# --- history ------------------------------------------------------------------------------


@history.get("/", response=_answers({200: HistoryPageOut}, LIST), url_name="history_list")
def history_list(request: HttpRequest, query: Query[HistoryQuery]) -> dict[str, Any]:
    """Every recorded change, newest first. Staff only: customers get an empty list."""
    page = selectors.ticket_events_for_api(
        user=caller(request), ticket=query.ticket, cursor=query.cursor, limit=query.limit
    )
    return _page(request, page)


@history.get(
    "/{int:event_id}/", response=_answers({200: HistoryOut}, READ), url_name="history_detail"
)
def history_detail(request: HttpRequest, event_id: int) -> TicketEvent:
    return access.event_get(user=caller(request), event_id=event_id)


# --- attachments --------------------------------------------------------------------------

# The upload endpoints read a multipart form (api/parser.py: only they do): one ``file``,
# an optional ``description``, ``is_internal`` (an agent's internal note).
UPLOAD = WRITE | {507}  # 507: the server is short of disk space (tickets/files.py)
UPLOAD_FIELDS = frozenset({"description", "is_internal", "ticket", "message"})
DOWNLOAD_DOC = {
    "responses": {  # merged into Ninja's (int keys, as Ninja's own)
        200: {
            "description": "The file. Raster images inline, everything else as a download.",
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        },
        304: {"description": "Not modified (If-None-Match matched the ETag)."},
    }
}


def _attachment(request: HttpRequest, attachment_id: int) -> Attachment:
    return access.attachment_get(user=caller(request), attachment_id=attachment_id)


@attachments.get(
    "/", response=_answers({200: AttachmentPageOut}, LIST), url_name="attachments_list"
)
def attachments_list(request: HttpRequest, query: Query[AttachmentQuery]) -> dict[str, Any]:
    """The files you may see, oldest first; ``ticket`` narrows to one ticket. Customers never
    see files on internal notes."""
    page = selectors.attachments_list_for_api(
        user=caller(request), ticket=query.ticket, cursor=query.cursor, limit=query.limit
    )
    return _page(request, page)


@attachments.post(
    "/", response=_answers({201: AttachmentOut}, UPLOAD), url_name="attachments_create"
)
def attachments_create(
    request: HttpRequest,
    file: File[UploadedFile],
    ticket: Form[int | None] = None,
    message: Form[int | None] = None,
    description: Form[str] = "",
    is_internal: Form[bool] = False,
) -> Status[Attachment]:
    """Upload one file, either to a ticket (it arrives as a new reply, or an internal note)
    or to a message you wrote: send exactly one of ``ticket`` and ``message``."""
    check_upload(request, UPLOAD_FIELDS)
    attachment = file_services.attachment_add(
        actor=caller(request),
        file=file,
        ticket_id=ticket,
        message_id=message,
        description=description,
        internal=is_internal,
    )
    return Status(201, _attachment(request, attachment.pk))


@attachments.get(
    "/{int:attachment_id}/",
    response=_answers({200: AttachmentOut}, READ),
    url_name="attachments_detail",
)
def attachments_detail(request: HttpRequest, attachment_id: int) -> Attachment:
    return _attachment(request, attachment_id)


@attachments.delete(
    "/{int:attachment_id}/", response=_answers({204: None}, DELETE), url_name="attachments_delete"
)
def attachments_delete(request: HttpRequest, attachment_id: int) -> Status[None]:
    """Its uploader (an agent) or an admin; the stored file goes with it."""
    file_services.attachment_delete(actor=caller(request), attachment_id=attachment_id)
    return Status(204, None)


@attachments.get(
    "/{int:attachment_id}/download/",
    response=_answers({200: None, 304: None}, READ),
    url_name="attachments_download",
    openapi_extra=DOWNLOAD_DOC,
)
def attachments_download(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    """The file itself, with the pages' download headers (tickets/downloads.py)."""
    attachment = _attachment(request, attachment_id)
    try:
        return attachment_response(request, attachment)
    except FileNotFoundError as exc:
        raise NotFound(access.ATTACHMENT_NOT_FOUND) from exc


@tickets.post(
    "/{int:ticket_id}/add_attachment/",
    response=_answers({201: AttachmentOut}, UPLOAD),
    url_name="tickets_add_attachment",
)
def tickets_add_attachment(
    request: HttpRequest,
    ticket_id: int,
    file: File[UploadedFile],
    description: Form[str] = "",
    is_internal: Form[bool] = False,
) -> Status[Attachment]:
    """Upload one file to the ticket: it arrives as a new reply (or an agent's internal
    note) saying what was attached, with every effect a reply has."""
    check_upload(request, frozenset({"description", "is_internal"}))
    attachment = file_services.attachment_add(
        actor=caller(request),
        file=file,
        ticket_id=ticket_id,
        description=description,
        internal=is_internal,
    )
    return Status(201, _attachment(request, attachment.pk))


api.add_router("/tickets", tickets)
api.add_router("/tickets", following.router)
api.add_router("/comments", comments)
api.add_router("/history", history)
api.add_router("/views", views)
api.add_router("/attachments", attachments)
api.add_router("/saved-replies", saved_replies.router)
api.add_router("/sla", sla.router)
api.add_router("/rules", rules.router)
api.add_router("/tickets", time_entries.router)
api.add_router("/surveys", surveys.router)
api.add_router("/tickets", merging.tickets)  # merge, links
api.add_router("/comments", merging.comments)  # split
api.add_router("/fields", fields_api.router)
api.add_router("/teams", teams.router)
api.add_router("/kb", kb.router)
api.add_router("/webhooks", webhooks.router)
people.register(answers=_answers, page=_page, list_errors=LIST, read=READ, write=WRITE)
api.add_router("/organisations", people.organisations)
api.add_router("/customers", people.customers)
api.add_router("/customers", privacy.router)  # export, anonymise, erase
api.add_router("/reports", reports.router)
