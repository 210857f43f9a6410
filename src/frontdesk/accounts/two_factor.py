"""Two-factor authentication: a TOTP authenticator app (RFC 6238, 30-second steps, 6 digits)
plus ten single-use recovery codes.

* Enrolment: :func:`two_factor_enrol_start` makes (or keeps) an unconfirmed secret and gives
  the ``otpauth://`` address the QR code carries; :func:`two_factor_enrol_confirm` turns it
  on once the first code is right and gives the recovery codes, once.
* Sign-in: :func:`two_factor_verify` takes a code of the current step (or the one before or
  after, for clocks a little off) that is newer than the last one accepted — so no code works
  twice — or an unused recovery code. Wrong codes are audited and limited per account
  (``two_factor_user``), on every face alike.
* The pages keep "password right, code not yet" in the session (:func:`pending_begin`,
  :func:`pending_user`): that session is not signed in until :func:`pending_complete`.

The secret at rest is sealed (XOR with an HMAC-SHA256 pad of a random nonce, under a key
derived from SECRET_KEY, plus a tag): a copy of the database alone does not give the secrets.
Recovery codes are kept as SHA-256 only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

import pyotp
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import (
    RecoveryCode,
    Role,
    SessionEventKind,
    TwoFactor,
    User,
)
from frontdesk.accounts.services import user_authenticate
from frontdesk.accounts.sessions import ClientInfo, event_record, password_recheck
from frontdesk.core import clock, ratelimit
from frontdesk.core.errors import InvalidInput, NotAllowed, RateLimited
from frontdesk.core.text import is_storable_text

ISSUER = "Frontdesk"
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i
RECOVERY_GROUPS = 3  # xxxx-xxxx-xxxx: about 59 bits each
VALID_WINDOW = 1  # steps either side of now that still count
PENDING = "frontdesk.two_factor_pending"
PENDING_SECONDS = 300  # how long "password right, code not yet" lasts

CODE_WRONG = gettext_noop(
    "That code is not right. Check the time on your phone, or use a recovery code."
)
CODE_MISSING = gettext_noop(
    "Enter the 6-digit code from your authenticator app, or a recovery code."
)
CODE_NEEDED = gettext_noop("A two-factor code is needed: send it in the field “otp”.")
SETUP_REQUIRED = gettext_noop(
    "Your account must use two-factor authentication: set it up on the profile page "
    "(/profile/two-factor), then sign in again."
)
ALREADY_ON = gettext_noop("Two-factor authentication is already on.")
NOT_ON = gettext_noop("Two-factor authentication is not on.")
CONFIRM_WITH = gettext_noop("Enter your password or a current code to confirm it's you.")
PENDING_EXPIRED = gettext_noop("That sign-in took too long. Sign in again.")


class SecondFactorNeeded(InvalidInput):
    """The password was right but the account needs its second factor (none was given, or
    it was wrong): the caller asks for a code."""


class SecondFactorSetupRequired(NotAllowed):
    """The account's role must use two-factor authentication and it has none yet."""


# --- the secret at rest ---------------------------------------------------------------------


def _key(secret_key: str | bytes) -> bytes:
    raw = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return hmac.new(raw, b"frontdesk.two_factor.secret", hashlib.sha256).digest()


def _pad(key: bytes, nonce: bytes, length: int) -> bytes:
    return hmac.new(key, b"pad" + nonce, hashlib.sha256).digest()[:length]


def _tag(key: bytes, nonce: bytes, sealed: bytes) -> bytes:
    return hmac.new(key, b"tag" + nonce + sealed, hashlib.sha256).digest()[:16]


def secret_seal(secret: str) -> str:
    raw = base64.b32decode(secret)
    if len(raw) > 32:
        raise ValueError("TOTP secrets here are at most 32 bytes")
    key = _key(settings.SECRET_KEY)
    nonce = secrets.token_bytes(16)
    sealed = bytes(a ^ b for a, b in zip(raw, _pad(key, nonce, len(raw)), strict=True))
    return base64.urlsafe_b64encode(nonce + sealed + _tag(key, nonce, sealed)).decode()


