"""Personal API tokens: made, named, scoped and revoked by their owner, kept only as hashes.

A token reads ``fd_<prefix>_<secret>``: the prefix (8 letters and digits) is stored as it is
and shown to tell tokens apart; the secret (``secrets.token_urlsafe(32)``) is stored only as
its SHA-256, so the token is shown once, when it is made. Looking a token up by that hash
compares nothing secret in Python, so it takes the same time whatever the guess.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import ApiToken, ApiTokenScope, User
from frontdesk.accounts.sessions import ClientInfo, password_recheck, sign_in_failed_record
from frontdesk.core import clock
from frontdesk.core.errors import InvalidInput, NotAllowed, NotFound
from frontdesk.core.text import is_storable_text

TOKEN_START = "fd_"  # noqa: S105 (the marker, not a secret)
PREFIX_LENGTH = 8
NAME_MAX = 60
MAX_ACTIVE = 20
TOUCH_INTERVAL = timedelta(seconds=60)  # last_used_at is written at most once a minute
_PREFIX_ALPHABET = string.ascii_letters + string.digits
TOKEN_NOT_FOUND = gettext_noop("That token does not exist or has already been revoked.")
PASSWORD_NEEDED = gettext_noop("Enter your password to make a token.")
PASSWORD_WRONG = gettext_noop("That password is not right; no token was made.")


class TokenCaller(NamedTuple):
    user: User
    scope: str


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _active() -> Q:
    return Q(revoked_at__isnull=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=clock.now()))


def api_tokens_active_for(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(_active(), user=user)


def api_tokens_listed_for(user: User) -> list[ApiToken]:
    """What the profile page lists: every token not revoked (expired ones too, to revoke)."""
    return list(ApiToken.objects.filter(user=user, revoked_at__isnull=True))


def api_token_create(
    *,
    user: User,
    name: str,
    scope: str,
    password: str,
    expires_at: datetime | None = None,
    client: ClientInfo | None = None,
) -> tuple[ApiToken, str]:
    """Make a token; answers it with its plaintext, which is never available again.

    A token acts as its owner for as long as it lives, so the owner's password is asked for
    again (a session left open on a shared computer is not enough). The check shares the
    sign-in limits (per account and per address, reserved before hashing); a wrong password
    is a failed sign-in in the audit trail, and nothing is made."""
    if user.is_system or not user.is_active:
        raise NotAllowed(gettext_noop("This account cannot have API tokens."))
    name = name.strip() if is_storable_text(name) else ""
    if not 1 <= len(name) <= NAME_MAX:
        raise InvalidInput(
            gettext_noop("Give the token a name of 1 to %(limit)s characters."),
            values={"limit": NAME_MAX},
            field="name",
        )
    if scope not in ApiTokenScope.values:
        raise InvalidInput(gettext_noop("Choose read or read_write as the scope."), field="scope")
    if expires_at is not None and expires_at <= clock.now():
        raise InvalidInput(gettext_noop("The expiry must be in the future."), field="expires_at")
    _check_password(user, password, client or ClientInfo())
    prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        # The row lock serialises one user's creations, so the name and count checks hold.
        User.objects.select_for_update().filter(pk=user.pk).first()
        active = api_tokens_active_for(user)
        if active.filter(name__iexact=name).exists():
            raise InvalidInput(
                gettext_noop("You already have a token with that name."), field="name"
            )
        if active.count() >= MAX_ACTIVE:
            raise InvalidInput(
                gettext_noop(
                    "You already have %(limit)s tokens; revoke one before making another."
                ),
                values={"limit": MAX_ACTIVE},
            )
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=prefix,
            token_hash=_secret_hash(secret),
            scope=scope,
            created_at=clock.now(),
            expires_at=expires_at,
        )
    return token, f"{TOKEN_START}{prefix}_{secret}"


def _check_password(user: User, password: str, client: ClientInfo) -> None:
    if not isinstance(password, str) or not password:
        raise InvalidInput(PASSWORD_NEEDED, field="password")
    # The sign-in page's buckets (accounts.services.sign_in_limits_hit): this address, and
    # the account's name as a sign-in would try it.
    if not password_recheck(user, password, client):
        sign_in_failed_record(username=user.username, client=client)
        raise NotAllowed(PASSWORD_WRONG, field="password")


def api_token_revoke(*, actor: User, token_id: int) -> ApiToken:
    """Revoke one of one's own tokens (an admin: anyone's). Others' are "not found"; revoking
    a revoked token changes nothing."""
    visible = ApiToken.objects.all() if actor.is_admin else ApiToken.objects.filter(user=actor)
    token = visible.filter(pk=token_id).first() if 0 < token_id < 2**63 else None
    if token is None:
        raise NotFound(TOKEN_NOT_FOUND)
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=token.revoked_at
        )
    return token


def api_tokens_revoke_all(user: User) -> int:
    """Revoke every token of ``user`` not revoked yet (a password change or reset, unless the
    user keeps them); how many."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=clock.now()
    )


def _parse(raw: str) -> tuple[str, str] | None:
    """The prefix and secret of ``fd_<prefix>_<secret>`` (both may contain ``_``)."""
    head = len(TOKEN_START) + PREFIX_LENGTH
    if not raw.startswith(TOKEN_START) or len(raw) < head + 2 or raw[head] != "_":
        return None
    return raw[len(TOKEN_START) : head], raw[head + 1 :]


def is_api_token(raw: str) -> bool:
    return raw.startswith(TOKEN_START)


def api_token_user(raw: str) -> TokenCaller | None:
    """The user and scope a token speaks for, or None: unknown, revoked or expired tokens,
    inactive users and the System user never authenticate."""
    if not is_storable_text(raw) or len(raw) > 200:
        return None
    parts = _parse(raw)
    if parts is None:
        return None
    prefix, secret = parts
    token = ApiToken.objects.select_related("user").filter(token_hash=_secret_hash(secret)).first()
    if token is None or not hmac.compare_digest(token.prefix, prefix):
        return None
    if not token.is_active or not token.user.is_active or token.user.is_system:
        return None
    moment = clock.now()
    if token.last_used_at is None or moment - token.last_used_at >= TOUCH_INTERVAL:
        # Conditional, so many simultaneous requests write once.
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=moment - TOUCH_INTERVAL)
        ).update(last_used_at=moment)
    return TokenCaller(token.user, token.scope)
