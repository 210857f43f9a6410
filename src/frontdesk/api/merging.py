"""Merge, split and link in the REST API: parse, call one use case of tickets/merging.py,
answer with the ticket (or links) as they now are. Agents only (403 otherwise)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from frontdesk.api.auth import caller
from frontdesk.api.schemas import ErrorOut, TicketOut
from frontdesk.tickets import access, merging
from frontdesk.tickets import api_selectors as selectors
from frontdesk.tickets.models import Ticket

tickets = Router(tags=["tickets"])
comments = Router(tags=["comments"])

READ = frozenset({401, 404, 429})
WRITE = frozenset({400, 401, 403, 404, 409, 413, 415, 429})
DELETE = frozenset({400, 401, 403, 404, 429})

TICKET_HELP = 'The other ticket: its id (123) or number ("TKT-000123").'


def _answers(ok: dict[int, Any], errors: frozenset[int]) -> dict[Any, Any]:
    return {**ok, errors: ErrorOut}


class _Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class MergeIn(_Strict):
    target: int | str = Field(description=TICKET_HELP)


class SplitIn(_Strict):
    title: str = Field("", description="The new ticket's title; empty: the old one's, '(split)'.")


class LinkIn(_Strict):
    ticket: int | str = Field(description=TICKET_HELP)


class LinkOut(Schema):
    ticket: int = Field(description="The linked ticket's id.")
    ticket_number: str
    subject: str
    status: str
    how: str = Field(description='"related", "split from" or "split into".')
    created_at: datetime


class LinkListOut(Schema):
    results: list[LinkOut]


def _ticket(request: HttpRequest, ticket_id: int) -> Ticket:
    return selectors.ticket_get_for_api(user=caller(request), ticket_id=ticket_id)


def _links(request: HttpRequest, ticket_id: int) -> dict[str, Any]:
    user = caller(request)
    ticket = access.ticket_get(user=user, ticket_id=ticket_id)
    return {
        "results": [
            {
                "ticket": linked.ticket.pk,
                "ticket_number": linked.ticket.number,
                "subject": linked.ticket.title,
                "status": linked.ticket.status,
                "how": linked.how,
                "created_at": linked.created_at,
            }
            for linked in merging.ticket_links(user=user, ticket=ticket)
        ]
    }


@tickets.post(
    "/{int:ticket_id}/merge/",
    response=_answers({200: TicketOut}, WRITE),
    url_name="tickets_merge",
)
def tickets_merge(request: HttpRequest, ticket_id: int, payload: MergeIn) -> Ticket:
    """Merge this ticket into ``target``; answers with the target (the survivor). The merged
    ticket stays readable with ``merged_into`` set."""
    merged = merging.tickets_merge(
        actor=caller(request), source_id=ticket_id, target=payload.target
    )
    return _ticket(request, merged.target.pk)


@comments.post(
    "/{int:comment_id}/split/",
    response=_answers({201: TicketOut}, WRITE),
    url_name="comments_split",
)
def comments_split(request: HttpRequest, comment_id: int, payload: SplitIn) -> Status[Ticket]:
    """Make this public comment the first message of a new ticket of the same customer,
    linked to the old one ("split from"). Not a ticket's first comment."""
    new = merging.message_split(actor=caller(request), message_id=comment_id, title=payload.title)
    return Status(201, _ticket(request, new.pk))


@tickets.get(
    "/{int:ticket_id}/links/",
    response=_answers({200: LinkListOut}, READ),
    url_name="tickets_links",
)
def tickets_links(request: HttpRequest, ticket_id: int) -> dict[str, Any]:
    """The tickets linked to this one (customers: none)."""
    return _links(request, ticket_id)


@tickets.post(
    "/{int:ticket_id}/links/",
    response=_answers({201: LinkListOut}, WRITE),
    url_name="tickets_link",
)
def tickets_link(request: HttpRequest, ticket_id: int, payload: LinkIn) -> Status[dict[str, Any]]:
    """Link another ticket to this one (both show it); answers with this ticket's links."""
    merging.tickets_link(actor=caller(request), ticket_id=ticket_id, other=payload.ticket)
    return Status(201, _links(request, ticket_id))


@tickets.delete(
    "/{int:ticket_id}/links/{int:other_id}/",
    response=_answers({204: None}, DELETE),
    url_name="tickets_unlink",
)
def tickets_unlink(request: HttpRequest, ticket_id: int, other_id: int) -> Status[None]:
    merging.tickets_unlink(actor=caller(request), ticket_id=ticket_id, other=other_id)
    return Status(204, None)