def secret_open(stored: str) -> str | None:
    """The secret, or None when no key at hand (SECRET_KEY or a fallback) sealed it."""
    data = base64.urlsafe_b64decode(stored.encode())
    nonce, sealed, tag = data[:16], data[16:-16], data[-16:]
    for secret_key in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS):
        key = _key(secret_key)
        if hmac.compare_digest(_tag(key, nonce, sealed), tag):
            raw = bytes(a ^ b for a, b in zip(sealed, _pad(key, nonce, len(sealed)), strict=True))
            return base64.b32encode(raw).decode()
    return None


# --- selectors ------------------------------------------------------------------------------


def two_factor_of(user: User) -> TwoFactor | None:
    """The user's confirmed authenticator, or None."""
    return TwoFactor.objects.filter(user=user, confirmed_at__isnull=False).first()


def two_factor_is_on(user: User) -> bool:
    return TwoFactor.objects.filter(user=user, confirmed_at__isnull=False).exists()


def two_factor_required_for(user: User) -> bool:
    """Whether the user's role must use two-factor authentication (the setting)."""
    roles = settings.FRONTDESK_2FA_REQUIRED_FOR
    return bool(roles) and user.role in roles and user.role != Role.SYSTEM


def two_factor_missing(user: User) -> bool:
    """Required for the user's role and not on yet: the pages send them to enrolment."""
    return two_factor_required_for(user) and not two_factor_is_on(user)


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(
        two_factor__user=user, two_factor__confirmed_at__isnull=False, used_at__isnull=True
    ).count()


# --- enrolment ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str

    @property
    def secret_grouped(self) -> str:
        """The secret in groups of four, easier to type into an app by hand."""
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))

    @property
    def qr_svg(self) -> str:
        """The QR code as inline SVG markup, made here: the page fetches nothing, and no
        image source needs allowing in the Content-Security-Policy. Dark on white in both
        themes, so any phone can read it."""
        import segno  # here: only the set-up page draws a QR code

        qr = segno.make(self.uri, error="m")
        svg = qr.svg_inline(scale=5, border=3, dark="#000", light="#fff", title="QR code")
        return mark_safe(svg)  # noqa: S308 (segno's own markup; the URI is encoded as modules)


def _enrolment(user: User, secret: str) -> Enrolment:
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return Enrolment(secret=secret, uri=uri)


def two_factor_enrol_start(*, user: User) -> Enrolment:
    """The secret to put in an authenticator app. The same one until enrolment is confirmed
    (reloading the page does not invalidate a QR code already scanned)."""
    with transaction.atomic():
        row = TwoFactor.objects.select_for_update().filter(user=user).first()
        if row is not None and row.is_active:
            raise InvalidInput(ALREADY_ON)
        secret = secret_open(row.secret_sealed) if row is not None else None
        if row is None or secret is None:
            secret = pyotp.random_base32()
            TwoFactor.objects.update_or_create(
                user=user,
                defaults={"secret_sealed": secret_seal(secret), "last_step": 0},
                create_defaults={
                    "user": user,
                    "secret_sealed": secret_seal(secret),
                    "created_at": clock.now(),
                },
            )
    return _enrolment(user, secret)


def two_factor_enrol_confirm(*, user: User, code: str, client: ClientInfo) -> list[str]:
    """Turn two-factor on with the first code from the app; the recovery codes, to show once."""
    row = TwoFactor.objects.filter(user=user).first()
    if row is not None and row.is_active:
        raise InvalidInput(ALREADY_ON)
    if row is None:
        raise InvalidInput(gettext_noop("Start again: scan the new code below."), field="code")
    normalized = _normalized(code)
    if not normalized:
        raise InvalidInput(CODE_MISSING, field="code")
    hits = _limit(user)
    step = _totp_step(row, normalized)
    if step is None:
        _failed(user, client)  # outside any transaction: a refusal keeps its trace
        raise InvalidInput(CODE_WRONG, field="code")
    ratelimit.limits_release(hits)
    with transaction.atomic():
        turned_on = TwoFactor.objects.filter(pk=row.pk, confirmed_at__isnull=True).update(
            confirmed_at=clock.now(), last_step=step
        )
        if not turned_on:
            raise InvalidInput(ALREADY_ON)
        codes = _recovery_codes_replace(row)
        event_record(SessionEventKind.TWO_FACTOR_ENROLLED, client=client, user=user)
    return codes


