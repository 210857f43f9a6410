"""Browser sessions: the inactivity deadline, the audit trail and the per-device list.

What the session itself holds (besides Django's sign-in keys) are timestamps in seconds since
the epoch, all read from :mod:`frontdesk.core.clock` so tests can move time:

* ``LAST_ACTIVITY`` — the last request the person made (passive ones do not count), to
  ACTIVITY_RESOLUTION seconds; the session ends ``FRONTDESK_SESSION_TIMEOUT`` seconds after
  it, even if the browser kept the cookie;
* ``SIGNED_IN_AT``, ``SEEN_WRITTEN`` (when the ``UserSession`` row was last written: at most
  once a minute) and ``ALERTS_SEEN`` (new-location notices already shown here).

No table ever stores a session key, only its SHA-256.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.db import transaction
from django.db.models import Exists
from django.http import HttpRequest
from django.utils.translation import gettext_noop, ngettext

from frontdesk.accounts.models import SessionEvent, SessionEventKind, User, UserSession
from frontdesk.accounts.tokens import token_version_bump
from frontdesk.core import clock, ratelimit
from frontdesk.core.errors import InvalidInput, NotFound
from frontdesk.core.text import is_storable_text

LAST_ACTIVITY = "frontdesk.last_activity"
SIGNED_IN_AT = "frontdesk.signed_in_at"
SEEN_WRITTEN = "frontdesk.seen_written"
ALERTS_SEEN = "frontdesk.alerts_seen"
TOUCH_INTERVAL = 60  # seconds between writes of a session's last_seen_at
# The deadline moves in steps of this many seconds: a page view within them changes nothing,
# so it writes nothing (a session save is a database commit, fsync'ed on SQLite).
ACTIVITY_RESOLUTION = 15
USER_AGENT_MAX = 300
SESSION_NOT_FOUND = gettext_noop("That session has already ended.")
THIS_SESSION = gettext_noop("This is the session you are using: log out to end it.")


@dataclass(frozen=True)
class ClientInfo:
    """Where a request came from, as far as the audit trail cares."""

    ip: str | None = None
    user_agent: str = ""

    @classmethod
    def from_request(cls, request: HttpRequest | None) -> ClientInfo:
        if request is None:
            return cls()
        agent = request.META.get("HTTP_USER_AGENT", "")
        agent = agent[:USER_AGENT_MAX] if is_storable_text(agent) else ""
        return cls(ip=client_ip(request), user_agent=agent)


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or behind proxies the X-Forwarded-For entry that the outermost trusted
    proxy wrote: ``FRONTDESK_TRUSTED_PROXIES`` (default 1) counted from the right. Entries
    further left came from the client, which can write anything there, so they are never
    used. A header with fewer entries than trusted proxies gives its leftmost one (every
    entry was written by a proxy); an entry that is not an address gives REMOTE_ADDR."""
    candidates = []
    if settings.FRONTDESK_BEHIND_PROXY:
        # Several X-Forwarded-For lines arrive joined by commas, in order.
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [hop for hop in hops if hop]
        trusted = max(1, int(settings.FRONTDESK_TRUSTED_PROXIES))
        if hops:
            candidates.append(hops[-min(trusted, len(hops))])
    candidates.append(request.META.get("REMOTE_ADDR", ""))
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


def key_hash(session_key: str | None) -> str:
    return hashlib.sha256(session_key.encode()).hexdigest() if session_key else ""


