"""Recovery: "forgot password" and claiming an account that has no password yet.

* Anyone may ask for a reset link for an address or a username. The answer is the same
  whether or not such an account exists, and so is the work done while the request waits:
  one look-up, the rate limits, one audit row and one queued job. The job (``reset_mail_job``)
  writes the token and the mail, out of the request, only when there is an account to write
  to. Requests are limited per client address and per account asked for.
* A link carries ``secrets.token_urlsafe(32)`` (256 bits). Only its SHA-256 is stored
  (:class:`PasswordResetToken`). It works for ``FRONTDESK_PASSWORD_RESET_SECONDS`` (an hour),
  once, and only while the account's password is the one it was issued under: a password set
  in any way since (another reset, the profile, an admin) ends it. Using one ends every other
  link of the account.
* The link itself is in the outbox row only until the mail is sent (delivery drops ``secret_``
  data once a mail has left).
* Accounts made by the mail intake or for a caller have no usable password: the same flow
  lets their owner set one ("claiming" the account); the pages and the mail say "set a
  password" for them.
* The new password obeys registration's rules and is set by
  :func:`accounts.services.user_set_password` (which ends the account's other sessions and
  tokens). The person then signs in with it: a reset never signs anyone in, so every
  sign-in step (a second factor included) still applies.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_noop
from huey.contrib.djhuey import db_task

from frontdesk.accounts import services, verification
from frontdesk.accounts.models import PasswordResetToken, Role, SessionEventKind, User
from frontdesk.accounts.sessions import ClientInfo, event_record
from frontdesk.core import clock, ratelimit
from frontdesk.core.errors import InvalidInput, NotFound
from frontdesk.core.jobs import run_quietly
from frontdesk.core.text import is_storable_text
from frontdesk.notifications.outbox import outbox_enqueue

PASSWORD_RESET = "password_reset"  # noqa: S105 (a mail kind; a security mail: never turned off)
TOKEN_BYTES = 32
LOGIN_MAX = 254

LOGIN_NEEDED = gettext_noop("Enter your email address or username.")
LINK_INVALID = gettext_noop(
    "This link does not work any more: it was used already, it is more than an hour old, or "
    "the password was changed since it was sent. Ask for a new one."
)


def reset_seconds() -> int:
    return int(settings.FRONTDESK_PASSWORD_RESET_SECONDS)


def support_address() -> str:
    """Where people report a mail they did not ask for: the desk's first address, else the
    address mail is sent from."""
    addresses = settings.FRONTDESK_SUPPORT_ADDRESSES
    return addresses[0] if addresses else parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def password_fingerprint(user: User) -> str:
    """Changes whenever the password does (a new salt each time, even for the same one)."""
    return hashlib.sha256(user.password.encode()).hexdigest()


def _account_for(login: str) -> User | None:
    """The account that may be reset for ``login`` (an address or a username, any case)."""
    field = "email__lower" if "@" in login else "username__lower"
    user = User.objects.filter(**{field: login.lower()}).first()
    if user is None or not user.is_active or user.role == Role.SYSTEM:
        return None
    return user


def reset_request(*, login: str, client: ClientInfo | None = None) -> None:
    """Ask for a reset link for ``login``. Returns nothing either way: whether an account
    exists is never told. Raises InvalidInput for an empty or unusable ``login`` and
    RateLimited past the limits (both regardless of the account)."""
    client = client or ClientInfo()
    login = login.strip() if isinstance(login, str) else ""
    if not login:
        raise InvalidInput(LOGIN_NEEDED, field="login")
    if len(login) > LOGIN_MAX or not is_storable_text(login):
        raise InvalidInput(LOGIN_NEEDED, field="login")
    user = _account_for(login)
    # One bucket per account: its address, whichever way it was asked for.
    account = user.email.lower() if user is not None else login.lower()
    ratelimit.limits_hit(
        (ratelimit.PASSWORD_RESET_IP, client.ip),
        (ratelimit.PASSWORD_RESET_ACCOUNT, account),
    )
    with transaction.atomic():
        event_record(
            SessionEventKind.RESET_REQUESTED, client=client, user=user, username_tried=login
        )
        user_id = user.pk if user is not None else 0
        transaction.on_commit(lambda: _reset_mail_queue(user_id))


def _reset_mail_queue(user_id: int) -> None:
    """Queue the job; if the queue cannot take it (Redis away), do its work here instead,
    since nothing else would make up for it. Only during an outage does the request then
    take longer for an address that has an account."""
    if not run_quietly(lambda: reset_mail_job(user_id), what="queue a password reset mail"):
        run_quietly(lambda: reset_issue(user_id=user_id), what="write a password reset mail")


@db_task()
def reset_mail_job(user_id: int) -> None:
    """The worker's half of a request: the token and the mail (nothing for no account)."""
    if user_id:
        reset_issue(user_id=user_id)


