"""SLA use cases: tell the team, once, when a ticket passes its due date unresolved.

The alert is an internal note by System in the ticket's conversation, so agents see it where
they work (and live, like any note); customers never do. Every due date set schedules a check
for that moment (signals.py); a sweep every minute catches what a stopped worker missed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from frontdesk.accounts.models import SYSTEM_USER_ID
from frontdesk.core import clock
from frontdesk.sla.models import OverdueAlert
from frontdesk.tickets.models import IS_ACTIVE, Message, MessageKind, Ticket

# The sweep looks this far back: a deadline missed long ago (an imported ticket, say) is
# already in the Overdue view, and a note about it now would tell nobody anything new.
SWEEP_LOOKBACK = timedelta(hours=24)
SWEEP_BATCH = 500


def overdue_text(due_at: datetime) -> str:
    when = timezone.localtime(due_at).strftime("%d %b %Y, %H:%M %Z")
    return f"Overdue: this ticket was due {when} and is not resolved yet."


def sla_alert_if_overdue(*, ticket_id: int) -> bool:
    """Write the overdue note if the ticket is active and past its due date, and its current
    due date has not been alerted yet. True if this call wrote it."""
    moment = clock.now()
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().filter(IS_ACTIVE, pk=ticket_id).first()
        if ticket is None or ticket.due_at is None or ticket.due_at > moment:
            return False
        try:
            with transaction.atomic():
                OverdueAlert.objects.create(ticket=ticket, due_at=ticket.due_at)
        except IntegrityError:
            return False  # another worker wrote it first
        Message.objects.create(
            ticket=ticket,
            author_id=SYSTEM_USER_ID,
            kind=MessageKind.INTERNAL,
            body=overdue_text(ticket.due_at),
        )
    return True


def sla_overdue_sweep() -> int:
    """Alert the tickets that became overdue within SWEEP_LOOKBACK and were not alerted (their
    scheduled check was lost). Returns how many alerts it wrote."""
    moment = clock.now()
    alerted = OverdueAlert.objects.filter(ticket=OuterRef("pk"), due_at=OuterRef("due_at"))
    missed = (
        Ticket.objects.filter(IS_ACTIVE, due_at__lte=moment, due_at__gt=moment - SWEEP_LOOKBACK)
        .exclude(Exists(alerted))
        .order_by("due_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    return sum(sla_alert_if_overdue(ticket_id=pk) for pk in list(missed))
