"""The outermost middleware: each request gets its id (core/request_id.py), its latency in
the metrics (core/metrics.py) and one access line in the log (``frontdesk.access``; off with
``FRONTDESK_ACCESS_LOG=false`` when the proxy in front already writes one)."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from frontdesk.core import metrics, request_id

access_log = logging.getLogger("frontdesk.access")


class RequestLogMiddleware:
    sync_capable = True
    async_capable = True  # the live endpoint's streams stay on its event loop

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.access_log = bool(settings.FRONTDESK_ACCESS_LOG)
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self._acall(request)
        token, started = self._begin(request)
        try:
            response = self.get_response(request)
            self._end(request, response, started)
        finally:
            request_id.current.reset(token)
        return response

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        token, started = self._begin(request)
        try:
            awaited: Awaitable[HttpResponseBase] = self.get_response(request)
            response = await awaited
            self._end(request, response, started)
        finally:
            request_id.current.reset(token)
        return response

    def _begin(self, request: HttpRequest) -> tuple[Any, float]:
        rid = request_id.from_header(request.META.get("HTTP_X_REQUEST_ID"))
        request.request_id = rid  # type: ignore[attr-defined]
        return request_id.current.set(rid), time.perf_counter()

    def _end(self, request: HttpRequest, response: HttpResponseBase, started: float) -> None:
        seconds = time.perf_counter() - started
        response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]
        route = metrics.route_of(request)
        method = request.method or ""
        metrics.request_observed(route, method, response.status_code, seconds)
        if self.access_log and access_log.isEnabledFor(logging.INFO):
            access_log.info(
                "%s %s %s %.1f ms [%s]",
                method,
                request.path,
                response.status_code,
                seconds * 1000,
                request.request_id,  # type: ignore[attr-defined]
                extra={
                    "method": method,
                    "path": request.path,
                    "route": route,
                    "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 2),
                    "user_id": _user_id(request),
                },
            )


def _user_id(request: HttpRequest) -> int | None:
    """Only a user already loaded (a session's or the API's): the log never loads one."""
    user = getattr(request, "auth", None) or request.__dict__.get("_cached_user")
    return getattr(user, "pk", None)
