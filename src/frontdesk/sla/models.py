"""What the SLA jobs remember: which missed due dates have been reported."""

from __future__ import annotations

from django.db import models

from frontdesk.core.clock import now
from frontdesk.tickets.models import Ticket


class OverdueAlert(models.Model):
    """One per ticket and due date: the unique pair is what makes the alert happen once, however
    many workers race to write it. A new due date may be missed again, and alerted again."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="overdue_alerts")
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "due_at"], name="sla_alert_once_per_due")
        ]

    def __str__(self) -> str:
        return f"{self.ticket} overdue since {self.due_at:%Y-%m-%d %H:%M}"
