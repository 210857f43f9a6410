"""Fixed-window rate limits on Django's cache: atomic ``cache.add`` + ``cache.incr``, so they
hold across processes with a shared cache (Redis, Memcached) and within one with locmem.

A limit counts *attempts that got through*: ``limits_hit`` reserves one unit in every window
it names, and refuses the attempt (giving the units back) when any window is full. A caller
may hand a unit back afterwards (``Hit.release``): a sign-in that succeeded, a registration
that broke a rule. Services raise the resulting :class:`RateLimited`; each face turns it into
a 429 with ``Retry-After``.

Rates live in ``settings.FRONTDESK_RATE_LIMITS`` (``"10/minute"``; a count of 0 turns a limit
off) and are read on every call, so tests and deployments can move them.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_noop

from frontdesk.core import clock
from frontdesk.core.env import RATE_PERIODS, rate_normalised
from frontdesk.core.errors import RateLimited, Said

SIGN_IN_IP = "sign_in_ip"
SIGN_IN_USERNAME = "sign_in_username"
REGISTER_IP = "register_ip"
TICKET_OPEN_USER = "ticket_open_user"
API_USER = "api_user"
TWO_FACTOR_USER = "two_factor_user"  # wrong second-factor codes, per account

PASSWORD_RESET_IP = "password_reset_ip"  # noqa: S105 (a limit's name)
PASSWORD_RESET_ACCOUNT = "password_reset_account"  # noqa: S105 (a limit's name)
EMAIL_VERIFY_USER = "email_verify_user"

REPLY_USER = "reply_user"
UPLOAD_BYTES_USER = "upload_bytes_user"
KEY_PREFIX = "frontdesk:ratelimit"


def account_key(user_id: int) -> str:
    """The one sign-in bucket of an account, however its name was typed (username or email,
    any case): password guesses on every path that checks a password count here together."""
    return f"user:{user_id}"


@dataclass(frozen=True)
class Rate:
    count: int
    period: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """``10/minute``; a count of 0 (``0/hour``, or ``0`` alone) is a rate that is off."""
        normal = rate_normalised(text)
        if normal is None:
            raise ValueError(f"Not a rate: {text!r}")
        count, _, unit = normal.partition("/")
        return cls(int(count), RATE_PERIODS[unit])


def rate_of(limit: str) -> Rate:
    return Rate.parse(settings.FRONTDESK_RATE_LIMITS[limit])


def too_many_said(retry_after: int) -> Said:
    text = (
        gettext_noop("Too many requests. Try again in %(seconds)s second.")
        if retry_after == 1
        else gettext_noop("Too many requests. Try again in %(seconds)s seconds.")
    )
    return Said(text, {"seconds": retry_after})


def too_many_message(retry_after: int) -> str:
    return too_many_said(retry_after).english()


@dataclass(frozen=True)
class Hit:
    """Units (one attempt, or bytes) reserved in one window; ``release`` gives them back."""

    key: str
    amount: int = 1

    def release(self) -> None:
        # The window may have expired (or been evicted) meanwhile: nothing to give back.
        with contextlib.suppress(ValueError):
            cache.decr(self.key, self.amount)


def _window(limit: str, identity: str, rate: Rate) -> tuple[str, int]:
    """The cache key of the current window and the seconds until it ends."""
    moment = clock.now().timestamp()
    index = int(moment // rate.period)
    # Hashed: identities are user input (names, addresses) and cache keys have rules.
    digest = hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    left = max(1, math.ceil((index + 1) * rate.period - moment))
    return f"{KEY_PREFIX}:{limit}:{digest}:{index}", left


def _incr(key: str, timeout: int, amount: int = 1) -> int:
    cache.add(key, 0, timeout)
    try:
        return int(cache.incr(key, amount))
    except ValueError:  # expired between add and incr
        cache.add(key, amount, timeout)
        return amount


def limits_hit(*checks: tuple[str, str | None]) -> list[Hit]:
    """Reserve one attempt under each ``(limit, identity)``; an identity of None (no address
    known, say) or a rate of 0 is not limited. Raises RateLimited, reserving nothing, when any
    window is full, with the longest wait among the full ones."""
    hits: list[Hit] = []
    waits: list[int] = []
    for limit, identity in checks:
        rate = rate_of(limit)
        if identity is None or rate.count <= 0:
            continue
        key, left = _window(limit, identity, rate)
        hit = Hit(key)
        hits.append(hit)
        if _incr(key, rate.period + 60) > rate.count:
            waits.append(left)
    if waits:
        for hit in hits:
            hit.release()
        retry_after = max(waits)
        said = too_many_said(retry_after)
        raise RateLimited(said.text, values=said.values, retry_after=retry_after)
    return hits


def limits_release(hits: list[Hit]) -> None:
    for hit in hits:
        hit.release()


def amount_hit(
    limit: str, identity: str | None, amount: int, *, allowance: int, period: int
) -> tuple[Hit | None, int]:
    """Reserve ``amount`` units (bytes, say) of ``identity``'s ``allowance`` per window of
    ``period`` seconds. An identity of None or an allowance of 0 is not limited (None, 0).
    When the amount does not fit, nothing is reserved and the answer is (None, seconds until
    the window ends); else (the reservation, 0)."""
    if identity is None or allowance <= 0 or amount <= 0:
        return None, 0
    key, left = _window(limit, identity, Rate(allowance, period))
    if _incr(key, period + 60, amount) > allowance:
        Hit(key, amount).release()
        return None, left
    return Hit(key, amount), 0


_WAITS = (
    (3600, gettext_noop("%(count)s hour"), gettext_noop("%(count)s hours")),
    (60, gettext_noop("%(count)s minute"), gettext_noop("%(count)s minutes")),
    (1, gettext_noop("%(count)s second"), gettext_noop("%(count)s seconds")),
)


def wait_said(seconds: int) -> Said:
    """ "5 hours", "12 minutes", "40 seconds": how long until a window ends, rounded up."""
    for size, one, many in _WAITS:
        if seconds >= size or size == 1:
            count = math.ceil(seconds / size)
            return Said(one if count == 1 else many, {"count": count})
    return Said(gettext_noop("%(count)s seconds"), {"count": seconds})  # pragma: no cover


def wait_text(seconds: int) -> str:
    """The same in English."""
    return wait_said(seconds).english()
