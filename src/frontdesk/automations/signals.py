"""The events rules wait for, heard from the rows every change writes (as sla/signals.py and
notifications do): a new ticket, a status or priority change (TicketEvent), a public reply by
the customer or an agent (Message), an SLA warning or breach (SlaAlert). Each is queued after
the change commits, with the chain of rules whose actions made it (engine.acting_for): the
loop guard. Nothing is queued while no active rule waits for the event."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from frontdesk.automations.engine import CHAIN_MAX, current_chain
from frontdesk.automations.models import Event, Rule
from frontdesk.automations.selectors import AWAITED_CACHE_KEY, events_awaited
from frontdesk.core.jobs import after_commit
from frontdesk.sla.models import SlaAlert
from frontdesk.tickets.models import Message, MessageKind, TicketEvent

FROM_EVENTS = {
    TicketEvent.Field.CREATED: Event.TICKET_CREATED,
    TicketEvent.Field.STATUS: Event.STATUS_CHANGED,
    TicketEvent.Field.PRIORITY: Event.PRIORITY_CHANGED,
}


def queue(ticket_id: int, event: str, message_id: int | None = None) -> None:
    """After commit, queue the rules' run for ``event`` on the ticket (if a rule waits for it)."""
    chain = current_chain()
    if len(chain) >= CHAIN_MAX:
        return

    def send() -> None:
        if event not in events_awaited():
            return
        from frontdesk.automations.tasks import rules_run

        rules_run(ticket_id, event, list(chain), message_id)

    # Lost (Redis away), the event passes without its rules: they are not made up for.
    after_commit(send, what="queue the rules of an event")


@receiver(post_save, sender=Rule, dispatch_uid="automations-rule-saved")
@receiver(post_delete, sender=Rule, dispatch_uid="automations-rule-deleted")
def _rule_changed(sender: Any, **kwargs: Any) -> None:
    cache.delete(AWAITED_CACHE_KEY)


@receiver(post_save, sender=TicketEvent, dispatch_uid="automations-ticket-changed")
def _ticket_changed(
    sender: Any, instance: TicketEvent, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    event = FROM_EVENTS.get(instance.field)  # type: ignore[call-overload]
    if created and not raw and event is not None:
        queue(instance.ticket_id, event)


@receiver(post_save, sender=Message, dispatch_uid="automations-reply")
def _message_written(
    sender: Any, instance: Message, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if not created or raw or instance.kind != MessageKind.PUBLIC:
        return
    author, ticket = instance.author, instance.ticket
    if author.pk == ticket.requester_id:
        queue(ticket.pk, Event.CUSTOMER_REPLIED, instance.pk)
    elif author.is_staff_member:
        queue(ticket.pk, Event.AGENT_REPLIED, instance.pk)


@receiver(post_save, sender=SlaAlert, dispatch_uid="automations-sla-alert")
def _sla_alert(
    sender: Any, instance: SlaAlert, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if created and not raw:
        breach = instance.level == SlaAlert.Level.BREACH
        queue(instance.ticket_id, Event.SLA_BREACH if breach else Event.SLA_WARNING)
