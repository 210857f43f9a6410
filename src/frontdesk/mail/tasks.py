"""Background jobs of the mail app (run by `frontdesk worker`)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from frontdesk.mail import pipeline


@db_periodic_task(crontab(minute="*/5"))
def mail_waiting_sweep() -> int:
    """Mail kept but left unhandled by a stopped process is handled within minutes."""
    return pipeline.mail_process_waiting()
