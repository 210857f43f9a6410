"""Background jobs that send the outbox (run by `frontdesk worker` and the one `serve` starts).

The outcome of each mail is recorded on its row, so the jobs return nothing: Huey keeps a
job's return value in its result store until someone reads it, and nobody would.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from frontdesk.notifications import delivery


@db_task()
def deliver(mail_id: int) -> None:
    """Asked for by outbox_enqueue once the change that wrote the row commits."""
    delivery.outbox_deliver_promptly(mail_id=mail_id)


@db_periodic_task(crontab(minute="*"))
def outbox_sweep() -> None:
    """Every minute: retries whose wait is over, rows whose prompt delivery was missed, and
    claims that lapsed (delivery.py says why this sends nothing twice)."""
    delivery.outbox_sweep()