def reset_issue(*, user_id: int) -> str | None:
    """Make a link for the account and put its mail into the outbox; the raw token, or None
    when the account is gone or cannot sign in."""
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    digest = token_hash(raw)
    with transaction.atomic():
        user = User.objects.filter(pk=user_id, is_active=True).exclude(role=Role.SYSTEM).first()
        if user is None:
            return None
        token = PasswordResetToken.objects.create(
            user=user,
            token_hash=digest,
            password_fingerprint=password_fingerprint(user),
            created_at=clock.now(),
        )
        expires_at = token.created_at + timedelta(seconds=reset_seconds())
        outbox_enqueue(
            kind=PASSWORD_RESET,
            recipient=user,
            to_address=user.email,
            data={
                "secret_url": f"{settings.FRONTDESK_SITE_URL}/password/reset/{raw}",
                "expires": expires_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "minutes": reset_seconds() // 60,
                "claim": not user.has_usable_password(),
                "support": support_address(),
            },
        )
    return raw


@dataclass(frozen=True)
class ResetLink:
    """A link that works: whose it is, and whether it sets a first password (a claim)."""

    user: User
    claim: bool


def _valid_token(raw: object, *, lock: bool = False) -> PasswordResetToken:
    if not isinstance(raw, str) or not raw or len(raw) > 200 or not raw.isascii():
        raise NotFound(LINK_INVALID)
    tokens = PasswordResetToken.objects.select_related("user")
    if lock:
        tokens = tokens.select_for_update()
    token = tokens.filter(token_hash=token_hash(raw)).first()
    if token is None or token.used_at is not None:
        raise NotFound(LINK_INVALID)
    if clock.now() >= token.created_at + timedelta(seconds=reset_seconds()):
        raise NotFound(LINK_INVALID)
    user = token.user
    if not user.is_active or user.role == Role.SYSTEM:
        raise NotFound(LINK_INVALID)
    if not secrets.compare_digest(token.password_fingerprint, password_fingerprint(user)):
        raise NotFound(LINK_INVALID)
    return token


def reset_link_check(*, raw: str) -> ResetLink:
    """The link's account, or NotFound (used, expired, superseded, unknown: one message)."""
    token = _valid_token(raw)
    return ResetLink(user=token.user, claim=not token.user.has_usable_password())


def reset_complete(*, raw: str, new_password: str, client: ClientInfo | None = None) -> User:
    """Set the password through a link, once. A password that breaks a rule leaves the link
    as it was (InvalidInput, field ``password``)."""
    client = client or ClientInfo()
    with transaction.atomic():
        token = _valid_token(raw, lock=True)
        user = token.user
        services.user_set_password(actor=None, user=user, new_password=new_password)
        moment = clock.now()
        # This link and every other one still open for the account.
        PasswordResetToken.objects.filter(user=user, used_at__isnull=True).update(used_at=moment)
        # The link reached the account's address: that proves it (claims verify this way).
        verification.email_verified_on_reset(user=user)
        event_record(SessionEventKind.RESET_USED, client=client, user=user)
    return user
