"""Background jobs that send the outbox (run by `frontdesk worker` and the one `serve` starts)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from frontdesk.notifications import delivery


@db_task()
def deliver(mail_id: int) -> str:
    """Asked for by outbox_enqueue once the change that wrote the row commits."""
    return delivery.outbox_deliver(mail_id=mail_id)


@db_periodic_task(crontab(minute="*"))
def outbox_sweep() -> dict[str, int]:
    """Every minute: retries whose wait is over, rows whose prompt delivery was missed, and
    claims that lapsed (delivery.py says why this sends nothing twice)."""
    return delivery.outbox_sweep()
