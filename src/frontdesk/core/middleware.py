"""Sessions that only real activity keeps alive.

Sessions roll: each request pushes the inactivity deadline back (accounts/sessions.py).
A request the browser makes on its own — the live-update stream, a presence beat, a refresh
after someone else's change — is not the person doing anything, so it must not keep an
abandoned tab signed in forever. Such views are marked with ``@passive``; a page refresh
caused by a live event says so with the ``X-Frontdesk-Passive`` header.
"""

from __future__ import annotations

import http.client
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any, TypeVar

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBase
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
    # Asked by two middlewares on every request: resolve the URL once. After the view, the
    # handler's own resolving says it (a path near the end of the URLconf cost a third of a
    # plain request to resolve again).
    known: bool | None = getattr(request, "_frontdesk_view_passive", None)
    if known is None:
        match = getattr(request, "resolver_match", None)
        try:
            view = match.func if match is not None else resolve(request.path_info).func
            known = bool(getattr(view, "frontdesk_passive", False))
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
    return carries_bearer_token(request.META) and not request.COOKIES


def carries_bearer_token(meta: Mapping[str, Any]) -> bool:
    """An ``Authorization: Bearer …`` header in a request's META (or a WSGI environ)."""
    return str(meta.get("HTTP_AUTHORIZATION", ""))[:7].lower() == "bearer "


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


# What a view's decorators (csp.decorators) put on its answer to change the policy.
_OWN_POLICY = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the headers of a plain answer built once per process.

    The policy is the same for every answer whose page asked for no nonce and whose view set
    no policy of its own, and django-csp built it again for each one: 6 % of the web process's
    CPU under the SupportMe flow (bench/README.md, "CPU per request"). Such an answer gets the
    headers built once, under the same conditions as django-csp sets them; any other answer is
    left to django-csp."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, name) for name in _OWN_POLICY
        ):
            return super().process_response(request, response)
        if settings.DEBUG and response.status_code in (
            http.client.INTERNAL_SERVER_ERROR,
            http.client.NOT_FOUND,
        ):
            return response
        policy, report_only = _plain_policy()
        for header, value, exempt, setting in (
            (HEADER, policy, "_csp_exempt", "CONTENT_SECURITY_POLICY"),
            (
                HEADER_REPORT_ONLY,
                report_only,
                "_csp_exempt_ro",
                "CONTENT_SECURITY_POLICY_REPORT_ONLY",
            ),
        ):
            if value and header not in response and not getattr(response, exempt, False):
                prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES")
                if not request.path_info.startswith(tuple(prefixes or ())):
                    response[header] = value
        # As django-csp does: a nonce asked for after the headers are written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response


@lru_cache(maxsize=1)
def _plain_policy() -> tuple[str, str]:
    """The Content-Security-Policy and its report-only twin for an answer with no nonce and no
    policy of its own, as django-csp builds them."""
    return build_policy(), build_policy(report_only=True)


@receiver(setting_changed, dispatch_uid="csp-plain-policy")
def _policy_changed(setting: str, **kwargs: Any) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _plain_policy.cache_clear()