def device_label(user_agent: str) -> str:
    """A label such as "Firefox on Windows": enough for a person to know their device."""
    browsers = (
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("FxiOS/", "Firefox"),
        ("CriOS/", "Chrome"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    )
    systems = (
        ("Windows", "Windows"),
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("CrOS", "ChromeOS"),
        ("Macintosh", "macOS"),
        ("Linux", "Linux"),
    )
    browser = next((name for marker, name in browsers if marker in user_agent), "")
    system = next((name for marker, name in systems if marker in user_agent), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown device"


def session_timeout() -> int:
    return int(settings.FRONTDESK_SESSION_TIMEOUT)


def session_warning() -> int:
    return int(settings.FRONTDESK_SESSION_WARNING)


def expiry_message() -> str:
    minutes = max(1, session_timeout() // 60)
    return ngettext(
        "You were signed out after %(minutes)s minute without activity.",
        "You were signed out after %(minutes)s minutes without activity.",
        minutes,
    ) % {"minutes": minutes}


def _timestamp() -> float:
    return clock.timestamp()


def _as_datetime(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC)


def event_record(
    kind: str,
    *,
    client: ClientInfo,
    user: User | None = None,
    actor: User | None = None,
    username_tried: str = "",
    session_key_hash: str = "",
    new_location: bool = False,
) -> SessionEvent:
    return SessionEvent.objects.create(
        kind=kind,
        user=user,
        actor=actor,
        username_tried=username_tried[:254] if is_storable_text(username_tried) else "",
        session_key_hash=session_key_hash,
        ip=client.ip,
        user_agent=client.user_agent,
        new_location=new_location,
        created_at=clock.now(),
    )


def sign_in_failed_record(*, username: str, client: ClientInfo) -> None:
    user = None
    if is_storable_text(username) and len(username) <= 254:
        field = "email__lower" if "@" in username else "username__lower"
        user = User.objects.filter(**{field: username.lower()}).first()
    event_record(SessionEventKind.FAILED_SIGN_IN, client=client, user=user, username_tried=username)


def password_check_failed_record(*, user: User, client: ClientInfo) -> None:
    """A wrong current password where one is asked for again (the profile's password check)."""
    event_record(SessionEventKind.PASSWORD_CHECK_FAILED, client=client, user=user)


# --- the session's life: signals and middleware call these ---------------------------------


def session_signed_in(request: HttpRequest, user: User) -> None:
    """Record the sign-in, start the deadline and list the device (``user_logged_in``)."""
    client = ClientInfo.from_request(request)
    key = key_hash(request.session.session_key)
    now = clock.now()
    earlier = SessionEvent.objects.filter(user=user, kind=SessionEventKind.SIGN_IN)
    new_location = (
        client.ip is not None and earlier.exists() and not earlier.filter(ip=client.ip).exists()
    )
    with transaction.atomic():
        event_record(
            SessionEventKind.SIGN_IN,
            client=client,
            user=user,
            session_key_hash=key,
            new_location=new_location,
        )
        stale = now - timedelta(seconds=session_timeout() + TOUCH_INTERVAL)
        UserSession.objects.filter(user=user, last_seen_at__lt=stale).delete()
        if key:
            UserSession.objects.update_or_create(
                session_key_hash=key,
                defaults={
                    "user": user,
                    "created_at": now,
                    "last_seen_at": now,
                    "ip": client.ip,
                    "user_agent": client.user_agent,
                    "device": device_label(client.user_agent),
                },
            )
    stamp = now.timestamp()
    for name in (LAST_ACTIVITY, SIGNED_IN_AT, SEEN_WRITTEN, ALERTS_SEEN):
        request.session[name] = stamp


def session_signed_out(request: HttpRequest | None, user: User | None) -> None:
    """Record how the session ended (``user_logged_out``) and drop it from the device list."""
    if request is None or user is None:
        return
    key = key_hash(request.session.session_key)
    kind = getattr(request, "frontdesk_end_kind", SessionEventKind.SIGN_OUT)
    event_record(kind, client=ClientInfo.from_request(request), user=user, session_key_hash=key)
    if key:
        UserSession.objects.filter(session_key_hash=key).delete()


def session_seconds_left(request: HttpRequest) -> int:
    last = request.session.get(LAST_ACTIVITY)
    if last is None:
        return session_timeout()
    return max(0, int(session_timeout() - (_timestamp() - float(last))))


def session_expire_if_idle(request: HttpRequest) -> bool:
    """End a signed-in session whose deadline has passed; True if it did."""
    if LAST_ACTIVITY not in request.session or session_seconds_left(request) > 0:
        return False
    request.frontdesk_end_kind = SessionEventKind.EXPIRED  # type: ignore[attr-defined]
    logout(request)
    return True


def session_activity(request: HttpRequest, user: User) -> None:
    """The person did something: move the deadline; now and then note it in the list."""
    stamp = _timestamp()
    if stamp - float(request.session.get(LAST_ACTIVITY, 0)) >= ACTIVITY_RESOLUTION:
        request.session[LAST_ACTIVITY] = stamp
    if stamp - float(request.session.get(SEEN_WRITTEN, 0)) < TOUCH_INTERVAL:
        return
    request.session[SEEN_WRITTEN] = stamp
    key = key_hash(request.session.session_key)
    if not key:
        return
    client = ClientInfo.from_request(request)
    now = clock.now()
    UserSession.objects.update_or_create(
        session_key_hash=key,
        defaults={"user": user, "last_seen_at": now, "ip": client.ip},
        create_defaults={
            "user": user,
            "created_at": now,
            "last_seen_at": now,
            "ip": client.ip,
            "user_agent": client.user_agent,
            "device": device_label(client.user_agent),
        },
    )
    _new_location_notices(request, user, key, stamp)


def _new_location_notices(request: HttpRequest, user: User, key: str, stamp: float) -> None:
    seen = float(request.session.get(ALERTS_SEEN, stamp))
    request.session[ALERTS_SEEN] = stamp
    alerts = SessionEvent.objects.filter(
        user=user,
        kind=SessionEventKind.SIGN_IN,
        new_location=True,
        created_at__gt=_as_datetime(seen),
    ).exclude(session_key_hash=key)
    for alert in alerts:
        messages.warning(
            request,
            f"New sign-in from {alert.ip} ({device_label(alert.user_agent)}). "
            "Not you? End that session on your profile.",
        )


def session_alive(*, session_key: str | None, user_id: int, role: str) -> bool:
    """Whether a long-lived response (a live stream) may go on: its session still exists and
    has not lapsed (signed out, revoked, ended by a password change, or expired), and its
    user is still active in the role the stream was opened with (not demoted, promoted or
    deactivated). One query on database-backed sessions, which a live stream runs at every
    heartbeat."""
    if not session_key:
        return False
    users = User.objects.filter(pk=user_id, is_active=True, role=role)
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):  # a cache-only engine: two lookups
        return users.exists() and store().exists(session_key)
    live = store.get_model_class().objects.filter(
        session_key=session_key, expire_date__gt=clock.now()
    )
    return users.filter(Exists(live)).exists()


def session_extend(request: HttpRequest) -> int:
    request.session[LAST_ACTIVITY] = _timestamp()
    return session_seconds_left(request)


def session_details(request: HttpRequest, user: User) -> dict[str, Any]:
    client = ClientInfo.from_request(request)
    now = _timestamp()
    last = float(request.session.get(LAST_ACTIVITY, now))
    signed_in = float(request.session.get(SIGNED_IN_AT, last))
    return {
        "user_id": user.pk,
        "username": user.username,
        "role": user.role,
        "created_at": _as_datetime(signed_in).isoformat(),
        "last_activity": _as_datetime(last).isoformat(),
        "expires_at": _as_datetime(last + session_timeout()).isoformat(),
        "seconds_left": session_seconds_left(request),
        "ip": client.ip,
        "user_agent": client.user_agent,
    }


# --- the device list: selectors and the revoke use cases -------------------------------------


def sessions_active_for(user: User) -> list[UserSession]:
    """The user's signed-in browsers, most recently used first."""
    since = clock.now() - timedelta(seconds=session_timeout() + TOUCH_INTERVAL)
    return list(UserSession.objects.filter(user=user, last_seen_at__gte=since))


def _django_sessions_delete(hashes: set[str]) -> None:
    """Delete the Django sessions whose keys hash to ``hashes``. Only hashes are stored, so
    this reads the keys of the live sessions (a database-backed engine: db or cached_db);
    revoking is rare and a help desk has few sessions."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    model = store.get_model_class()
    keys = model.objects.filter(expire_date__gt=clock.now()).values_list("session_key", flat=True)
    for session_key in keys.iterator():
        if key_hash(session_key) in hashes:
            store(session_key=session_key).delete()


def sessions_record_expired() -> int:
    """Record ``expired`` once for every listed session that has lapsed; how many.

    A session on a real server mostly ends by lapsing, not through the middleware: the
    session row expires (SESSION_COOKIE_AGE) at the same moment as the inactivity deadline,
    and Django then loads it as empty, so no request ever sees a signed-in session to end.
    The clean-up job (accounts/tasks.py) calls this before ``clearsessions`` deletes the rows:
    every ``UserSession`` without a live Django session is recorded and dropped from the list
    (so each is recorded once). Rows seen in the last TOUCH_INTERVAL are left alone: a
    sign-in lists its session before its response saves the session row."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    model = store.get_model_class()
    now = clock.now()
    live = {
        key_hash(session_key)
        for session_key in model.objects.filter(expire_date__gt=now)
        .values_list("session_key", flat=True)
        .iterator()
    }
    settled = now - timedelta(seconds=TOUCH_INTERVAL)
    lapsed = [
        row
        for row in UserSession.objects.filter(last_seen_at__lt=settled).iterator()
        if row.session_key_hash not in live
    ]
    with transaction.atomic():
        for row in lapsed:
            deleted, _ = UserSession.objects.filter(pk=row.pk).delete()
            if deleted:  # not recorded by a job running at the same time
                SessionEvent.objects.create(
                    kind=SessionEventKind.EXPIRED,
                    user_id=row.user_id,
                    session_key_hash=row.session_key_hash,
                    ip=row.ip,
                    user_agent=row.user_agent,
                    created_at=now,
                )
    return len(lapsed)


def _revoke(*, actor: User | None, user_sessions: list[UserSession]) -> int:
    if not user_sessions:
        return 0
    with transaction.atomic():
        _django_sessions_delete({row.session_key_hash for row in user_sessions})
        for row in user_sessions:
            SessionEvent.objects.create(
                kind=SessionEventKind.REVOKED,
                user_id=row.user_id,
                actor=actor,
                session_key_hash=row.session_key_hash,
                ip=row.ip,
                user_agent=row.user_agent,
                created_at=clock.now(),
            )
        UserSession.objects.filter(pk__in=[row.pk for row in user_sessions]).delete()
    return len(user_sessions)


def session_revoke(
    *, actor: User, user_session_id: int, current_key: str | None = None
) -> UserSession:
    """End one session: one's own, or anyone's for an admin. Others' are "not found"; the
    session making the request signs out instead (``current_key``)."""
    visible = UserSession.objects.all() if actor.is_admin else actor.browser_sessions.all()
    row = visible.filter(pk=user_session_id).first() if user_session_id < 2**63 else None
    if row is None:
        raise NotFound(SESSION_NOT_FOUND)
    if current_key and row.session_key_hash == key_hash(current_key):
        raise InvalidInput(THIS_SESSION)
    _revoke(actor=actor, user_sessions=[row])
    return row


def sessions_revoke_others(*, actor: User, current_key: str | None) -> int:
    """ "Sign out everywhere": end every session of ``actor`` except the one making the request,
    and every SupportMe JWT (a browser session asked, so no JWT is kept)."""
    with transaction.atomic():
        token_version_bump(actor, actor=actor)
        return sessions_end_for(actor, actor=actor, keep_key=current_key)


def sessions_end_for(user: User, *, actor: User | None, keep_key: str | None = None) -> int:
    """End every browser session of ``user`` but the one with key ``keep_key`` (recorded as
    revoked by ``actor``; None: the server itself, e.g. a password reset)."""
    others = UserSession.objects.filter(user=user)
    if keep_key:
        others = others.exclude(session_key_hash=key_hash(keep_key))
    return _revoke(actor=actor, user_sessions=list(others))


def password_recheck(user: User, password: object, client: ClientInfo) -> bool:
    """Whether ``password`` is the signed-in user's own, asked again before a sensitive change
    (a new password, address or API token; turning two-factor off). Each wrong guess counts
    against the sign-in limits (this address, this account), reserved before the hash is
    computed, so guessing here is no faster than at the sign-in page: RateLimited once full.
    A right password gives its attempt back. The caller says what a wrong one means."""
    hits = ratelimit.limits_hit(
        (ratelimit.SIGN_IN_IP, client.ip),
        (ratelimit.SIGN_IN_USERNAME, ratelimit.account_key(user.pk)),
    )
    if not isinstance(password, str) or not password or not user.check_password(password):
        return False
    ratelimit.limits_release(hits)
    return True
