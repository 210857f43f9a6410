"""The SupportMe JSON API, an exact contract: the seed's paths, JSON shapes, status codes and
error texts, so a client written for SupportMe works unchanged (docs/supportme-compat.md).

Each view parses, calls one service or selector, and renders; the rules live in the services,
but for the seed's limits on titles and messages, which are this face's contract (rules.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, cast

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext_noop
from django.views.decorators.csrf import csrf_exempt

from frontdesk.accounts import selectors as account_selectors
from frontdesk.accounts import services as accounts
from frontdesk.accounts import two_factor
from frontdesk.accounts.models import SYSTEM_USER_ID, User
from frontdesk.accounts.sessions import ClientInfo
from frontdesk.accounts.tokens import access_token_issue, access_token_user, account_type_of
from frontdesk.core import idempotency
from frontdesk.core.errors import (
    DomainError,
    NotAllowed,
    NotFound,
    NotVisible,
    RateLimited,
    http_status,
)
from frontdesk.core.text import is_storable_text
from frontdesk.supportme import rules
from frontdesk.tickets import access, selectors, services
from frontdesk.tickets.models import DONE_STATUSES, Message, Ticket

PARSE_FAILED = "Server failed to parse the request."
REQUEST_FAILED = "The request failed."
BLANK_FIELDS = rules.BLANK_FIELDS
NOT_AUTHENTICATED = gettext_noop("User is not authenticated to make this request.")
USER_NOT_FOUND = "User not found."
ICON_PREFIX, ICON_SUFFIX = "/profile-icons/", ".png"

View = Callable[..., JsonResponse]


def _answer(data: dict[str, Any], status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"sort_keys": True})


def _error(message: str, status: int) -> JsonResponse:
    return _answer({"error": message}, status)


def _error_for(exc: DomainError) -> JsonResponse:
    """The status every face gives (core.errors), except that SupportMe answers a ticket that
    is not the caller's with 403 and its own words."""
    if isinstance(exc, NotVisible):
        return _error(NOT_AUTHENTICATED, 403)
    response = _error(exc.message, http_status(exc))
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


def _refusal(status: int, message: str) -> JsonResponse:
    return _error(message, status)


def _caller_id(request: HttpRequest) -> int | None:
    """Whom an Idempotency-Key belongs to: the bearer token's user (none: the view answers
    as without a key)."""
    user = access_token_user(request.headers.get("Authorization"))
    return None if user is None else user.pk


class _Refused(Exception):
    def __init__(self, response: JsonResponse) -> None:
        self.response = response


