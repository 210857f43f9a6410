"""Schedule the overdue check for the moment a due date arrives, whichever face set it.

Every due-date change is recorded as a TicketEvent (tickets/services.py), so listening for that
row covers the pages, both APIs and the admin. The job is queued after commit: a rolled-back
change schedules nothing. An earlier check for a due date since moved finds nothing to do.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from frontdesk.core import clock
from frontdesk.core.jobs import after_commit
from frontdesk.tickets.models import TicketEvent


@receiver(post_save, sender=TicketEvent, dispatch_uid="sla-due-date-set")
def _due_date_set(sender: Any, instance: TicketEvent, created: bool, **kwargs: Any) -> None:
    due_at = instance.ticket.due_at
    if not created or instance.field != TicketEvent.Field.DUE_AT or due_at is None:
        return
    ticket_id = instance.ticket_id

    def schedule() -> None:
        from frontdesk.sla.tasks import overdue_alert

        delay = max(0.0, (due_at - clock.now()).total_seconds())
        overdue_alert.schedule(args=(ticket_id,), delay=delay)

    # Lost (Redis away), the job is made up for by the minute sweep (sla_overdue_sweep).
    after_commit(schedule, what="schedule an SLA check")
