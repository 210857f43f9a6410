"""The SLA's tables: business-hours calendars, policies and their targets, each ticket's SLA
clocks, and what the SLA jobs remember (which missed due dates and targets were alerted)."""

from __future__ import annotations

from datetime import time
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import Organisation
from frontdesk.core.clock import now
from frontdesk.sla.calendars import Calendar, zone_get
from frontdesk.tickets.models import Priority, Ticket


class OverdueAlert(models.Model):
    """One per ticket and due date: the unique pair is what makes the alert happen once, however
    many workers race to write it. A new due date may be missed again, and alerted again."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="overdue_alerts")
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["ticket", "due_at"], name="sla_alert_once_per_due")
        ]

    def __str__(self) -> str:
        return f"{self.ticket} overdue since {self.due_at:%Y-%m-%d %H:%M}"


class BusinessCalendar(models.Model):
    """Working hours per weekday in a time zone, with holidays (sla/calendars.py counts in it).

    ``hours`` maps a weekday ("0" is Monday) to its intervals, ``[["09:00", "17:00"], ...]``; an
    interval whose end is not after its start runs past midnight."""

    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    hours = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering: ClassVar = ["name"]
        verbose_name = _("business-hours calendar")

    def __str__(self) -> str:
        return self.name

    def spec(self) -> Calendar:
        """The calendar to count in, with its holidays (prefetched, or one query)."""
        holidays = list(self.holidays.all())
        return Calendar(
            zone=zone_get(self.time_zone),
            hours=parse_hours(self.hours),
            holidays=frozenset(h.day for h in holidays if not h.yearly),
            yearly=frozenset((h.day.month, h.day.day) for h in holidays if h.yearly),
        )


def parse_hours(stored: dict[str, list[list[str]]]) -> dict[int, list[tuple[time, time]]]:
    return {
        int(day): [(time.fromisoformat(start), time.fromisoformat(end)) for start, end in spans]
        for day, spans in stored.items()
    }


class Holiday(models.Model):
    """A day off in a calendar: that date, or (``yearly``) its month and day every year."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="holidays"
    )
    day = models.DateField()
    yearly = models.BooleanField(default=False)
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering: ClassVar = ["day"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["calendar", "day"], name="sla_holiday_once")
        ]

    def __str__(self) -> str:
        return f"{self.name or 'Holiday'} {self.day}{' (every year)' if self.yearly else ''}"


class SlaPolicy(models.Model):
    """Targets per priority for the tickets it matches. Policies are tried by ``position``; the
    first active one whose scope matches applies. An empty scope list matches anything."""

    name = models.CharField(max_length=100, unique=True)
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)
    calendar = models.ForeignKey(
        BusinessCalendar, null=True, blank=True, on_delete=models.PROTECT, related_name="policies"
    )  # None: round the clock
    categories = models.JSONField(default=list, blank=True)
    channels = models.JSONField(default=list, blank=True)
    organisations = models.ManyToManyField(Organisation, blank=True, related_name="sla_policies")
    warn_percent = models.PositiveSmallIntegerField(default=80)  # 0: no warning
    escalate_priority = models.BooleanField(default=False)
    escalate_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    notify = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # On a breach, move the ticket to this team (teams/): its routing may then assign it.
    escalate_team = models.ForeignKey(
        "teams.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering: ClassVar = ["position", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name


class SlaTarget(models.Model):
    """A policy's targets, in business minutes, for tickets of one priority (None: no target)."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="targets")
    priority = models.CharField(max_length=16, choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    next_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["policy", "priority"], name="sla_target_once")
        ]

    def __str__(self) -> str:
        return f"{self.policy} {self.priority}"


class Metric(models.TextChoices):
    FIRST_RESPONSE = "first_response", gettext_noop("First response")
    NEXT_RESPONSE = "next_response", gettext_noop("Next response")
    RESOLUTION = "resolution", gettext_noop("Resolution")


RUNNING = Q(running_since__isnull=False)


class SlaClock(models.Model):
    """One SLA target on one ticket: the business seconds it has consumed, and while it runs
    since when, with the instants of its warning and its due time. Paused (Pending): not
    running, not stopped; stopped: satisfied (a reply) or done (resolved)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_clocks")
    metric = models.CharField(max_length=16, choices=Metric.choices)
    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="clocks")
    target_minutes = models.PositiveIntegerField()
    consumed_seconds = models.PositiveBigIntegerField(default=0)
    running_since = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    # When its breach was told: a target is missed once per run, however it is recomputed.
    breached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["ticket", "metric"], name="sla_clock_once")
        ]
        indexes: ClassVar = [
            models.Index(fields=["due_at"], condition=RUNNING, name="sla_clock_due_idx"),
            models.Index(fields=["warn_at"], condition=RUNNING, name="sla_clock_warn_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.metric} on ticket {self.ticket_id}"

    @property
    def breached(self) -> bool:
        """Stopped or paused after its target was used up."""
        return self.consumed_seconds > self.target_minutes * 60


class SlaAlert(models.Model):
    """One warning or breach per ticket, metric and due time: the unique row is what makes it
    happen once, however many workers race. A new due time may be warned of again."""

    class Level(models.TextChoices):
        WARNING = "warning", gettext_noop("Warning")
        BREACH = "breach", gettext_noop("Breach")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_alerts")
    metric = models.CharField(max_length=16, choices=Metric.choices)
    level = models.CharField(max_length=8, choices=Level.choices)
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["ticket", "metric", "level", "due_at"], name="sla_target_alert_once"
            )
        ]
        verbose_name = _("SLA alert")

    def __str__(self) -> str:
        return f"{self.level} {self.metric} on ticket {self.ticket_id}"
