"""A deleted ticket leaves no row for the aggregates' refresh to find (it looks for tickets
changed since its last run): the days the ticket was counted in are noted here, as it goes, so
the next refresh counts them again (reports/aggregates.py), not the nightly rebuild."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from frontdesk.reports.aggregates import utc_day
from frontdesk.reports.models import StaleDay
from frontdesk.satisfaction.models import Survey
from frontdesk.tickets.models import Ticket


@receiver(pre_delete, sender=Ticket, dispatch_uid="reports-ticket-deleted")
def _ticket_deleted(sender: Any, instance: Ticket, **kwargs: Any) -> None:
    # The days it counted in: opened, resolved, and its survey's answer.
    moments = [instance.created_at, instance.resolved_at]
    moments += Survey.objects.filter(ticket_id=instance.pk).values_list("rated_at", flat=True)
    days = {utc_day(moment) for moment in moments if moment is not None}
    StaleDay.objects.bulk_create([StaleDay(day=day) for day in days], ignore_conflicts=True)
