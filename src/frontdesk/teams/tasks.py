"""Background jobs of the teams app (run by `frontdesk worker`)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from frontdesk.teams import routing


@db_task(retries=3, retry_delay=10)
def ticket_route(ticket_id: int) -> int | None:
    return routing.ticket_route(ticket_id=ticket_id)


@db_periodic_task(crontab(minute="*"))
def away_sweep() -> int:
    return routing.teams_away_sweep()
