"""Background jobs of the mail app (run by `frontdesk worker`)."""

from __future__ import annotations

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from frontdesk.mail import imap, pipeline


@db_periodic_task(crontab(minute="*/5"))
def mail_waiting_sweep() -> int:
    """Mail kept but left unhandled by a stopped process is handled within minutes."""
    return pipeline.mail_process_waiting()


@db_periodic_task(crontab(minute="*"))
def imap_poll_due() -> int:
    """Poll the IMAP folders whose FRONTDESK_IMAP_POLL_SECONDS have passed (each folder's lease
    keeps two workers off the same folder); the number of mails imported."""
    if not settings.FRONTDESK_IMAP_URLS:
        return 0
    return sum(result.imported for result in imap.imap_poll(due_only=True))
