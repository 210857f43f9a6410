"""What every page needs to know about live updates."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from frontdesk.core.breaker import redis_breaker


def live_status(request: HttpRequest) -> dict[str, bool]:
    """``live_paused``: Redis is away, so this page will hear of no change by itself (the
    page shows it at once; live.js keeps it up to date afterwards)."""
    return {"live_paused": bool(settings.REDIS_URL) and redis_breaker.is_open}
