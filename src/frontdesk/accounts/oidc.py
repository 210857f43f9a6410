"""The OpenID Connect sign-in, through mozilla-django-oidc: the code flow with PKCE, state and
nonce, the provider's signature checked against its published keys. On top of the library:
the token must come from the configured issuer and be meant for this desk (the library leaves
``iss`` and ``aud`` unchecked), the userinfo must describe the same person as the token, and
who that person is here is decided by accounts/sso.py. A refusal or a provider that does not
answer sends the person back to the sign-in page with words, never an error page."""

from __future__ import annotations

import logging
from typing import Any

import jwt
import requests
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_noop
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from frontdesk.accounts import sso
from frontdesk.accounts.backends import UsernameOrEmailBackend
from frontdesk.accounts.models import User
from frontdesk.core.errors import DomainError

logger = logging.getLogger(__name__)

FAILED = gettext_noop(
    "Signing in with {name} did not work. Try again, or sign in with your password."
)


def sso_name() -> str:
    config = sso.sso_config()
    return config.name if config else "single sign-on"


class OidcBackend(OIDCAuthenticationBackend):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Django builds every backend on every sign-in; the library's reads its settings
        # and would refuse to start on a desk without single sign-on.
        if sso.sso_config() is not None:
            super().__init__(*args, **kwargs)

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        config = sso.sso_config()
        if config is None or request is None or "code" not in request.GET:
            return None
        try:
            user: User | None = super().authenticate(request, **kwargs)
        except (
            SuspiciousOperation,
            requests.RequestException,
            jwt.PyJWTError,
            KeyError,
            ValueError,
        ) as exc:
            logger.warning("single sign-on refused: %s", exc)
            messages.error(request, gettext(FAILED).format(name=config.name))
            return None
        return user

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        payload: dict[str, Any] = super().verify_token(token, **kwargs)
        config = sso.sso_config()
        assert config is not None  # authenticate() came here only with a provider
        audience = payload.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        if payload.get("iss") != config.issuer:
            raise SuspiciousOperation("The token's issuer is not the configured provider.")
        if config.client_id not in audiences:
            raise SuspiciousOperation("The token is not meant for this desk (audience).")
        if len(audiences) > 1 and payload.get("azp") != config.client_id:
            raise SuspiciousOperation("The token names other audiences and not this desk.")
        return payload

    def get_or_create_user(
        self, access_token: str, id_token: str, payload: dict[str, Any]
    ) -> User | None:
        claims = self.get_userinfo(access_token, id_token, payload)
        if claims.get("sub") != payload.get("sub"):
            logger.warning("single sign-on refused: the userinfo names another subject")
            messages.error(self.request, gettext(FAILED).format(name=sso_name()))
            return None
        try:
            return sso.user_from_sso_claims(claims=claims)
        except DomainError as exc:
            messages.error(self.request, exc.said())
            return None

    def get_user(self, user_id: int) -> User | None:
        return UsernameOrEmailBackend().get_user(user_id)
