"""SupportMe bearer tokens: HS256 JWTs with ``user_id``, ``account_type`` and ``exp`` claims.

The claims are informational for clients (the seed's pages decode them); authorisation always
reads the user's current role from the database, so a demoted agent loses access at once.

Each token also carries ``ver``, the user's ``token_version`` when it was issued, and ``jti``,
an id of its own. The same single read that fetches the user (by primary key) accepts the token
only at the current version, or as the one token kept through the last bump (the JWT that
changed the password: ``token_kept_jti`` at ``token_kept_version``). Bumping the version
(:func:`token_version_bump`: password change or reset, "sign out everywhere", deactivation)
ends every other token at once. A token issued before versions existed has neither claim and
counts as version 0 (what every account starts at), so an upgrade signs no one out.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jwt
from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet

from frontdesk.accounts.models import Role, SessionEvent, SessionEventKind, User
from frontdesk.core import clock
from frontdesk.core.compiled import CompiledRead

ACCOUNT_TYPE_CUSTOMER = 1
ACCOUNT_TYPE_ASSISTANT = 2
ACCOUNT_TYPE_ADMIN = 3

_ACCOUNT_TYPES = {
    Role.CUSTOMER: ACCOUNT_TYPE_CUSTOMER,
    Role.AGENT: ACCOUNT_TYPE_ASSISTANT,
    Role.ADMIN: ACCOUNT_TYPE_ADMIN,
    Role.SYSTEM: ACCOUNT_TYPE_ASSISTANT,  # SupportMe seeds System as an assistant account
}
ROLE_BY_ACCOUNT_TYPE = {
    ACCOUNT_TYPE_CUSTOMER: Role.CUSTOMER,
    ACCOUNT_TYPE_ASSISTANT: Role.AGENT,
    ACCOUNT_TYPE_ADMIN: Role.ADMIN,
}


def account_type_of(user: User) -> int:
    return _ACCOUNT_TYPES[Role(user.role)]


JTI_BYTES = 16  # 128 bits, 22 characters in URL-safe base64
MAX_JTI_LENGTH = 32  # what a token's id may be; longer is no id
NO_JTI = "-" * (MAX_JTI_LENGTH + 1)
_MAX_VERSION = 2**31 - 1


@dataclass(frozen=True)
class TokenId:
    """Which JWT a request came with: its id and the version it was issued at."""

    jti: str
    version: int


def access_token_issue(user: User) -> str:
    claims = {
        "user_id": user.pk,
        "account_type": account_type_of(user),
        "exp": int(clock.timestamp()) + settings.JWT_LIFETIME_SECONDS,
        "ver": user.token_version,
        "jti": secrets.token_urlsafe(JTI_BYTES),
    }
    return jwt.encode(claims, settings.JWT_SECRET_KEY, algorithm="HS256")


def token_of(user: User) -> TokenId | None:
    """The JWT ``user`` was authenticated with by :func:`access_token_user`, if any."""
    token = getattr(user, "_frontdesk_token", None)
    return token if isinstance(token, TokenId) else None


def token_version_bump(
    user: User,
    *,
    keep: TokenId | None = None,
    actor: User | None = None,
    ip: str | None = None,
    user_agent: str = "",
) -> None:
    """End every JWT of ``user`` (inside the caller's transaction) except ``keep``, the token
    that asked for the change, if it is still valid; ``user`` is refreshed. The audit trail
    records ``tokens_ended`` with who did it (``actor``; None: the server, e.g. a reset)."""
    User.objects.filter(pk=user.pk).update(
        token_version=models.F("token_version") + 1,
        token_kept_jti=keep.jti if keep else "",
        token_kept_version=keep.version if keep else 0,
    )
    user.refresh_from_db(fields=["token_version", "token_kept_jti", "token_kept_version"])
    SessionEvent.objects.create(
        kind=SessionEventKind.TOKENS_ENDED,
        user=user,
        actor=actor,
        ip=ip,
        user_agent=user_agent,
        created_at=clock.now(),
    )


def access_token_user(authorization: str | None) -> User | None:
    """The active user an ``Authorization: Bearer <jwt>`` header speaks for, or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    token = token.strip()
    verify = _verified if len(token) <= MAX_KEPT_TOKEN else _verified.__wrapped__
    claims = verify(token, settings.JWT_SECRET_KEY)
    if claims is None or not _unexpired(claims.exp):
        return None
    user_id, version, jti = claims.user_id, claims.version, claims.jti
    # A token without an id is never "kept": compared with an id no token can have.
    found = _active_user(None, user_id, version, jti or NO_JTI)
    user = found[0] if found else None
    if user is None or user.is_system:
        return None
    user._frontdesk_token = TokenId(jti or "", version)  # type: ignore[attr-defined]
    return user


@dataclass(frozen=True)
class _Claims:
    """What a request's JWT says, once its signature is checked and its claims are well formed."""

    exp: Any
    user_id: int
    version: int
    jti: str | None


# The same token comes with every request of a session: its signature is checked once and what
# it says kept (checking it was an eighth of a SupportMe read; bench/README.md, "CPU per
# request"). What depends on time or on the database is asked on every request all the same:
# the expiry (against the clock) and whether the token was ended (the user's read). Keyed by
# the secret too, so a changed secret checks every token again. Bounded: the least recently
# used go first, and a token longer than any Frontdesk issues is never kept.
MAX_KEPT_TOKEN = 512


@lru_cache(maxsize=4096)
def _verified(token: str, secret: str) -> _Claims | None:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            # The expiry is checked by the caller, on every request, against the same clock
            # every other deadline reads.
            options={"require": ["exp", "user_id"], "verify_exp": False},
        )
    except jwt.PyJWTError:
        return None
    user_id = claims.get("user_id")
    if type(user_id) is not int or not 0 < user_id < 2**63:
        return None
    version, jti = claims.get("ver", 0), claims.get("jti")
    if type(version) is not int or not 0 <= version <= _MAX_VERSION:
        return None
    if not (isinstance(jti, str) and 0 < len(jti) <= MAX_JTI_LENGTH):
        jti = None
    return _Claims(exp=claims["exp"], user_id=user_id, version=version, jti=jti)


def _unexpired(exp: Any) -> bool:
    """PyJWT's rule for ``exp`` (a number of seconds, expired from that second on), with the
    time read from frontdesk.core.clock."""
    try:
        return int(exp) > clock.timestamp()
    except (TypeError, ValueError, OverflowError):
        return False


def _active_user_query(shape: None, user_id: int, version: int, jti: str) -> QuerySet[User]:
    """The active user ``user_id`` if the token's version is current, or it is the kept token
    (its id at the kept version). Still one read by primary key."""
    current = Q(token_version=version)
    kept = Q(token_kept_jti=jti, token_kept_version=version)
    return User.objects.filter(current | kept, pk=user_id, is_active=True)


# This read runs on every API request: compiled once (core/compiled.py), since compiling it
# each time cost four times running it (0.4 of 0.5 ms; bench/README.md, "Flow").
_active_user = CompiledRead(_active_user_query)
