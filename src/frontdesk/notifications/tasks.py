"""Background jobs that send the outbox (run by `frontdesk worker` and the one `serve` starts).

The outcome of each mail is recorded on its row, so the jobs return nothing: Huey keeps a
job's return value in its result store until someone reads it, and nobody would.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from frontdesk.notifications import delivery


@db_task()
def deliver_all(mail_ids: list[int]) -> None:
    """Asked for once a change that wrote outbox rows commits, with all of them."""
    delivery.outbox_deliver_promptly(mail_ids=mail_ids)


@db_task()
def deliver(mail_id: int) -> None:
    """One mail: what earlier versions queued, still run if found in the queue."""
    delivery.outbox_deliver_promptly(mail_ids=[mail_id])


@db_periodic_task(crontab(minute="*"))
def outbox_sweep() -> None:
    """Every minute: retries whose wait is over, rows whose prompt delivery was missed, and
    claims that lapsed (delivery.py says why this sends nothing twice)."""
    delivery.outbox_sweep()
