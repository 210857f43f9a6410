"""Background jobs of the reports (run by `frontdesk worker`): the aggregates kept up to date
(reports/aggregates.py, docs/decisions.md 65)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from frontdesk.reports import aggregates


@db_periodic_task(crontab(minute="*"))
@lock_task("reports-aggregates")
def aggregates_refresh() -> int:
    """Count again the days the tickets changed since the last run touched (one run at a
    time: a slow one makes the next minute's wait, not count the same days twice)."""
    return aggregates.aggregates_refresh()


@db_periodic_task(crontab(minute="23", hour="2"))
@lock_task("reports-aggregates")
def aggregates_build() -> int:
    """Count every day again once a night: what no ticket's change marks (a ticket deleted,
    a team or person removed) is in the numbers again by morning."""
    return aggregates.aggregates_build()
