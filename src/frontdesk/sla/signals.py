"""The SLA hears every change to a ticket, whichever face made it: each is written as a
Message or a TicketEvent (tickets/services.py), so listening for those rows covers the pages,
both APIs, email and the admin.

* Inside the use case's transaction, the ticket's SLA clocks follow the change (sla/clocks.py):
  a rolled-back change moves no clock.
* After commit, the checks of the instants the clocks now wait for (warnings, due times) are
  queued for those moments; a due date set by hand schedules the overdue check for that
  moment (an earlier check for a due date since moved finds nothing to do).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from frontdesk.core import clock
from frontdesk.core.jobs import after_commit
from frontdesk.sla import clocks
from frontdesk.tickets.models import Message, MessageKind, TicketEvent

RETARGETING = frozenset({TicketEvent.Field.PRIORITY, TicketEvent.Field.CATEGORY})


@receiver(post_save, sender=TicketEvent, dispatch_uid="sla-ticket-changed")
def _ticket_changed(
    sender: Any, instance: TicketEvent, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if not created or raw:
        return
    ticket, actor = instance.ticket, instance.actor
    if instance.field == TicketEvent.Field.CREATED:
        clocks.ticket_opened(ticket, actor)
    elif instance.field in RETARGETING and not clocks.is_escalating():
        clocks.ticket_retargeted(ticket, actor)
    elif instance.field == TicketEvent.Field.STATUS:
        clocks.status_changed(ticket, instance.old_value, instance.new_value, actor)


@receiver(post_save, sender=Message, dispatch_uid="sla-public-reply")
def _message_written(
    sender: Any, instance: Message, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if not created or raw or instance.kind != MessageKind.PUBLIC:
        return
    ticket, author = instance.ticket, instance.author
    by_staff = author.is_staff_member and author.pk != ticket.requester_id
    clocks.public_reply(ticket, by_staff=by_staff, actor=author)


@receiver(clocks.checks_planned, dispatch_uid="sla-checks-planned")
def _checks_planned(sender: Any, ticket_id: int, moments: list[datetime], **kwargs: Any) -> None:
    def schedule() -> None:
        from frontdesk.sla.tasks import target_check

        for moment in moments:
            delay = max(0.0, (moment - clock.now()).total_seconds())
            target_check.schedule(args=(ticket_id,), delay=delay)

    # Lost (Redis away), the checks are made up for by the minute sweep (sla_sweep).
    after_commit(schedule, what="schedule SLA checks")


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