def _recovery_codes_replace(row: TwoFactor) -> list[str]:
    codes = [
        "-".join(
            "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(4))
            for _ in range(RECOVERY_GROUPS)
        )
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    row.recovery_codes.all().delete()
    RecoveryCode.objects.bulk_create(
        RecoveryCode(two_factor=row, code_hash=_recovery_hash(row.user_id, code)) for code in codes
    )
    return codes


def _recovery_hash(user_id: int, code: str) -> str:
    normalized = code.replace("-", "").lower()
    return hashlib.sha256(f"{user_id}:{normalized}".encode()).hexdigest()


def _confirm_it_is_you(user: User, *, password: str, code: str, client: ClientInfo) -> None:
    if password:
        if not password_recheck(user, password, client):
            raise NotAllowed(gettext_noop("Incorrect password was provided."), field="password")
        return
    if code:
        two_factor_verify(user=user, code=code, client=client)
        return
    raise InvalidInput(CONFIRM_WITH, field="password")


def two_factor_disable(
    *, user: User, password: str = "", code: str = "", client: ClientInfo
) -> None:
    """Turn two-factor off, after the password or a current code. Where the user's role must
    use it, the pages then send them straight to enrolment again (a new phone)."""
    if not two_factor_is_on(user):
        raise InvalidInput(NOT_ON)
    _confirm_it_is_you(user, password=password, code=code, client=client)
    with transaction.atomic():
        TwoFactor.objects.filter(user=user).delete()
        event_record(SessionEventKind.TWO_FACTOR_DISABLED, client=client, user=user)


def recovery_codes_regenerate(
    *, user: User, password: str = "", code: str = "", client: ClientInfo
) -> list[str]:
    """Ten new recovery codes (the old ones stop working), after the password or a code."""
    row = two_factor_of(user)
    if row is None:
        raise InvalidInput(NOT_ON)
    _confirm_it_is_you(user, password=password, code=code, client=client)
    with transaction.atomic():
        return _recovery_codes_replace(row)


# --- verification ---------------------------------------------------------------------------


def _normalized(code: str) -> str:
    if not isinstance(code, str) or not is_storable_text(code) or len(code) > 64:
        return ""
    return "".join(code.split()).lower()


def _totp_step(row: TwoFactor, code: str) -> int | None:
    """The time step ``code`` belongs to (now, or one step either side), if it is newer than
    the last one accepted."""
    if len(code) != 6 or not code.isdigit():
        return None
    secret = secret_open(row.secret_sealed)
    if secret is None:
        return None  # sealed under a SECRET_KEY no longer configured: recovery codes still work
    totp = pyotp.TOTP(secret)
    moment = clock.now()
    now_step = totp.timecode(moment)
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        if hmac.compare_digest(totp.at(moment, counter_offset=offset), code):
            step = now_step + offset
            return step if step > row.last_step else None
    return None


def _limit(user: User) -> list[ratelimit.Hit]:
    try:
        return ratelimit.limits_hit((ratelimit.TWO_FACTOR_USER, str(user.pk)))
    except RateLimited as exc:
        minutes = max(1, (exc.retry_after + 59) // 60)
        raise RateLimited(
            gettext_noop("Too many wrong codes for this account. Try again in %(minutes)s minute.")
            if minutes == 1
            else gettext_noop(
                "Too many wrong codes for this account. Try again in %(minutes)s minutes."
            ),
            values={"minutes": minutes},
            retry_after=exc.retry_after,
        ) from None


def _failed(user: User, client: ClientInfo) -> None:
    event_record(SessionEventKind.TWO_FACTOR_FAILED, client=client, user=user)


def two_factor_verify(*, user: User, code: str, client: ClientInfo) -> str:
    """Check a second-factor code for ``user``: ``"totp"`` or ``"recovery"`` (now used up).
    Wrong: InvalidInput, audited; too many wrong ones: RateLimited (only failures count)."""
    normalized = _normalized(code)
    if not normalized:
        raise InvalidInput(CODE_MISSING, field="code")
    hits = _limit(user)
    kind = _verify(user, normalized)
    if kind is None:
        _failed(user, client)
        raise InvalidInput(CODE_WRONG, field="code")
    ratelimit.limits_release(hits)
    if kind == "recovery":
        event_record(SessionEventKind.RECOVERY_CODE_USED, client=client, user=user)
    return kind


def _verify(user: User, code: str) -> str | None:
    row = two_factor_of(user)
    if row is None:
        return None
    step = _totp_step(row, code)
    if step is not None:
        # Conditional: of two requests with the same code at once, one wins.
        won = TwoFactor.objects.filter(pk=row.pk, last_step__lt=step).update(last_step=step)
        return "totp" if won else None
    used = RecoveryCode.objects.filter(
        two_factor=row, code_hash=_recovery_hash(user.pk, code), used_at__isnull=True
    ).update(used_at=clock.now())
    return "recovery" if used else None


def user_authenticate_with_code(
    *, username: str, password: str, code: str | None, client: ClientInfo
) -> User:
    """Sign-in for token clients (SupportMe ``POST /login``): the password (with its limits),
    then, for an account with two-factor on, the code. An account whose role must use it and
    has none gets no token (SecondFactorSetupRequired)."""
    user = user_authenticate(username=username, password=password, client=client)
    if not two_factor_is_on(user):
        if two_factor_required_for(user):
            raise SecondFactorSetupRequired(SETUP_REQUIRED)
        return user
    if not code:
        raise SecondFactorNeeded(CODE_NEEDED, field="otp")
    try:
        two_factor_verify(user=user, code=code, client=client)
    except InvalidInput as exc:
        raise SecondFactorNeeded(exc.text, values=exc.values, field="otp") from None
    return user


# --- the pages' pending sign-in -------------------------------------------------------------


def pending_begin(session: SessionBase, user: User) -> None:
    """The password was right: remember who, for a short while, until the code comes."""
    session[PENDING] = {
        "user": user.pk,
        "until": clock.timestamp() + PENDING_SECONDS,
        "auth": user.get_session_auth_hash(),
    }


def pending_end(session: SessionBase) -> None:
    session.pop(PENDING, None)


def pending_user(session: SessionBase) -> User | None:
    """The user whose password was right in this session, while it is fresh; else None (and
    a stale state is dropped)."""
    state: Any = session.get(PENDING)
    if not isinstance(state, dict) or not isinstance(state.get("user"), int):
        return None
    user = User.objects.filter(pk=state["user"], is_active=True).first()
    fresh = float(state.get("until", 0)) > clock.timestamp()
    if (
        user is None
        or not fresh
        or not hmac.compare_digest(str(state.get("auth", "")), user.get_session_auth_hash())
    ):
        pending_end(session)
        return None
    return user


def pending_complete(session: SessionBase, *, code: str, client: ClientInfo) -> User:
    """The second step: the user to sign in once ``code`` is right. InvalidInput for a wrong
    code (the pending state stays, within its time), NotAllowed when it has expired."""
    user = pending_user(session)
    if user is None:
        raise NotAllowed(PENDING_EXPIRED)
    two_factor_verify(user=user, code=code, client=client)
    pending_end(session)
    return user


def sign_in_second_step(session: SessionBase, user: User) -> bool:
    """After a right password on the pages: True when the account has two-factor on, and
    this session now waits for the code (it is not signed in yet)."""
    if not two_factor_is_on(user):
        return False
    pending_begin(session, user)
    return True
