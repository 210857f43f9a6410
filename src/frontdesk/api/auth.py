"""Who is calling: a SupportMe bearer token, or the browser session (with CSRF on writes).

Personal API tokens will join here: a third class (or a prefix check in ``BearerAuth``)
resolving them through the accounts app. Nothing else in the API needs to change.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from frontdesk.accounts.models import User
from frontdesk.accounts.tokens import access_token_user

CSRF_FAILED = "CSRF check failed: send the X-CSRFToken header with the csrftoken cookie's value."
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class BearerAuth(HttpBearer):
    """``Authorization: Bearer <jwt>``: the token the SupportMe API issues. The role is read
    from the database on every request, not from the token's claims."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        # Seam for personal API tokens: recognise them here (by prefix) before the JWT.
        return access_token_user(f"Bearer {token}")


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
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        return None  # __call__ decides; the cookie's value is the session middleware's business


def caller(request: HttpRequest) -> User:
    """The authenticated user of a request that passed the API's auth."""
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user
