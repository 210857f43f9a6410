"""Background jobs of the tickets app (run by `frontdesk worker`)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from frontdesk.tickets import staging, statistics


@db_periodic_task(crontab(minute="*"))
def desk_summary_refresh() -> None:
    """Count the desk every minute, before its cached summary expires, so no request waits for
    a large desk's count. Useful with a shared cache (REDIS_URL): with the default per-process
    cache, each web process counts for itself."""
    statistics.desk_summary(refresh=True)


@db_periodic_task(crontab(minute="41"))
def staged_uploads_expire() -> None:
    """Remove the files kept for a form that was never sent again (tickets/staging.py)."""
    staging.staged_uploads_expire()
