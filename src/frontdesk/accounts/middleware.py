"""The server-side inactivity deadline, next to the rolling session cookie.

The cookie's own lifetime (SESSION_COOKIE_AGE) only asks the browser to forget it; a copied or
kept cookie would stay valid for as long as the session row lives. So the session also carries
its last activity, and a request that arrives after the deadline ends the session and is
answered as anonymous.
"""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone, translation

from frontdesk.accounts import sessions, two_factor
from frontdesk.accounts.models import User
from frontdesk.core.middleware import is_bearer_only, is_passive


class BearerAwareAuthenticationMiddleware(AuthenticationMiddleware):
    """Django's, but a bearer request without cookies (core.middleware.is_bearer_only) is
    anonymous at once: it has no session to look a user up in. The APIs read the token."""

    def process_request(self, request: HttpRequest) -> None:
        if is_bearer_only(request):
            request.user = AnonymousUser()
            request.auser = _anonymous
            return
        super().process_request(request)


async def _anonymous() -> AnonymousUser:
    return AnonymousUser()


class SessionTimeoutMiddleware:
    """After AuthenticationMiddleware and MessageMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_bearer_only(request):
            return self.get_response(request)  # no session: nothing to time out or prolong
        expired = request.user.is_authenticated and sessions.session_expire_if_idle(request)
        # Tell the person on the next page they see. A passive request (session.js asking for
        # the status) is not seen: it sends the browser to /login?expired=1, which says it.
        if expired and not is_passive(request):
            messages.info(request, sessions.expiry_message())
            request.session_expired_now = True  # type: ignore[attr-defined]
        response = self.get_response(request)
        # The view may have signed someone in or out: look again.
        if isinstance(request.user, User) and not is_passive(request):
            sessions.session_activity(request, request.user)
        return response


# The REST API speaks ISO times with their offset, and its filters read a time without one in
# the server's zone: a caller's page setting must not change what a request means there.
API_PREFIX = "/api/ticketing/"


class TimeZoneMiddleware:
    """Pages show times in the signed-in user's zone (their profile's ``time_zone``); until
    they have one, the server's. After AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_bearer_only(request):
            return self.get_response(request)  # the server's zone, as for anyone anonymous
        user = request.user
        zone = user.time_zone if isinstance(user, User) and user.is_authenticated else ""
        if zone and not request.path.startswith(API_PREFIX):
            try:
                timezone.activate(ZoneInfo(zone))
            except (ZoneInfoNotFoundError, ValueError):  # gone from this system's tz data
                timezone.deactivate()
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


# The SupportMe JSON API (its read paths) and the REST API answer in English whatever the
# browser asks for: their texts are a contract (the SupportMe paths it shares with the pages
# are switched to English in web/dispatch.py).
ENGLISH_ONLY_PREFIXES = (API_PREFIX, "/get-", "/api/")


class UserLanguageMiddleware:
    """A signed-in user's own language (their profile's ``language``) wins over the one
    LocaleMiddleware took from Accept-Language; the APIs stay English. After
    AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(ENGLISH_ONLY_PREFIXES) or is_bearer_only(request):
            use_language(request, "en")
        else:
            user = request.user
            chosen = user.language if isinstance(user, User) and user.is_authenticated else ""
            if chosen and chosen in dict(settings.LANGUAGES):
                use_language(request, chosen)
        return self.get_response(request)


def use_language(request: HttpRequest, code: str) -> None:
    """Answer this request in ``code`` (LocaleMiddleware names it in Content-Language)."""
    translation.activate(code)
    request.LANGUAGE_CODE = code


# Where someone who must set up two-factor may still go: the set-up page itself, signing
# out, and what those pages load.
TWO_FACTOR_SETUP = "/profile/two-factor"
TWO_FACTOR_OPEN_PATHS = (
    TWO_FACTOR_SETUP,
    "/logout",
    "/static/",
    "/profile-icons/",
    "/api/session-status/",
    "/api/session/extend/",
)


class TwoFactorRequiredMiddleware:
    """FRONTDESK_2FA_REQUIRED_FOR: a signed-in user of those roles without two-factor can do
    nothing but set it up (or sign out). Pages are sent to the set-up page; anything else gets
    a JSON 403. Bearer tokens are not sessions and pass by here unseen: SupportMe ``POST
    /login`` refuses them a token instead, and personal API tokens stay the way for scripts.
    After AuthenticationMiddleware; one indexed read, only for users of those roles."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.FRONTDESK_2FA_REQUIRED_FOR:
            # The default: nothing to enforce, and no reason to load the signed-in user (the
            # isinstance check below would) on requests that never look at it.
            return self.get_response(request)
        user = request.user
        if (
            isinstance(user, User)
            and not request.path.startswith(TWO_FACTOR_OPEN_PATHS)
            and two_factor.two_factor_missing(user)
        ):
            page = request.method in ("GET", "HEAD") and "HX-Request" not in request.headers
            if page and not request.path.startswith("/api/"):
                return redirect(TWO_FACTOR_SETUP)
            return JsonResponse(
                {"error": two_factor.SETUP_REQUIRED, "two_factor_setup_required": True},
                status=403,
            )
        return self.get_response(request)
