"""The browser's session endpoints (issue 4): status, details, log out, extend.

Cookie-authenticated, so unsafe methods need the CSRF token (session.js sends X-CSRFToken);
every answer, errors included, is JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.decorators import decorator_from_middleware
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from frontdesk.accounts import sessions
from frontdesk.accounts.models import User
from frontdesk.core.middleware import passive

ApiView = Callable[..., HttpResponseBase]
NOT_SIGNED_IN = "You are not signed in."


class _JsonCsrfMiddleware(CsrfViewMiddleware):
    def _reject(self, request: HttpRequest, reason: str) -> HttpResponse:
        request.passive = True  # type: ignore[attr-defined] # a refused request is not activity
        return JsonResponse({"error": f"CSRF check failed: {reason}"}, status=403)


_json_csrf_protect = decorator_from_middleware(_JsonCsrfMiddleware)


def _session_endpoint(*methods: str) -> Callable[[ApiView], ApiView]:
    """Allowed methods (405 otherwise), CSRF answered in JSON, never cached."""

    def decorate(view: ApiView) -> ApiView:
        protected = cast("ApiView", _json_csrf_protect(view))

        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method not in methods:
                response = JsonResponse({"error": "Method not allowed."}, status=405)
                response["Allow"] = ", ".join(methods)
                return response
            return protected(request, *args, **kwargs)

        # The global CSRF middleware would answer with an HTML page; the wrapper checks.
        return csrf_exempt(never_cache(wrapper))

    return decorate


def _not_signed_in() -> JsonResponse:
    return JsonResponse({"error": NOT_SIGNED_IN}, status=401)


@passive  # asking is not activity
@_session_endpoint("GET", "HEAD")
def session_status(request: HttpRequest) -> HttpResponse:
    signed_in = request.user.is_authenticated
    return JsonResponse(
        {
            "authenticated": signed_in,
            "seconds_left": sessions.session_seconds_left(request) if signed_in else 0,
            "warning_threshold": sessions.session_warning(),
            "timeout": sessions.session_timeout(),
        }
    )


@_session_endpoint("GET", "HEAD", "DELETE")
def session_detail(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not isinstance(user, User):
        return _not_signed_in()
    if request.method == "DELETE":
        logout(request)
        return HttpResponse(status=204)
    return JsonResponse(sessions.session_details(request, user))


@_session_endpoint("POST")
def session_extend(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return _not_signed_in()
    seconds_left = sessions.session_extend(request)
    return JsonResponse({"seconds_left": seconds_left, "timeout": sessions.session_timeout()})
