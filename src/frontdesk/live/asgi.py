"""The async live endpoint of the production profile: ``/live/events`` on an event loop.

Pages and APIs stay on WSGI (``frontdesk serve``), where they are fastest; this application
serves only the long-lived event streams, which would each hold a WSGI thread. A proxy sends
``/live/events`` here (docs/deploy.md); ``frontdesk serve --live-port`` starts it. Events
reach it through Redis (REDIS_URL), whichever process posted them.
"""

from __future__ import annotations

import os

import django
from django.core.handlers.asgi import ASGIHandler, ASGIRequest

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")
django.setup(set_prefix=False)


class LiveRequest(ASGIRequest):
    urlconf = "frontdesk.live.stream_urls"  # this endpoint answers nothing else


class LiveHandler(ASGIHandler):
    request_class = LiveRequest


application = LiveHandler()
