"""Who is calling: a personal API token, a SupportMe bearer token, or the browser session
(with CSRF on writes). Every way in passes :func:`_admit`, the one place that refuses writes
to read-only tokens and counts requests against the per-user rate limit.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from frontdesk.accounts.api_tokens import api_token_user, is_api_token
from frontdesk.accounts.models import ApiTokenScope, User
from frontdesk.accounts.tokens import access_token_user
from frontdesk.core import ratelimit

CSRF_FAILED = "CSRF check failed: send the X-CSRFToken header with the csrftoken cookie's value."
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
READ_ONLY_TOKEN = "This token can only read."  # noqa: S105 (a message)


def _admit(request: HttpRequest, user: User, scope: str = ApiTokenScope.READ_WRITE) -> User:
    """Let an identified caller in: a read-only token may not write (403), and every caller
    has one request budget per window, whatever credentials it uses (429)."""
    if scope == ApiTokenScope.READ and request.method not in SAFE_METHODS:
        raise HttpError(403, READ_ONLY_TOKEN)
    ratelimit.limits_hit((ratelimit.API_USER, str(user.pk)))
    return user


class BearerAuth(HttpBearer):
    """``Authorization: Bearer <jwt>`` (the token the SupportMe API issues) or a personal API
    token as ``Authorization: Bearer fd_...`` or ``Authorization: Token fd_...``. Roles are
    read from the database on every request, never from a token."""

    def __call__(self, request: HttpRequest) -> User | None:
        scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
        if scheme.lower() == "token":
            return (
                self.authenticate(request, value.strip()) if is_api_token(value.strip()) else None
            )
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        token = token.strip()
        if is_api_token(token):
            found = api_token_user(token)
            return _admit(request, found.user, found.scope) if found else None
        user = access_token_user(f"Bearer {token}")
        return _admit(request, user) if user else None


class SessionAuth(APIKeyCookie):
    """The signed-in browser session. Unlike Ninja's own SessionAuth, a request without a
    session is simply not authenticated here (401), and CSRF is only checked for a session
    that exists and an unsafe method (403)."""

    param_name: str = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest) -> User | None:
        user: Any = getattr(request, "user", None)
        if not isinstance(user, User) or not user.is_active or user.is_system:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise HttpError(403, CSRF_FAILED)
        return _admit(request, user)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        return None  # __call__ decides; the cookie's value is the session middleware's business


def idempotency_caller(request: HttpRequest) -> int | None:
    """Whom a write's Idempotency-Key belongs to, found as the API's auth finds the caller but
    without spending the budget (the view does that when it runs). None when the write would
    be refused anyway (no credentials, a read-only token, a session without its CSRF token),
    so the view answers it as it would without a key."""
    scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
    value = value.strip()
    if scheme.lower() in ("bearer", "token") and is_api_token(value):
        found = api_token_user(value)
        return found.user.pk if found and found.scope != ApiTokenScope.READ else None
    if scheme.lower() == "bearer":
        bearer = access_token_user(f"Bearer {value}")
        if bearer is not None:
            return bearer.pk
    user: Any = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_active or user.is_system:
        return None
    return user.pk if check_csrf(request) is None else None


def caller(request: HttpRequest) -> User:
    """The authenticated user of a request that passed the API's auth."""
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user
