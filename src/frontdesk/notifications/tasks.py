"""Background jobs that send the outbox (run by `frontdesk worker` and the one `serve` starts)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from frontdesk.notifications import delivery


@db_task()
def deliver(mail_id: int) -> bool:
    return delivery.outbox_deliver(mail_id=mail_id)
