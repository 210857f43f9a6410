"""Write a notification into the outbox (inside the caller's transaction)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from frontdesk.accounts.models import User
from frontdesk.core import compiled
from frontdesk.core.jobs import run_quietly
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
    mail = compiled.create(
        OutboxMail,
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
    deliver_after_commit(mail.pk)
    return mail


class DeliveryJob:
    """The one delivery job a committed change asks for, with every mail it wrote: a new
    ticket tells the requester and each agent, and one job a mail cost the worker more than
    the mails (bench/README.md, "Side by side")."""

    def __init__(self) -> None:
        self.mail_ids: list[int] = []

    def __call__(self) -> None:
        from frontdesk.notifications.tasks import deliver_all

        # Not queued (Redis away): the rows stay due, and the minute sweep sends them.
        run_quietly(lambda: deliver_all(self.mail_ids), what="queue mail delivery")


def deliver_after_commit(mail_id: int) -> None:
    """Ask the worker to send ``mail_id`` once the current transaction commits: in the job
    already asked for at this same level of the transaction (the same savepoints open) if
    there is one, else in a new one. A job of an inner or outer level is not joined, so each
    job lives and dies with exactly the savepoint its mails were written in."""
    connection = transaction.get_connection()
    here = set(connection.savepoint_ids)
    for savepoints, callback, _robust in connection.run_on_commit:
        if isinstance(callback, DeliveryJob) and savepoints == here:
            callback.mail_ids.append(mail_id)
            return
    job = DeliveryJob()
    job.mail_ids.append(mail_id)
    transaction.on_commit(job)
