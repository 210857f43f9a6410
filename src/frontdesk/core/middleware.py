"""Sessions that only real activity keeps alive.

Sessions roll (SESSION_SAVE_EVERY_REQUEST): each request pushes the inactivity deadline back.
A request the browser makes on its own — the live-update stream, a presence beat, a refresh
after someone else's change — is not the person doing anything, so it must not keep an
abandoned tab signed in forever. Such views set ``request.passive = True``; a page refresh
caused by a live event says so with the ``X-Frontdesk-Passive`` header.
"""

from __future__ import annotations

from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse


class ActivitySessionMiddleware(SessionMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        passive = getattr(request, "passive", False) or "X-Frontdesk-Passive" in request.headers
        if passive and not request.session.modified:
            return response  # neither saved nor re-sent: the deadline stays where it was
        return super().process_response(request, response)
