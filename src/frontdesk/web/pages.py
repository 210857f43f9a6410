"""What every page view shares: who is signed in, and what domain errors become (never a
stack trace): the 404 page for what does not exist or is not the user's to see, the 403 page
for what they may not do, and the form again, with the error beside its field, for the rest.
Every status comes from core.errors.http_status."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext

from frontdesk.accounts.models import User
from frontdesk.core.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotAllowed,
    NotFound,
    RateLimited,
    TooLarge,
    http_status,
)

PageView = Callable[..., HttpResponse]

PAGE_METHODS = ("GET", "HEAD", "POST")


def page_methods(view: PageView) -> PageView:
    """Every page answers GET (and HEAD) with the page and POST with its form. Browsers send
    nothing else, so any other method comes from an API client: it gets the same JSON 405 as
    the API-only paths."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in PAGE_METHODS:
            response = JsonResponse({"error": "Method not allowed."}, status=405)
            response["Allow"] = ", ".join(PAGE_METHODS)
            return response
        return view(request, *args, **kwargs)

    return wrapper


def current_user(request: HttpRequest) -> User:
    """The signed-in user of a view behind ``login_required``."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def forbidden(request: HttpRequest, message: str = "") -> HttpResponse:
    # A service's English, in the page's language when the catalogue has it (web/texts.py).
    return render(request, "403.html", {"message": gettext(message) if message else ""}, status=403)


def not_found(request: HttpRequest, message: str = "") -> HttpResponse:
    return render(request, "404.html", {"message": gettext(message) if message else ""}, status=404)


# The errors a form shows beside its field (or above it); the others become whole pages.
FORM_ERRORS = (InvalidInput, Conflict, TooLarge, RateLimited)


def with_form_error(response: HttpResponse, exc: DomainError) -> HttpResponse:
    """``response`` (the form again, with ``exc`` added to it) with the error's status, and
    ``Retry-After`` when rate limited."""
    response.status_code = http_status(exc)
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


def friendly_errors(*, not_found_message: str = "") -> Callable[[PageView], PageView]:
    """Answer a NotFound (NotVisible included: what is not yours does not exist for you) with
    the 404 page and a NotAllowed with the 403 page. Errors a form can show (FORM_ERRORS) are
    the view's to handle."""

    def decorate(view: PageView) -> PageView:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except NotFound:
                return not_found(request, not_found_message)
            except NotAllowed as exc:
                return forbidden(request, exc.said())

        return wrapper

    return decorate
