"""Time an agent spent on a ticket. The ticket's ``actual_hours`` is the sum of its entries
(timelog/services.py keeps it so, in the transaction of each change)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from frontdesk.core.clock import now
from frontdesk.tickets.models import Ticket
from frontdesk.timelog.durations import format_minutes

MAX_MINUTES = 24 * 60  # one entry is at most a day's work


class TimeEntry(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="time_entries")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="time_entries"
    )
    minutes = models.PositiveIntegerField()
    note = models.CharField(max_length=500, blank=True)
    work_date = models.DateField()
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["ticket", "id"], name="timeentry_ticket_idx")]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(minutes__gte=1) & Q(minutes__lte=MAX_MINUTES),
                name="timeentry_minutes_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.minutes} min on ticket {self.ticket_id} by user {self.agent_id}"

    @property
    def duration_text(self) -> str:
        return format_minutes(self.minutes)
