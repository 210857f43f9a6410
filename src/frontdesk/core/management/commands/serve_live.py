"""``frontdesk serve-live``: the async live endpoint alone (frontdesk.live.asgi).

``frontdesk serve --live-port`` starts one beside the WSGI servers; run it yourself to put the
event streams on hosts of their own. It needs REDIS_URL: the events come from other processes.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from frontdesk.core.env import env_int
from frontdesk.core.lifecycle import PORT_TAKEN, port_taken


class Command(BaseCommand):
    help = "Serve the live-update event streams on an event loop (needs REDIS_URL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("FRONTDESK_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=env_int("FRONTDESK_LIVE_PORT", 8001))

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.REDIS_URL:
            raise CommandError(
                "The live endpoint needs REDIS_URL: it relays events that other processes "
                "publish. In one process, `frontdesk serve` streams them itself."
            )
        if port_taken(options["host"], options["port"]):
            raise CommandError(PORT_TAKEN.format(host=options["host"], port=options["port"]))
        from granian import Granian
        from granian.constants import Interfaces

        Granian(
            "frontdesk.live.asgi:application",
            address=options["host"],
            port=options["port"],
            # Django's ASGI handler speaks no lifespan protocol.
            interface=Interfaces.ASGINL,
            respawn_failed_workers=True,
        ).serve()
