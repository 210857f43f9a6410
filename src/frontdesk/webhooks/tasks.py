"""Background jobs of the webhooks app (run by `frontdesk worker`). Each delivery's outcome is
recorded on its row."""

from __future__ import annotations

from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from frontdesk.webhooks import delivery


@db_task()
def webhooks_fan_out(event: str, ticket_id: int, details: dict[str, Any]) -> None:
    """Asked for once a ticket change some webhook wants commits: write its deliveries and
    send them."""
    ids = delivery.deliveries_fan_out(event=event, ticket_id=ticket_id, **details)
    for delivery_id in ids:
        delivery.delivery_send(delivery_id=delivery_id)


# Huey's retries are not used: the row says when it is due again, and the sweep sends it.
@db_task()
def deliveries_send(delivery_ids: list[int]) -> None:
    for delivery_id in delivery_ids:
        delivery.delivery_send(delivery_id=delivery_id)


@db_periodic_task(crontab(minute="*"))
def webhooks_sweep() -> None:
    """Every minute: retries whose wait is over, and deliveries whose job was lost."""
    delivery.deliveries_sweep()
