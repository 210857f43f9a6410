"""One error shape for the whole API:

    {"error": {"code": "invalid", "message": "...", "fields": {"subject": ["..."]}}}

Domain errors take the status of core.errors.http_status, as on every face; Ninja's own
errors (validation, parsing, authentication, CSRF) are reshaped to match. Invalid input of
any kind is 400.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from frontdesk.core.errors import DomainError, RateLimited, http_status
from frontdesk.core.outage import log_outage, outage_of

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
    422: "idempotency_key_reused",
    429: "rate_limited",
    503: "unavailable",
    507: "insufficient_storage",
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
    "files": "file",  # the attachment service's field; one file per API upload
}
# Keyed by method and URL name (a path's name is that of its first operation).
FIELD_NAMES_BY_OPERATION = {
    ("POST", "tickets_list"): {"message": "description"},
    ("POST", "tickets_assign"): {"assignee": "user_id"},
}
_LOCATIONS = frozenset({"body", "query", "path", "header", "cookie", "payload", "params"})
_FORM_LOCATIONS = frozenset({"form", "file"})


class UnsupportedMediaType(Exception):
    """The body is not of the type the endpoint reads: JSON, or multipart/form-data on the
    upload endpoints (raised by the parser; Ninja wraps a JSON one in a 400 HttpError)."""

    def __init__(self, received: str, expected: str = "application/json") -> None:
        super().__init__(received)
        self.expected = expected


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


def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    status = http_status(exc)
    fields = {}
    if exc.field and status != 404:
        fields = {_field_name(request, exc.field): [exc.message]}
    response = error_json(status, exc.message, fields)
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ())]
        if loc and loc[0] in _FORM_LOCATIONS:  # ("file", "file"): the location, then the field
            loc.pop(0)
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
        return on_unsupported(request, cause)
    if cause is not None:
        return error_json(400, "The body is not valid JSON.", {"body": ["Not valid JSON."]})
    if isinstance(exc, AuthenticationError):
        return error_json(401, UNAUTHENTICATED)
    return error_json(exc.status_code, str(exc.message))


def on_unsupported(request: HttpRequest, exc: UnsupportedMediaType) -> HttpResponse:
    what = "JSON" if exc.expected == "application/json" else "a multipart form"
    return error_json(415, f"Send the body as {what} (Content-Type: {exc.expected}).")


def on_bad_multipart(request: HttpRequest, exc: Exception) -> HttpResponse:
    # MultiPartParserError, or Django's TooManyFilesSent / TooManyFieldsSent.
    return error_json(400, "The multipart body is not valid or has too many parts.")


def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_json(404, NOT_FOUND)


def on_too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_json(413, "The request is too large.")


def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    outage = outage_of(exc)
    if outage is not None:  # the database, the disk or Redis: one log line per incident
        log_outage(request, outage, exc)
        response = error_json(outage.status, outage.message)
        response["Retry-After"] = str(outage.retry_after)
        return response
    logger.exception("Unexpected error in the REST API", exc_info=exc)
    return error_json(500, "Something went wrong on our side.")


def install(api: NinjaAPI) -> None:
    handlers: list[tuple[type[Exception], Any]] = [
        (DomainError, on_domain_error),
        (ValidationError, on_validation_error),
        (HttpError, on_http_error),
        (Http404, on_not_found),
        (RequestDataTooBig, on_too_big),
        (UnsupportedMediaType, on_unsupported),
        (MultiPartParserError, on_bad_multipart),
        (SuspiciousOperation, on_bad_multipart),
        (Exception, on_unexpected),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)
