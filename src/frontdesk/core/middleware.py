"""Sessions that only real activity keeps alive.

Sessions roll: each request pushes the inactivity deadline back (accounts/sessions.py).
A request the browser makes on its own — the live-update stream, a presence beat, a refresh
after someone else's change — is not the person doing anything, so it must not keep an
abandoned tab signed in forever. Such views are marked with ``@passive``; a page refresh
caused by a live event says so with the ``X-Frontdesk-Passive`` header.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., Any])


def passive(view: ViewFunc) -> ViewFunc:
    """Mark a view that the browser calls on its own (a live stream, a status check, a beat).

    Marked on the view, not set while it runs, so that middleware deciding before the view
    (the inactivity timeout) already knows."""
    view.frontdesk_passive = True  # type: ignore[attr-defined]
    return view


def is_passive(request: HttpRequest) -> bool:
    """A request the browser made on its own, not the person doing something."""
    if getattr(request, "passive", False) or "X-Frontdesk-Passive" in request.headers:
        return True
    # Asked by two middlewares on every request: resolve the URL once.
    known: bool | None = getattr(request, "_frontdesk_view_passive", None)
    if known is None:
        try:
            known = bool(getattr(resolve(request.path_info).func, "frontdesk_passive", False))
        except Resolver404:
            known = False
        request._frontdesk_view_passive = known  # type: ignore[attr-defined]
    return known


def is_bearer_only(request: HttpRequest) -> bool:
    """A request that speaks for someone with a bearer token (the SupportMe and REST APIs)
    and carries no cookie at all. The cookie machinery has nothing to do for it: it has no
    session to load, time out or prolong, no flash messages, no page time zone; and it must
    not be given a session. Without cookies it cannot pass a CSRF check either, so no form
    (signing in included) can succeed through it."""
    authorization = request.META.get("HTTP_AUTHORIZATION", "")
    return authorization[:7].lower() == "bearer " and not request.COOKIES


class ActivitySessionMiddleware(SessionMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if is_bearer_only(request):
            return response  # never saved, never sent: a bearer request gets no session
        if is_passive(request) and not request.session.modified:
            return response  # neither saved nor re-sent: the deadline stays where it was
        return super().process_response(request, response)


class SecureCookiesMiddleware:
    """Mark the session, CSRF and messages cookies Secure on every response to an HTTPS
    request (directly, or through a proxy when FRONTDESK_BEHIND_PROXY is on).

    Django's SESSION_COOKIE_SECURE and CSRF_COOKIE_SECURE are global, so one install that
    answers both http://localhost and https://help.example.com could not use them. Sits
    above the session and CSRF middleware, so it sees the cookies they set.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.is_secure():
            names = (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, "messages")
            for name in names:
                if name in response.cookies:
                    response.cookies[name]["secure"] = True
        return response


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every answer for a signed-in caller (a session cookie or
    an Authorization header came with the request) and on every JSON answer, so that neither a
    shared proxy nor the browser's disk keeps a page or an API answer with someone's data (the
    back button on a shared computer after signing out). An answer that says its own caching
    keeps it: attachments (private, revalidated), profile pictures (public), live streams."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        signed_in = (
            settings.SESSION_COOKIE_NAME in request.COOKIES or "HTTP_AUTHORIZATION" in request.META
        )
        json = response.get("Content-Type", "").split(";")[0].strip().endswith("json")
        if signed_in or json:
            response["Cache-Control"] = "no-store"
        return response
