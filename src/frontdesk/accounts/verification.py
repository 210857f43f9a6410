"""Email verification: proving an address by a link mailed to it.

* A new account (the registration page, SupportMe ``POST /register``) gets a link at once;
  the address counts as proved (``User.email_verified_at``) once it is opened and confirmed.
* A change of address is only asked for (``User.email_pending``): the account keeps its old
  address, for signing in, notifications and password resets, until the new one is proved.
* A link is signed (Django's signing with ``SECRET_KEY``, its own salt), works for
  ``FRONTDESK_EMAIL_VERIFY_SECONDS`` (3 days) and once: it names the account, the address
  and a stamp of the account's verification state, and verifying changes that state.
* "Resend" is limited per account (``FRONTDESK_RATE_EMAIL_VERIFY``, 3 an hour).
* Completing a password reset also proves the address (the link went to it): that is how
  accounts made by the mail intake or for a caller become verified.

What an account with an unproved address may do is in docs/security.md ("Recovery and
verification"): everything a customer does, and changing the address (it stays pending too).
"""

from __future__ import annotations

import hashlib
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils.translation import gettext_noop

from frontdesk.accounts import validators
from frontdesk.accounts.models import Role, User
from frontdesk.accounts.sessions import ClientInfo, password_recheck
from frontdesk.core import clock, ratelimit
from frontdesk.core.errors import InvalidInput, NotAllowed, NotFound
from frontdesk.notifications.outbox import outbox_enqueue

EMAIL_VERIFY = "email_verify"  # the mail's kind (a security mail: it cannot be turned off)
SALT = "frontdesk.accounts.email-verify"

LINK_INVALID = gettext_noop(
    "This confirmation link does not work any more: it was used already, it is more than "
    "three days old, or a newer one was sent. Sign in and ask for a new one."
)
NOTHING_TO_VERIFY = gettext_noop("Your email address is confirmed already.")
SAME_ADDRESS = gettext_noop("That is your address already.")
WRONG_PASSWORD = gettext_noop("Incorrect password was provided.")
EMAIL_TAKEN = gettext_noop("A user is already registered with that email address.")
NOT_FOR_SYSTEM = gettext_noop("The System account has no address to confirm.")


def verify_seconds() -> int:
    return int(settings.FRONTDESK_EMAIL_VERIFY_SECONDS)


def _support_address() -> str:
    addresses = settings.FRONTDESK_SUPPORT_ADDRESSES
    return addresses[0] if addresses else parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def address_to_verify(user: User) -> str:
    """The address a link would prove now: the pending one, else the unproved current one."""
    if user.email_pending:
        return user.email_pending
    return "" if user.email_verified_at is not None else user.email


def _stamp(user: User) -> str:
    """Changes whenever the account's verification state does: a used link stops working."""
    state = f"{user.pk}|{user.email}|{user.email_pending}|{user.email_verified_at}"
    return hashlib.sha256(state.encode()).hexdigest()[:24]


def verification_send(*, user: User) -> bool:
    """Mail a link for the address to verify (inside the caller's transaction); False when
    there is none."""
    address = address_to_verify(user)
    if not address or user.role == Role.SYSTEM:
        return False
    issued = int(clock.now().timestamp())
    token = signing.dumps({"u": user.pk, "a": address, "s": _stamp(user), "t": issued}, salt=SALT)
    days = verify_seconds() // 86400
    outbox_enqueue(
        kind=EMAIL_VERIFY,
        recipient=user,
        to_address=address,
        data={
            "secret_url": f"{settings.FRONTDESK_SITE_URL}/email/verify/{token}",
            "address": address,
            "change": bool(user.email_pending),
            "lasts": f"{days} days" if days > 1 else f"{verify_seconds() // 3600} hours",
            "support": _support_address(),
        },
    )
    return True


def verification_resend(*, user: User) -> str:
    """Send the link again (3 an hour per account); the address it went to."""
    if user.role == Role.SYSTEM:
        raise NotAllowed(NOT_FOR_SYSTEM)
    if not address_to_verify(user):
        raise InvalidInput(NOTHING_TO_VERIFY)
    ratelimit.limits_hit((ratelimit.EMAIL_VERIFY_USER, str(user.pk)))
    with transaction.atomic():
        verification_send(user=user)
    return address_to_verify(user)


def _payload(raw: object) -> dict[str, Any]:
    if not isinstance(raw, str) or len(raw) > 500:
        raise NotFound(LINK_INVALID)
    try:
        payload = signing.loads(raw, salt=SALT)
    except signing.BadSignature:  # forged or altered
        raise NotFound(LINK_INVALID) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int):
        raise NotFound(LINK_INVALID)
    issued = payload.get("t")
    # The issue time is signed with the rest; the project's clock decides (tests move it).
    if not isinstance(issued, int) or clock.now().timestamp() >= issued + verify_seconds():
        raise NotFound(LINK_INVALID)
    return payload


def _checked(payload: dict[str, Any], user: User | None) -> User:
    if user is None or not user.is_active or user.role == Role.SYSTEM:
        raise NotFound(LINK_INVALID)
    if payload.get("s") != _stamp(user) or payload.get("a") != address_to_verify(user):
        raise NotFound(LINK_INVALID)
    return user


def verification_check(*, raw: str) -> tuple[User, str]:
    """The account and the address a link would prove, or NotFound."""
    payload = _payload(raw)
    user = _checked(payload, User.objects.filter(pk=payload["u"]).first())
    return user, str(payload["a"])


def email_verify(*, raw: str) -> User:
    """Prove the link's address: a pending address becomes the account's address."""
    payload = _payload(raw)
    with transaction.atomic():
        user = _checked(payload, User.objects.select_for_update().filter(pk=payload["u"]).first())
        if user.email_pending:
            taken = User.objects.exclude(pk=user.pk).filter(email__lower=user.email_pending)
            if taken.exists():
                raise InvalidInput(EMAIL_TAKEN, field="email")
            user.email = user.email_pending
            user.email_pending = ""
        user.email_verified_at = clock.now()
        user.save(update_fields=["email", "email_pending", "email_verified_at"])
    return user


def email_change_request(
    *, user: User, new_email: object, password: str, client: ClientInfo | None = None
) -> User:
    """Ask for a new address: it stays pending, and the account keeps its current one, until
    the link mailed to the new address is opened. The current password is required, and
    guesses count against the sign-in limits (per account and per client address)."""
    if user.role == Role.SYSTEM:
        raise NotAllowed(NOT_FOR_SYSTEM)
    client = client or ClientInfo()
    if not password_recheck(user, password, client):
        raise NotAllowed(WRONG_PASSWORD, field="password")
    if not isinstance(new_email, str):
        raise InvalidInput(gettext_noop("The provided email was invalid."), field="email")
    email = new_email.strip().lower()
    validators.check_email(email)
    if email == user.email.lower():
        raise InvalidInput(SAME_ADDRESS, field="email")
    if User.objects.exclude(pk=user.pk).filter(email__lower=email).exists():
        raise InvalidInput(EMAIL_TAKEN, field="email")
    with transaction.atomic():
        user.email_pending = email
        user.save(update_fields=["email_pending"])
        verification_send(user=user)
    return user


def email_verified_on_reset(*, user: User) -> None:
    """A password reset link reached the account's address: that proves it."""
    if user.email_verified_at is None:
        user.email_verified_at = clock.now()
        User.objects.filter(pk=user.pk, email_verified_at__isnull=True).update(
            email_verified_at=user.email_verified_at
        )
