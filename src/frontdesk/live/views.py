"""The live endpoints: a Server-Sent Events stream per page, and agents' presence beats.

The stream comes in two forms with the same channels and frames: ``events`` holds a server
thread while it is open (the embedded profile serves through WSGI threads, created on
demand); ``events_async`` is served by the async live endpoint of the production profile
(frontdesk.live.asgi). Either ends after FRONTDESK_LIVE_STREAM_SECONDS and the browser's
EventSource reconnects, which also re-checks the sign-in and the ticket's permission.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    StreamingHttpResponse,
)
from django.views.decorators.http import require_GET, require_POST

from frontdesk.accounts.models import User
from frontdesk.accounts.sessions import client_ip, session_alive
from frontdesk.core.breaker import RedisUnavailable
from frontdesk.core.errors import DomainError, RateLimited, http_status
from frontdesk.core.ids import parse_id
from frontdesk.core.middleware import passive
from frontdesk.live.announce import (
    ADMIN_CHANNEL,
    STAFF_CHANNEL,
    team_channel,
    ticket_channel,
    user_channel,
)
from frontdesk.live.broker import AsyncSubscription, Event, Subscription, broker
from frontdesk.live.limits import StreamLease, stream_lease_take
from frontdesk.live.presence import presence_update
from frontdesk.tickets import access

RETRY = "retry: 1000\n\n"  # the browser reconnects a second after a stream ends
RETRY_AFTER_SECONDS = 30  # live.js tries a refused stream again after its polling interval
LIVE_PAUSED = "Live updates are paused; this page checks for changes every little while."


def _signed_in(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _channels_for(user: User, ticket_param: str | None) -> set[str]:
    """A ticket page listens to its ticket; any other page to the lists it shows. A ticket the
    user may not see is NotFound (access.ticket_get), a ``ticket`` that is no id InvalidInput."""
    if ticket_param:
        ticket = access.ticket_get(user=user, ticket_id=parse_id(ticket_param, field="ticket"))
        return {ticket_channel(ticket.pk)}
    channels = {user_channel(user.pk)}
    if user.is_staff_member:
        channels.add(STAFF_CHANNEL)
        if access.sees_every_ticket(user):
            channels.add(ADMIN_CHANNEL)
        else:
            channels.update(team_channel(team) for team in access.team_ids_of(user))
    return channels


def _frame(event: Event | None, *, staff: bool) -> str | None:
    """The text to send for ``event`` (None: nothing for this user)."""
    if event is None:
        return ": still here\n\n"  # a comment: keeps proxies from closing the stream
    if event["staff_only"] and not staff:
        return None
    return f"event: {event['type']}\ndata: {json.dumps(event)}\n\n"


def _release_database() -> None:
    """A stream lasts minutes and needs the database only for its checks: its connection goes
    back as soon as they are done (to the pool, or closed), on every backend. Kept until the
    stream ended, every open page held one: on SQLite three open files each, and 793
    connections leaked over four cycles of 200 streams (docs/decisions.md, 49)."""
    if not connection.in_atomic_block:
        connection.close()


def _opened(user: User, ticket_param: str | None, ip: str | None) -> tuple[set[str], StreamLease]:
    """The checks before a stream is served, on the async endpoint's shared thread: its
    channels (or NotFound) and its lease (or RateLimited); then the connection goes back."""
    try:
        channels = _channels_for(user, ticket_param)
        return channels, stream_lease_take(user_id=user.pk, ip=ip, wsgi=False)
    finally:
        _release_database()


def _still_held(holder: _Holder) -> bool:
    try:
        return holder.alive()
    finally:
        _release_database()


@dataclass(frozen=True)
class _Holder:
    """Who a stream was opened for: it ends when that session ends (sign-out, revoked, ended
    by a password change, expired) or the user is deactivated or changes role, checked at
    most once a heartbeat (sessions.session_alive, one query)."""

    session_key: str | None
    user_id: int
    role: str

    def alive(self) -> bool:
        return session_alive(session_key=self.session_key, user_id=self.user_id, role=self.role)


def _holder(request: HttpRequest, user: User) -> _Holder:
    return _Holder(request.session.session_key, user.pk, user.role)


def _refused(exc: RateLimited) -> HttpResponse:
    """Too many streams: the page's script polls instead (live.js)."""
    response = HttpResponse(exc.message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(exc.retry_after)
    return response


def _paused(lease: StreamLease) -> HttpResponse:
    """Redis is away, so a stream would hear nothing: the page says "live updates paused",
    polls, and tries the stream again later (live.js)."""
    lease.release()
    response = HttpResponse(LIVE_PAUSED, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class _Leased:
    """The stream's frames; closing it (the server does, when the stream ends or its client
    went away) ends the subscription and gives the lease back, even if not one frame was
    sent (a generator closed before it started runs no ``finally``)."""

    def __init__(
        self, frames: Iterator[str], subscription: Subscription, lease: StreamLease
    ) -> None:
        self.frames = frames
        self.subscription = subscription
        self.lease = lease

    def __iter__(self) -> Iterator[str]:
        return self.frames

    def close(self) -> None:
        try:
            close = getattr(self.frames, "close", None)
            if close is not None:
                close()
        finally:
            self.subscription.close()
            self.lease.release()


class _ALeased:
    """The async stream's frames, with the same ``close`` (Django's ASGI handler calls it
    once the response is over, however it ended)."""

    def __init__(
        self, frames: AsyncIterator[str], subscription: AsyncSubscription, lease: StreamLease
    ) -> None:
        self.frames = frames
        self.subscription = subscription
        self.lease = lease

    def __aiter__(self) -> AsyncIterator[str]:
        return self.frames

    def close(self) -> None:
        self.subscription.close()
        self.lease.release()


def _stream(
    subscription: Subscription, lease: StreamLease, *, staff: bool, holder: _Holder
) -> Iterator[str]:
    try:
        _release_database()
        yield RETRY
        heartbeat = settings.FRONTDESK_LIVE_HEARTBEAT_SECONDS
        deadline = time.monotonic() + settings.FRONTDESK_LIVE_STREAM_SECONDS
        checked = time.monotonic()
        while time.monotonic() < deadline:
            event = subscription.get(timeout=heartbeat)
            if not broker().listening:
                return  # Redis went away: the browser reconnects and is told it is paused
            if time.monotonic() - checked >= heartbeat:
                if not _still_held(holder):
                    return
                checked = time.monotonic()
            if (frame := _frame(event, staff=staff)) is not None:
                yield frame
    finally:
        try:
            subscription.close()
        finally:
            lease.release()


async def _astream(
    subscription: AsyncSubscription, lease: StreamLease, *, staff: bool, holder: _Holder
) -> AsyncIterator[str]:
    try:
        yield RETRY
        heartbeat = settings.FRONTDESK_LIVE_HEARTBEAT_SECONDS
        deadline = time.monotonic() + settings.FRONTDESK_LIVE_STREAM_SECONDS
        checked = time.monotonic()
        while time.monotonic() < deadline:
            event = await subscription.aget(timeout=heartbeat)
            if not broker().listening:
                return
            if time.monotonic() - checked >= heartbeat:
                if not await sync_to_async(_still_held)(holder):
                    return
                checked = time.monotonic()
            if (frame := _frame(event, staff=staff)) is not None:
                yield frame
    finally:
        try:
            subscription.close()
        finally:
            await sync_to_async(lease.release)()


def _event_stream(content: _Leased | _ALeased) -> StreamingHttpResponse:
    response = StreamingHttpResponse(content, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: pass events through at once
    return response


@passive  # listening is not activity
@require_GET
@login_required
def events(request: HttpRequest) -> HttpResponseBase:
    """The stream on a server thread (WSGI): what the one-process embedded profile serves."""
    user = _signed_in(request)
    try:
        channels = _channels_for(user, request.GET.get("ticket"))
    except DomainError as exc:
        return HttpResponse(status=http_status(exc))
    try:
        lease = stream_lease_take(user_id=user.pk, ip=client_ip(request), wsgi=True)
    except RateLimited as exc:
        return _refused(exc)
    try:
        subscription = broker().subscribe(channels)
    except RedisUnavailable:
        return _paused(lease)
    holder = _holder(request, user)
    frames = _stream(subscription, lease, staff=user.is_staff_member, holder=holder)
    return _event_stream(_Leased(frames, subscription, lease))


@passive
@require_GET
@login_required
async def events_async(request: HttpRequest) -> HttpResponseBase:
    """The same stream on an event loop (frontdesk.live.asgi), apart from the WSGI servers, so
    open pages never take threads that pages and APIs need. Only the sign-in and permission
    checks touch the database, once, on the endpoint's one shared sync thread, whose connection
    goes back before the stream starts."""
    user = await request.auser()
    assert isinstance(user, User)
    try:
        channels, lease = await sync_to_async(_opened)(
            user, request.GET.get("ticket"), client_ip(request)
        )
    except RateLimited as exc:
        return _refused(exc)
    except DomainError as exc:
        return HttpResponse(status=http_status(exc))
    try:
        # Waits for the subscription at most RedisBroker.READY_SECONDS; never while the
        # breaker is open. Off the loop: the wait blocks.
        await sync_to_async(broker().ensure_listening, thread_sensitive=False)()
        subscription = broker().subscribe_async(channels)
    except RedisUnavailable:
        await sync_to_async(lease.release)()
        return _paused(StreamLease())
    holder = _holder(request, user)
    frames = _astream(subscription, lease, staff=user.is_staff_member, holder=holder)
    return _event_stream(_ALeased(frames, subscription, lease))


@passive  # a heartbeat is not activity
@require_POST
@login_required
def presence(request: HttpRequest, ticket_id: int) -> HttpResponse:
    user = _signed_in(request)
    try:
        ticket = access.ticket_get(user=user, ticket_id=ticket_id)
        people = presence_update(user=user, ticket=ticket, state=request.POST.get("state", ""))
    except DomainError as exc:
        return JsonResponse({"error": exc.message}, status=http_status(exc))
    return JsonResponse({"people": people})
