"""Followers and CC of a ticket in the REST API (/api/ticketing/tickets/{id}/followers/ and
/cc/). Rules and permissions: following/services.py; reads: following/selectors.py."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from frontdesk.accounts.models import User
from frontdesk.api.auth import caller
from frontdesk.api.schemas import ErrorOut
from frontdesk.following import selectors, services
from frontdesk.following.selectors import CcEntry

router = Router(tags=["followers and CC"])

READ = frozenset({401, 404, 429})
WRITE = frozenset({400, 401, 403, 404, 409, 413, 415, 429})
DELETE = frozenset({401, 403, 404, 429})


def _answers(ok: dict[int, Any], errors: frozenset[int]) -> dict[Any, Any]:
    return {**ok, errors: ErrorOut}


class _Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class FollowerOut(Schema):
    id: int
    username: str


class FollowIn(_Strict):
    user_id: int | None = Field(
        None, description="Another agent or admin to add; leave out to follow it yourself."
    )


class CcOut(Schema):
    id: int
    username: str
    email: str = Field(description="Shown to staff and the requester; empty for others.")


class CcIn(_Strict):
    emails: list[str] = Field(
        max_length=services.CC_MAX,
        description=f"Addresses to copy on the ticket (at most {services.CC_MAX} in all).",
    )


def _followers(request: HttpRequest, ticket_id: int) -> list[User]:
    return selectors.followers_of(user=caller(request), ticket_id=ticket_id)


@router.get(
    "/{int:ticket_id}/followers/",
    response=_answers({200: list[FollowerOut]}, READ),
    url_name="ticket_followers",
)
def ticket_followers(request: HttpRequest, ticket_id: int) -> list[User]:
    """The agents and admins who follow the ticket (empty for a customer)."""
    return _followers(request, ticket_id)


@router.post(
    "/{int:ticket_id}/followers/",
    response=_answers({200: list[FollowerOut]}, WRITE),
    url_name="ticket_follow",
)
def ticket_follow(request: HttpRequest, ticket_id: int, payload: FollowIn) -> list[User]:
    """Follow the ticket (staff), or make a colleague follow it; the followers after."""
    services.ticket_follow(actor=caller(request), ticket_id=ticket_id, user_id=payload.user_id)
    return _followers(request, ticket_id)


@router.delete(
    "/{int:ticket_id}/followers/{int:user_id}/",
    response=_answers({204: None}, DELETE),
    url_name="ticket_unfollow",
)
def ticket_unfollow(request: HttpRequest, ticket_id: int, user_id: int) -> Status[None]:
    """Stop following (your own id), or remove a colleague (staff)."""
    services.ticket_unfollow(actor=caller(request), ticket_id=ticket_id, user_id=user_id)
    return Status(204, None)


@router.get(
    "/{int:ticket_id}/cc/", response=_answers({200: list[CcOut]}, READ), url_name="ticket_cc"
)
def ticket_cc(request: HttpRequest, ticket_id: int) -> list[CcEntry]:
    """The people copied on the ticket."""
    return selectors.cc_of(user=caller(request), ticket_id=ticket_id)


@router.post(
    "/{int:ticket_id}/cc/",
    response=_answers({201: list[CcOut]}, WRITE),
    url_name="ticket_cc_add",
)
def ticket_cc_add(request: HttpRequest, ticket_id: int, payload: CcIn) -> Status[list[CcEntry]]:
    """Copy people on the ticket by address (the requester or staff); all or nothing. An
    address nobody has becomes a customer account. The CC list after."""
    actor = caller(request)
    services.ticket_cc_add(actor=actor, ticket_id=ticket_id, emails=payload.emails)
    return Status(201, selectors.cc_of(user=actor, ticket_id=ticket_id))


@router.delete(
    "/{int:ticket_id}/cc/{int:person_id}/",
    response=_answers({204: None}, DELETE),
    url_name="ticket_cc_remove",
)
def ticket_cc_remove(request: HttpRequest, ticket_id: int, person_id: int) -> Status[None]:
    """Stop copying a person (the requester or staff; a CC person may remove themselves)."""
    services.ticket_cc_remove(actor=caller(request), ticket_id=ticket_id, person_id=person_id)
    return Status(204, None)
