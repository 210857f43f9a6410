"""Background jobs of the privacy app (run by `frontdesk worker`)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from frontdesk.privacy.services import retention_apply


@db_periodic_task(crontab(minute="17", hour="3"))
def retention_policy_apply() -> None:
    """Once a day, anonymise or delete what the retention policy says is kept too long
    (FRONTDESK_RETENTION_CLOSED_MONTHS; off by default)."""
    retention_apply()
