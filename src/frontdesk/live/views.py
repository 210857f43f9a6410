"""The live endpoints: a Server-Sent Events stream per page, and agents' presence beats.

The stream holds one server thread while it is open (the embedded profile serves through
WSGI threads, created on demand); it ends after STREAM_SECONDS and the browser's EventSource
reconnects, which also re-checks the sign-in and the ticket's permission.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    StreamingHttpResponse,
)
from django.views.decorators.http import require_GET, require_POST

from frontdesk.accounts.models import User
from frontdesk.core.errors import DomainError, NotFound
from frontdesk.core.middleware import passive
from frontdesk.live.announce import STAFF_CHANNEL, ticket_channel, user_channel
from frontdesk.live.broker import Subscription, broker
from frontdesk.live.presence import presence_update
from frontdesk.tickets.selectors import ticket_get_for_user


def _signed_in(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _ticket_id(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise NotFound("No such ticket.")
    return int(raw)


def _stream(subscription: Subscription, *, staff: bool) -> Iterator[str]:
    try:
        yield "retry: 1000\n\n"
        deadline = time.monotonic() + settings.FRONTDESK_LIVE_STREAM_SECONDS
        while time.monotonic() < deadline:
            event = subscription.get(timeout=settings.FRONTDESK_LIVE_HEARTBEAT_SECONDS)
            if event is None:
                yield ": still here\n\n"  # a comment: keeps proxies from closing the stream
                continue
            if event["staff_only"] and not staff:
                continue
            yield f"event: {event['type']}\ndata: {json.dumps(event)}\n\n"
    finally:
        subscription.close()


@passive  # listening is not activity
@require_GET
@login_required
def events(request: HttpRequest) -> HttpResponseBase:
    user = _signed_in(request)
    # A ticket page listens to its ticket; any other page to the lists it shows.
    channels = {user_channel(user.pk)}
    if user.is_staff_member:
        channels.add(STAFF_CHANNEL)
    try:
        ticket_id = _ticket_id(request.GET.get("ticket"))
        if ticket_id is not None:
            ticket = ticket_get_for_user(user=user, ticket_id=ticket_id)
            channels = {ticket_channel(ticket.pk)}
    except DomainError:
        return HttpResponse(status=404)
    subscription = broker().subscribe(channels)
    response = StreamingHttpResponse(
        _stream(subscription, staff=user.is_staff_member), content_type="text/event-stream"
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: pass events through at once
    return response


@passive  # a heartbeat is not activity
@require_POST
@login_required
def presence(request: HttpRequest, ticket_id: int) -> HttpResponse:
    user = _signed_in(request)
    try:
        ticket = ticket_get_for_user(user=user, ticket_id=ticket_id)
        people = presence_update(user=user, ticket=ticket, state=request.POST.get("state", ""))
    except NotFound:
        return JsonResponse({"error": "No such ticket."}, status=404)
    except DomainError as exc:
        status = 400 if exc.field else 403
        return JsonResponse({"error": exc.message}, status=status)
    return JsonResponse({"people": people})
