"""Keep the cached desk-wide counts honest: every change to a ticket's status, assignee or
details is written as a TicketEvent (services.py), and deletions remove the row."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from frontdesk.core.jobs import after_commit
from frontdesk.tickets.models import Ticket, TicketEvent
from frontdesk.tickets.statistics import desk_changed


@receiver(post_save, sender=TicketEvent, dispatch_uid="desk-changed-event")
def _ticket_changed(sender: Any, created: bool, **kwargs: Any) -> None:
    if created:
        after_commit(desk_changed, what="mark the desk's counts stale")


@receiver(post_delete, sender=Ticket, dispatch_uid="desk-changed-delete")
def _ticket_deleted(sender: Any, **kwargs: Any) -> None:
    after_commit(desk_changed, what="mark the desk's counts stale")
