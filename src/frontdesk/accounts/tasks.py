"""Background jobs of the accounts app (run by `frontdesk worker`)."""

from __future__ import annotations

from django.core.management import call_command
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="17"))
def sessions_clear_expired() -> None:
    """Expired sessions are refused when used but stay as rows until cleared: once an hour."""
    call_command("clearsessions")


# The worker learns the recovery jobs by importing this module.
from frontdesk.accounts.recovery import reset_mail_job  # noqa: E402

__all__ = ["reset_mail_job", "sessions_clear_expired"]
