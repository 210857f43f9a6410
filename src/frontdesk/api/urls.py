"""The API's paths: Ninja's, with a JSON 405 for a wrong method and a JSON 404 for any other
path under /api/ticketing/ (Ninja answers both with plain text or HTML otherwise), and
``Idempotency-Key`` on every write."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, re_path

from frontdesk.api.auth import idempotency_caller
from frontdesk.api.errors import NOT_FOUND, error_json
from frontdesk.api.ticketing import api
from frontdesk.core.idempotency import idempotent


def _json_405(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and "json" not in response.get("Content-Type", ""):
            answer = error_json(405, f"{request.method} is not allowed here.")
            answer["Allow"] = response.get("Allow", "")
            return answer
        return response

    return wrapper


def _not_found(request: HttpRequest) -> HttpResponse:
    return error_json(404, NOT_FOUND)


def _patterns() -> list[URLPattern | URLResolver]:
    patterns, _app_name, _namespace = api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            # Ninja's root view redirects to the docs; the name must stay (the OpenAPI
            # document reverses it for its path prefix) but the answer is a JSON 404.
            is_root = pattern.name == "api-root"
            if is_root:
                pattern.callback = _not_found
            else:
                # Every write takes an Idempotency-Key (core/idempotency.py), in one place.
                pattern.callback = idempotent(
                    _json_405(pattern.callback), caller=idempotency_caller, refuse=error_json
                )
    return patterns


app_name = "ninja"
urlpatterns = [*_patterns(), re_path(r"^.*$", _not_found)]
