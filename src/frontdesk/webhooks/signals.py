"""The ticket events webhooks hear, from the same rows automations/signals.py and
notifications hear: a new ticket, a status, priority or assignee change (TicketEvent), a
public reply or an internal note (Message), an SLA warning or breach (SlaAlert). Each is
queued for the worker after the change commits, and only when an active webhook wants it."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from frontdesk.core.jobs import after_commit
from frontdesk.sla.models import SlaAlert
from frontdesk.tickets.models import Message, MessageKind, TicketEvent
from frontdesk.webhooks.models import Webhook, WebhookEvent
from frontdesk.webhooks.selectors import AWAITED_CACHE_KEY, events_awaited

FROM_EVENTS = {
    TicketEvent.Field.CREATED: WebhookEvent.TICKET_CREATED,
    TicketEvent.Field.STATUS: WebhookEvent.STATUS_CHANGED,
    TicketEvent.Field.PRIORITY: WebhookEvent.PRIORITY_CHANGED,
    TicketEvent.Field.ASSIGNEE: WebhookEvent.ASSIGNED,
}
FROM_KINDS = {
    MessageKind.PUBLIC: WebhookEvent.MESSAGE_PUBLIC,
    MessageKind.INTERNAL: WebhookEvent.MESSAGE_INTERNAL,
}


def queue(event: str, ticket_id: int, **details: Any) -> None:
    """After commit, ask the worker to deliver ``event`` (if a webhook wants it)."""

    def send() -> None:
        if event not in events_awaited():
            return
        from frontdesk.webhooks.tasks import webhooks_fan_out

        webhooks_fan_out(event, ticket_id, details)

    # Lost (Redis away), the event passes without its deliveries: they are not made up for.
    after_commit(send, what="queue the webhooks of an event")


@receiver(post_save, sender=Webhook, dispatch_uid="webhooks-webhook-saved")
@receiver(post_delete, sender=Webhook, dispatch_uid="webhooks-webhook-deleted")
def _webhook_changed(sender: Any, **kwargs: Any) -> None:
    cache.delete(AWAITED_CACHE_KEY)


@receiver(post_save, sender=TicketEvent, dispatch_uid="webhooks-ticket-changed")
def _ticket_changed(
    sender: Any, instance: TicketEvent, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    event = FROM_EVENTS.get(instance.field)  # type: ignore[call-overload]
    if not created or raw or event is None:
        return
    at = instance.created_at.isoformat()
    if event == WebhookEvent.TICKET_CREATED:
        queue(event, instance.ticket_id, occurred_at=at)
        return
    change = {"field": instance.field, "old": instance.old_value, "new": instance.new_value}
    queue(event, instance.ticket_id, change=change, occurred_at=at)


@receiver(post_save, sender=Message, dispatch_uid="webhooks-message")
def _message_written(
    sender: Any, instance: Message, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    event = FROM_KINDS.get(instance.kind)  # type: ignore[call-overload]
    if created and not raw and event is not None:
        at = instance.created_at.isoformat()
        queue(event, instance.ticket_id, message_id=instance.pk, occurred_at=at)


@receiver(post_save, sender=SlaAlert, dispatch_uid="webhooks-sla-alert")
def _sla_alert(
    sender: Any, instance: SlaAlert, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if not created or raw:
        return
    breach = instance.level == SlaAlert.Level.BREACH
    sla = {
        "metric": instance.metric,
        "level": instance.level,
        "due_at": instance.due_at.isoformat(),
    }
    queue(
        WebhookEvent.SLA_BREACH if breach else WebhookEvent.SLA_WARNING, instance.ticket_id, sla=sla
    )
