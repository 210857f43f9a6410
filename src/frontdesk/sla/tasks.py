"""Background jobs of the SLA app (run by `frontdesk worker`)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from frontdesk.sla import clocks, services


@db_task(retries=3, retry_delay=10)
def overdue_alert(ticket_id: int) -> bool:
    return services.sla_alert_if_overdue(ticket_id=ticket_id)


@db_periodic_task(crontab(minute="*"))
def overdue_sweep() -> int:
    return services.sla_overdue_sweep()


@db_task(retries=3, retry_delay=10)
def target_check(ticket_id: int) -> int:
    return len(services.sla_check(ticket_id=ticket_id))


@db_periodic_task(crontab(minute="*"))
def target_sweep() -> int:
    return services.sla_sweep()


@db_task(retries=3, retry_delay=10)
def policies_reapply(actor_id: int | None) -> int:
    return clocks.sla_policies_reapply(actor_id=actor_id)
