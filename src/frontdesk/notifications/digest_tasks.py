"""The digest's periodic job (run by `frontdesk worker` and the one `serve` starts)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from frontdesk.notifications import digests


@db_periodic_task(crontab(minute="*/5"))
def digest_sweep() -> int:
    return digests.digests_send_due()
