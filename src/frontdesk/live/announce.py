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

STAFF_CHANNEL = "staff"  # the tickets in no team, heard by every agent and admin
ADMIN_CHANNEL = "admins"  # every team's tickets, heard by admins (tickets/access.py)


def ticket_channel(ticket_id: int) -> str:
    return f"ticket:{ticket_id}"


def user_channel(user_id: int) -> str:
    return f"user:{user_id}"


def team_channel(team_id: int) -> str:
    return f"team:{team_id}"


def staff_channels(ticket: Ticket) -> list[str]:
    """Where the staff who may see ``ticket`` listen (tickets/access.py's rule): everyone's
    channel for a ticket in no team; else its team's, the admins' and its assignee's."""
    if ticket.team_id is None:
        return [STAFF_CHANNEL]
    channels = [team_channel(ticket.team_id), ADMIN_CHANNEL]
    if ticket.assignee_id is not None:
        channels.append(user_channel(ticket.assignee_id))
    return channels


def announce(
    ticket: Ticket,
    kind: str,
    *,
    staff_only: bool,
    message: Message | None = None,
    author: int | None = None,
    also: tuple[str, ...] = (),
) -> None:
    """Publish after commit: nobody hears of a change that is rolled back. A message's event
    names it and its author; a change names who made it (the page that made it already shows
    it, and need not fetch it again). ``also``: more channels (the team a ticket just left)."""
    event: dict[str, object] = {"type": kind, "ticket": ticket.pk, "staff_only": staff_only}
    if message is not None:
        event.update(message=message.pk, author=message.author_id)
    elif author is not None:
        event.update(author=author)
    channels = [ticket_channel(ticket.pk), *staff_channels(ticket), *also]
    if not staff_only:
        channels.append(user_channel(ticket.requester_id))
    channels = list(dict.fromkeys(channels))

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
        also: tuple[str, ...] = ()
        if instance.field == TicketEvent.Field.TEAM:
            # Those who saw the ticket in its old team drop it from their lists.
            old = instance.old_value
            also = (team_channel(int(old)) if old.isdigit() else STAFF_CHANNEL,)
        announce(
            instance.ticket,
            "change",
            staff_only=not requester_sees(instance),
            author=author,
            also=also,
        )


@receiver(post_delete, sender=Ticket, dispatch_uid="live-ticket-deleted")
def _ticket_deleted(sender: Any, instance: Ticket, **kwargs: Any) -> None:
    announce(instance, "deleted", staff_only=False)
