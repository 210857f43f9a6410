"""One error shape for the whole API:

    {"error": {"code": "invalid", "message": "...", "fields": {"subject": ["..."]}}}

Domain errors map to status codes here, once; Ninja's own errors (validation, parsing,
authentication, CSRF) are reshaped to match. Invalid input of any kind is 400.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from frontdesk.core.errors import Conflict, DomainError, InvalidInput, NotFound, TooLarge
from frontdesk.tickets.selectors import NotVisible

logger = logging.getLogger(__name__)

UNAUTHENTICATED = "Authentication required: a session cookie or an Authorization: Bearer token."
NOT_FOUND = "Nothing here."
CODES = {
    400: "invalid",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "throttled",
    500: "server_error",
}
# The services name the model's fields; the API's JSON uses the seed's names.
FIELD_NAMES = {
    "title": "subject",
    "due_at": "due_date",
    "assignee": "assigned_to",
    "requester": "customer",
    "message": "content",
    "internal": "is_internal",
    "q": "search",
    "after": "cursor",
    "sort": "ordering",
}
# Keyed by method and URL name (a path's name is that of its first operation).
FIELD_NAMES_BY_OPERATION = {
    ("POST", "tickets_list"): {"message": "description"},
    ("POST", "tickets_assign"): {"assignee": "user_id"},
}
_LOCATIONS = frozenset({"body", "query", "path", "header", "cookie", "payload", "params"})


class UnsupportedMediaType(Exception):
    """The body is not JSON (raised by the parser; Ninja wraps it in a 400 HttpError)."""


def error_json(
    status: int, message: str, fields: dict[str, list[str]] | None = None
) -> JsonResponse:
    body = {
        "error": {"code": CODES.get(status, "error"), "message": message, "fields": fields or {}}
    }
    return JsonResponse(body, status=status)


def _field_name(request: HttpRequest, field: str) -> str:
    match = getattr(request, "resolver_match", None)
    key = (request.method or "", match.url_name if match else "")
    own = FIELD_NAMES_BY_OPERATION.get(key, {})
    return own.get(field) or FIELD_NAMES.get(field, field)


def _status_of(exc: DomainError) -> int:
    for kind, status in ((NotVisible, 404), (NotFound, 404), (Conflict, 409), (TooLarge, 413)):
        if isinstance(exc, kind):
            return status
    return 400 if isinstance(exc, InvalidInput) else 403


def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    status = _status_of(exc)
    fields = {}
    if exc.field and status != 404:
        fields = {_field_name(request, exc.field): [exc.message]}
    return error_json(status, exc.message if status != 404 else _not_found_text(exc), fields)


def _not_found_text(exc: DomainError) -> str:
    # NotVisible carries SupportMe's "not authenticated" text; here it is simply not found.
    return NOT_FOUND if isinstance(exc, NotVisible) else exc.message


def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ())]
        while loc and loc[0] in _LOCATIONS:
            loc.pop(0)
        name = ".".join(loc) if loc else "body"
        fields.setdefault(_field_name(request, name), []).append(str(error.get("msg", "")))
    return error_json(400, "The request is not valid.", fields)


def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    cause = exc.__cause__
    if isinstance(cause, RequestDataTooBig):
        return error_json(413, "The request is too large.")
    if isinstance(cause, UnsupportedMediaType):
        return error_json(415, "Send the body as JSON (Content-Type: application/json).")
    if cause is not None:
        return error_json(400, "The body is not valid JSON.", {"body": ["Not valid JSON."]})
    if isinstance(exc, AuthenticationError):
        return error_json(401, UNAUTHENTICATED)
    return error_json(exc.status_code, str(exc.message))


def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_json(404, NOT_FOUND)


def on_too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_json(413, "The request is too large.")


def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("Unexpected error in the REST API", exc_info=exc)
    return error_json(500, "Something went wrong on our side.")


def install(api: NinjaAPI) -> None:
    handlers: list[tuple[type[Exception], Any]] = [
        (DomainError, on_domain_error),
        (ValidationError, on_validation_error),
        (HttpError, on_http_error),
        (Http404, on_not_found),
        (RequestDataTooBig, on_too_big),
        (Exception, on_unexpected),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)
