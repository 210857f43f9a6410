"""Saved replies in the REST API (/api/ticketing/saved-replies/): the agent's own and the
shared ones, managed as on the /replies page, rendered for a ticket, and sent to a ticket with
their macro applied. Customers have none (403). Rules and permissions: replies/services.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from frontdesk.api.auth import caller
from frontdesk.api.schemas import CommentOut, ErrorOut
from frontdesk.replies import selectors, services
from frontdesk.replies.models import SavedReply

router = Router(tags=["saved replies"])

# Customers are refused every operation (403); see api/ticketing.py for the rest.
LIST = frozenset({400, 401, 403, 429})
READ = frozenset({401, 403, 404, 429})
WRITE = frozenset({400, 401, 403, 404, 409, 413, 415, 429})
DELETE = frozenset({401, 403, 404, 429})


def _answers(ok: dict[int, Any], errors: frozenset[int]) -> dict[Any, Any]:
    return {**ok, errors: ErrorOut}


class _Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class SavedReplyOut(Schema):
    id: int
    name: str
    body: str = Field(description="The text, with its placeholders as written.")
    shortcut: str = Field(description='Typed after "/" in the reply box; empty for none.')
    shared: bool = Field(description="Shared with every agent (changed by admins only).")
    owner: int | None = Field(description="Whose personal reply this is; null when shared.")
    set_status: str = Field(description="The status sending it sets; empty for none.")
    add_tag: str = Field(description="The tag sending it adds; empty for none.")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_owner(obj: SavedReply) -> int | None:
        return obj.owner_id


class SavedReplyListOut(Schema):
    results: list[SavedReplyOut]
    more: bool = Field(description="More replies match than ``limit``: search to narrow.")


class SavedReplyQuery(Schema):
    search: str = Field(
        "", max_length=selectors.SEARCH_MAX_LENGTH, description="Words in the name or text."
    )
    limit: int = Field(selectors.LIST_LIMIT, ge=1, le=selectors.LIST_LIMIT_MAX)


class SavedReplyIn(_Strict):
    name: str
    body: str
    shortcut: str = ""
    shared: bool = Field(False, description="Admins only.")
    set_status: str = Field("", description=f"One of {', '.join(services.MACRO_STATUSES)}.")
    add_tag: str = ""


class SavedReplyPatchIn(_Strict):
    name: str | None = None
    body: str | None = None
    shortcut: str | None = None
    shared: bool | None = None
    set_status: str | None = None
    add_tag: str | None = None


class RenderIn(_Strict):
    ticket: int


class RenderOut(Schema):
    id: int
    name: str
    text: str = Field(description="The reply's text with its placeholders filled in.")
    set_status: str
    add_tag: str


class SendIn(_Strict):
    ticket: int
    content: str | None = Field(
        None, description="The message as edited; null for the reply's own text, rendered."
    )
    is_internal: bool = False


class SendOut(Schema):
    comment: CommentOut
    changes: list[str] = Field(description="What the reply's macro changed, in words.")


@router.get("/", response=_answers({200: SavedReplyListOut}, LIST), url_name="replies_list")
def replies_list(request: HttpRequest, query: Query[SavedReplyQuery]) -> dict[str, Any]:
    """Your saved replies and the shared ones, by name; ``search`` narrows them."""
    found = selectors.saved_replies_search(user=caller(request), text=query.search)
    replies = list(found[: query.limit + 1])
    return {"results": replies[: query.limit], "more": len(replies) > query.limit}


@router.post("/", response=_answers({201: SavedReplyOut}, WRITE), url_name="replies_create")
def replies_create(request: HttpRequest, payload: SavedReplyIn) -> Status[SavedReply]:
    """A personal reply, or (admins) a shared one."""
    reply = services.saved_reply_create(actor=caller(request), **payload.model_dump())
    return Status(201, reply)


@router.get(
    "/{int:reply_id}/", response=_answers({200: SavedReplyOut}, READ), url_name="replies_detail"
)
def replies_detail(request: HttpRequest, reply_id: int) -> SavedReply:
    return selectors.saved_reply_get(user=caller(request), reply_id=reply_id)


@router.put(
    "/{int:reply_id}/", response=_answers({200: SavedReplyOut}, WRITE), url_name="replies_put"
)
def replies_put(request: HttpRequest, reply_id: int, payload: SavedReplyIn) -> SavedReply:
    """Its owner; admins for a shared one. ``shared`` left out keeps it as it is."""
    changes = payload.model_dump()
    if "shared" not in payload.model_fields_set:
        del changes["shared"]
    return services.saved_reply_update(actor=caller(request), reply_id=reply_id, changes=changes)


@router.patch(
    "/{int:reply_id}/", response=_answers({200: SavedReplyOut}, WRITE), url_name="replies_patch"
)
def replies_patch(request: HttpRequest, reply_id: int, payload: SavedReplyPatchIn) -> SavedReply:
    changes = payload.model_dump(exclude_none=True)
    return services.saved_reply_update(actor=caller(request), reply_id=reply_id, changes=changes)


@router.delete(
    "/{int:reply_id}/", response=_answers({204: None}, DELETE), url_name="replies_delete"
)
def replies_delete(request: HttpRequest, reply_id: int) -> Status[None]:
    services.saved_reply_delete(actor=caller(request), reply_id=reply_id)
    return Status(204, None)


@router.post(
    "/{int:reply_id}/render/",
    response=_answers({200: RenderOut}, WRITE),
    url_name="replies_render",
)
def replies_render(request: HttpRequest, reply_id: int, payload: RenderIn) -> dict[str, Any]:
    """The reply's text for a ticket, placeholders filled in. Changes nothing."""
    rendered = selectors.saved_reply_render(
        user=caller(request), reply_id=reply_id, ticket_id=payload.ticket
    )
    reply = rendered.reply
    return {
        "id": reply.pk,
        "name": reply.name,
        "text": rendered.text,
        "set_status": reply.set_status,
        "add_tag": reply.add_tag,
    }


@router.post(
    "/{int:reply_id}/send/",
    response=_answers({201: SendOut}, WRITE),
    url_name="replies_send",
)
def replies_send(request: HttpRequest, reply_id: int, payload: SendIn) -> Status[dict[str, Any]]:
    """Post a comment written from the reply to a ticket and apply the reply's status and tag,
    all or nothing."""
    message, applied = services.saved_reply_send(
        actor=caller(request),
        ticket_id=payload.ticket,
        reply_id=reply_id,
        body=payload.content,
        internal=payload.is_internal,
    )
    sent: dict[str, Any] = {"comment": message, "changes": applied.changes}
    return Status(201, sent)
