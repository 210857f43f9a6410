"""Write a notification into the outbox (inside the caller's transaction)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from frontdesk.accounts.models import User
from frontdesk.mail.addresses import make_message_id
from frontdesk.notifications.models import OutboxMail
from frontdesk.tickets.models import Message, Ticket, TicketEvent


def outbox_enqueue(
    *,
    kind: str,
    recipient: User | None,
    ticket: Ticket | None = None,
    message: Message | None = None,
    event: TicketEvent | None = None,
    to_address: str = "",
    data: dict[str, Any] | None = None,
) -> OutboxMail:
    """One row, in the caller's transaction; once it commits, the worker is asked to send it.
    A rolled-back change leaves no row and schedules nothing."""
    address = to_address or (recipient.email if recipient else "")
    mail = OutboxMail.objects.create(
        kind=kind,
        recipient=recipient,
        to_address=address,
        ticket=ticket,
        message=message,
        event=event,
        data=data or {},
        message_id_header=make_message_id(
            ticket.pk if ticket else 0, recipient.pk if recipient else 0
        ),
    )
    transaction.on_commit(lambda: _deliver_soon(mail.pk))
    return mail


def _deliver_soon(mail_id: int) -> None:
    from frontdesk.notifications.tasks import deliver

    deliver(mail_id)
