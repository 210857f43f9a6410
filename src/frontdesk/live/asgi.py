"""The async live endpoint of the production profile: ``/live/events`` on an event loop.

Pages and APIs stay on WSGI (``frontdesk serve``), where they are fastest; this application
serves only the long-lived event streams, which would each hold a WSGI thread. A proxy sends
``/live/events`` here (docs/deploy.md); ``frontdesk serve --live-port`` starts it. Events
reach it through Redis (REDIS_URL), whichever process posted them.
"""

from __future__ import annotations

import os
from typing import Any

import django
from django.core.handlers.asgi import ASGIHandler, ASGIRequest

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")
django.setup(set_prefix=False)


class LiveRequest(ASGIRequest):
    urlconf = "frontdesk.live.stream_urls"  # this endpoint answers nothing else


class LiveHandler(ASGIHandler):
    request_class = LiveRequest

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Django's handler without its per-request ThreadSensitiveContext.

        With it, each open stream would keep a thread of its own, and on PostgreSQL a pooled
        connection, for the stream's whole life: the pool (16) would cap the open pages.
        Without it, every stream's sync work (loading the session, the sign-in and permission
        checks, a few milliseconds when it opens) runs on asgiref's one shared thread, with one
        database connection, whatever the number of streams."""
        if scope["type"] != "http":
            raise ValueError(f"The live endpoint serves HTTP only, not {scope['type']}.")
        await self.handle(scope, receive, send)


application = LiveHandler()