def _only(*methods: str, anonymous: bool = False) -> Callable[[View], View]:
    """Answer ``methods`` with the view and anything else with the JSON 405 the seed's clients
    read. The API authenticates by bearer token only (no cookie), so it needs no CSRF check:
    without the exemption, a JSON client's POST to a GET-only path got Django's HTML CSRF
    page instead of the 405."""

    def decorate(view: View) -> View:
        def answered(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
            try:
                return view(request, *args, **kwargs)
            except _Refused as refused:
                return refused.response
            except DomainError as exc:
                return _error_for(exc)

        # A write with an Idempotency-Key header is done once however often it is sent;
        # without the header nothing changes (core/idempotency.py). Signing in and
        # registering (``anonymous``) answer with a new token, which is never kept.
        keyed = (
            answered
            if anonymous
            else idempotency.idempotent(answered, caller=_caller_id, refuse=_refusal)
        )

        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
            allowed = (*methods, "HEAD") if "GET" in methods else methods
            if request.method == "OPTIONS":
                response = JsonResponse({}, status=200)
                response["Allow"] = ", ".join((*allowed, "OPTIONS"))
                return response
            if request.method not in allowed:
                response = _error("Method not allowed.", 405)
                response["Allow"] = ", ".join(allowed)
                return response
            return cast(JsonResponse, keyed(request, *args, **kwargs))

        return wrapper

    return decorate


def _fields(
    request: HttpRequest,
    keys: set[str],
    *,
    may_be_blank: frozenset[str] = frozenset(),
    optional: frozenset[str] = frozenset(),
) -> dict[str, str]:
    """The request's JSON object, checked as SupportMe checks it: parseable, an object, exactly
    the expected keys (and any of this face's ``optional`` extensions), string values, no
    blank fields."""
    try:
        data = json.loads(request.body)
    except RequestDataTooBig:
        raise _Refused(_error("The request is too large.", 413)) from None
    except (ValueError, RecursionError):
        raise _Refused(_error(PARSE_FAILED, 400)) from None
    if not isinstance(data, dict):
        raise _Refused(_error(PARSE_FAILED, 400))
    if not keys <= set(data) <= keys | optional:
        raise _Refused(_error(REQUEST_FAILED, 400))
    if not all(isinstance(value, str) and is_storable_text(value) for value in data.values()):
        raise _Refused(_error(PARSE_FAILED, 400))
    if any(not value.strip() for key, value in data.items() if key not in may_be_blank):
        raise _Refused(_error(BLANK_FIELDS, 400))
    return data


def _signed_in(request: HttpRequest) -> User:
    user = access_token_user(request.headers.get("Authorization"))
    if user is None:
        raise NotAllowed(NOT_AUTHENTICATED)
    return user


def _timestamp(moment: datetime | None) -> int:
    return -1 if moment is None else int(moment.timestamp())


def _ticket_data(ticket: Ticket | selectors.TicketRow) -> dict[str, Any]:
    done_at = (ticket.closed_at or ticket.resolved_at) if ticket.status in DONE_STATUSES else None
    return {
        "ticket_id": ticket.pk,
        "customer_id": ticket.requester_id,
        "assistant_id": -1 if ticket.assignee_id is None else ticket.assignee_id,
        "opened_at": _timestamp(ticket.created_at),
        "closed_at": _timestamp(done_at),
        "title": ticket.title,
    }


def _message_data(message: Message) -> dict[str, Any]:
    return {
        "message_id": message.pk,
        "author_id": message.author_id,
        "body": message.body,
        "sent_at": _timestamp(message.created_at),
    }


# --- endpoints ----------------------------------------------------------------------------


@_only("POST", anonymous=True)
def register(request: HttpRequest) -> JsonResponse:
    data = _fields(request, {"username", "email", "password"})
    user = accounts.user_register(
        username=data["username"],
        email=data["email"],
        password=data["password"],
        client=ClientInfo.from_request(request),
    )
    return _answer({"access_token": access_token_issue(user)})


@_only("POST", anonymous=True)
def login(request: HttpRequest) -> JsonResponse:
    """The seed's login; an extension for two-factor accounts (docs/supportme-compat.md):
    the code goes in an extra field ``otp``, and without it (or with a wrong one) the answer
    is 401 with ``"two_factor_required": true``."""
    data = _fields(request, {"username", "password"}, optional=frozenset({"otp"}))
    try:
        user = two_factor.user_authenticate_with_code(
            username=data["username"],
            password=data["password"],
            code=data.get("otp"),
            client=ClientInfo.from_request(request),
        )
    except two_factor.SecondFactorNeeded as exc:
        return _answer({"error": exc.message, "two_factor_required": True}, 401)
    except two_factor.SecondFactorSetupRequired as exc:
        return _answer({"error": exc.message, "two_factor_setup_required": True}, 403)
    return _answer({"access_token": access_token_issue(user)})


@_only("GET")
def get_profile(request: HttpRequest, user_id: int) -> JsonResponse:
    _signed_in(request)
    try:
        profile = account_selectors.user_get(user_id=user_id)
    except NotFound:
        return _error(USER_NOT_FOUND, 400)
    created_at = 0 if profile.pk == SYSTEM_USER_ID else _timestamp(profile.created_at)
    return _answer(
        {
            "user": {
                "user_id": profile.pk,
                "username": profile.username,
                "created_at": created_at,
                "account_type": account_type_of(profile),
                "profile_icon": profile.profile_icon_url,
            }
        }
    )


@_only("POST")
def ticket_new(request: HttpRequest) -> JsonResponse:
    user = _signed_in(request)
    # SupportMe's contract: only customers open tickets here (agents open them for a customer
    # on the other faces), refused before the body is read.
    if user.is_staff_member:
        raise NotAllowed(NOT_AUTHENTICATED)
    services.ticket_open_check(actor=user)
    data = _fields(request, {"ticket_title", "message"})
    rules.check_title(data["ticket_title"])
    rules.check_message(data["message"])
    opened = services.ticket_open(actor=user, title=data["ticket_title"], body=data["message"])
    return _answer({"ticket_id": opened.ticket.pk, "message_id": opened.message.pk})


@_only("GET")
def get_ticket(request: HttpRequest, ticket_id: int) -> JsonResponse:
    user = _signed_in(request)
    ticket = access.ticket_get(user=user, ticket_id=ticket_id)
    return _answer({"ticket_data": _ticket_data(ticket)})


@_only("POST")
def ticket_post(request: HttpRequest, ticket_id: int) -> JsonResponse:
    user = _signed_in(request)
    data = _fields(request, {"message"})
    if data["message"] not in services.COMMANDS:
        rules.check_message(data["message"])
    message = services.message_post(actor=user, ticket_id=ticket_id, body=data["message"])
    return _answer({"ticket_id": message.ticket_id, "message_id": message.pk})


def _own_lists(request: HttpRequest, user_id: int) -> User:
    user = _signed_in(request)
    if user.pk != user_id:
        raise NotAllowed(NOT_AUTHENTICATED)
    return user


@_only("GET")
def get_open_tickets(request: HttpRequest, user_id: int) -> JsonResponse:
    user = _own_lists(request, user_id)
    tickets = selectors.ticket_rows_active_for(user=user)
    return _answer({"tickets": [_ticket_data(ticket) for ticket in tickets]})


@_only("GET")
def get_closed_tickets(request: HttpRequest, user_id: int) -> JsonResponse:
    user = _own_lists(request, user_id)
    tickets = selectors.ticket_rows_done_for(user=user)
    return _answer({"tickets": [_ticket_data(ticket) for ticket in tickets]})


@_only("GET")
def get_unclaimed_tickets(request: HttpRequest, user_id: int | None = None) -> JsonResponse:
    user = _signed_in(request)
    tickets = selectors.ticket_rows_claimable(user=user)
    return _answer({"tickets": [_ticket_data(ticket) for ticket in tickets]})


@_only("GET")
def get_messages(request: HttpRequest, ticket_id: int) -> JsonResponse:
    user = _signed_in(request)
    ticket = access.ticket_get(user=user, ticket_id=ticket_id)
    messages = selectors.conversation_newest_first(user=user, ticket=ticket)
    return _answer({"ticket_id": ticket.pk, "message_list": [_message_data(m) for m in messages]})


@_only("POST")
def profile(request: HttpRequest) -> JsonResponse:
    user = _signed_in(request)
    data = _fields(
        request,
        {"new_password", "old_password", "profile_icon"},
        may_be_blank=frozenset({"new_password"}),
    )
    icon_path = data["profile_icon"]
    icon = icon_path.removeprefix(ICON_PREFIX).removesuffix(ICON_SUFFIX)
    if f"{ICON_PREFIX}{icon}{ICON_SUFFIX}" != icon_path:
        icon = ""  # not an icon path at all: the service answers "Profile icon is invalid."
    accounts.user_update_profile(
        user=user,
        old_password=data["old_password"],
        new_password=data["new_password"],
        profile_icon=icon,
        client=ClientInfo.from_request(request),
    )
    return _answer({"msg": "Profile has been updated."})
