"""Announce every change to a ticket to the browsers that show it.

Each use case writes its change as a Message (the conversation) or a TicketEvent (the history),
so announcing those two rows, once the transaction commits, covers every face (pages, APIs,
email, admin) without each use case remembering to; a deleted ticket is announced as it goes.
Whether the requester hears of a change is tickets/access.py's rule, as for everything they
see. Bulk imports bypass save() and stay silent.

Events carry only a type and ids (the ticket; for a message, the message), never content: a
browser that hears one fetches just the changed piece (the new messages, the ticket's head and
sidebar) through the same permission checks as any other request.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from frontdesk.core.jobs import after_commit
from frontdesk.live.broker import broker
from frontdesk.tickets.access import requester_sees
from frontdesk.tickets.models import Message, Ticket, TicketEvent

STAFF_CHANNEL = "staff"


def ticket_channel(ticket_id: int) -> str:
    return f"ticket:{ticket_id}"


def user_channel(user_id: int) -> str:
    return f"user:{user_id}"


def announce(
    ticket: Ticket,
    kind: str,
    *,
    staff_only: bool,
    message: Message | None = None,
    author: int | None = None,
) -> None:
    """Publish after commit: nobody hears of a change that is rolled back. A message's event
    names it and its author; a change names who made it (the page that made it already shows
    it, and need not fetch it again)."""
    event: dict[str, object] = {"type": kind, "ticket": ticket.pk, "staff_only": staff_only}
    if message is not None:
        event.update(message=message.pk, author=message.author_id)
    elif author is not None:
        event.update(author=author)
    channels = [ticket_channel(ticket.pk), STAFF_CHANNEL]
    if not staff_only:
        channels.append(user_channel(ticket.requester_id))

    # A lost announcement is repaired by the browsers: a page whose stream comes back fetches
    # its regions again (live.js), so a failure to publish is logged, never raised.
    after_commit(lambda: broker().publish_to(channels, event), what="announce a change")


@receiver(post_save, sender=Message, dispatch_uid="live-message")
def _message_saved(sender: Any, instance: Message, created: bool, **kwargs: Any) -> None:
    if created:
        announce(
            instance.ticket,
            "message",
            staff_only=not requester_sees(instance),
            message=instance,
        )


@receiver(post_save, sender=TicketEvent, dispatch_uid="live-ticket-event")
def _ticket_event_saved(sender: Any, instance: TicketEvent, created: bool, **kwargs: Any) -> None:
    if not created:
        return
    if instance.field == TicketEvent.Field.CREATED:
        announce(instance.ticket, "new-ticket", staff_only=not requester_sees(instance))
    else:
        author = instance.actor_id
        announce(instance.ticket, "change", staff_only=not requester_sees(instance), author=author)


@receiver(post_delete, sender=Ticket, dispatch_uid="live-ticket-deleted")
def _ticket_deleted(sender: Any, instance: Ticket, **kwargs: Any) -> None:
    announce(instance, "deleted", staff_only=False)
