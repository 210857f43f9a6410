"""Background jobs of the core app (run by `frontdesk worker`)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from frontdesk.core.idempotency import idempotency_keys_prune


@db_periodic_task(crontab(minute="23"))
def idempotency_keys_expire() -> None:
    """Forget the answers kept for Idempotency-Key once they are a day old
    (core/idempotency.py); an hourly pass keeps the table to about a day of writes."""
    idempotency_keys_prune()
