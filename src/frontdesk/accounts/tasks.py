"""Background jobs of the accounts app (run by `frontdesk worker`)."""

from __future__ import annotations

from django.core.management import call_command
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from frontdesk.accounts.sessions import sessions_record_expired


@db_periodic_task(crontab(minute="*/5"))
def sessions_clear_expired() -> None:
    """Sessions that lapsed get their ``expired`` audit event (the list of devices drops
    them); then the rows Django keeps after expiry are cleared. Every 5 minutes, so the
    audit trail's time is close to the real one."""
    sessions_record_expired()
    call_command("clearsessions")


# The worker learns the recovery jobs by importing this module.
from frontdesk.accounts.recovery import reset_mail_job  # noqa: E402

__all__ = ["reset_mail_job", "sessions_clear_expired"]
