"""Reads that need permission: every face fetches tickets and messages through these."""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.functions import Coalesce

from frontdesk.accounts.models import User
from frontdesk.core.errors import NotAllowed, NotFound
from frontdesk.tickets.models import IS_ACTIVE, IS_DONE, Message, MessageKind, Ticket

TICKET_NOT_FOUND = "Ticket with given ID was not found in the database."
MAX_PK = 2**63 - 1


class NotVisible(NotAllowed):
    """The object exists but is not the actor's to see. SupportMe answers 403 (its contract);
    newer faces answer 404 so that existence does not leak."""


def can_see_ticket(user: User, ticket: Ticket) -> bool:
    return user.is_staff_member or ticket.requester_id == user.pk


def ticket_get_for_user(*, user: User, ticket_id: int, for_update: bool = False) -> Ticket:
    """The ticket, if ``user`` may see it. ``for_update`` locks the row (inside atomic)."""
    if not 0 < ticket_id <= MAX_PK:
        raise NotFound(TICKET_NOT_FOUND)
    if for_update:
        # No joins under the lock: after waiting for it, PostgreSQL re-reads the locked row but
        # not the outer-joined ones, so a joined assignee could be stale.
        query = Ticket.objects.select_for_update()
    else:
        query = Ticket.objects.select_related("requester", "assignee")
    ticket = query.filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound(TICKET_NOT_FOUND)
    if not can_see_ticket(user, ticket):
        raise NotVisible("User is not authenticated to make this request.")
    return ticket


def tickets_active_for(*, user: User) -> list[Ticket]:
    """Open tickets the user requested or is assigned to, oldest first (SupportMe order)."""
    # A UNION of two index-backed queries rather than one "requester OR assignee" scan.
    mine = Ticket.objects.filter(IS_ACTIVE)
    query = mine.filter(requester=user).union(mine.filter(assignee=user))
    return list(query.order_by("created_at", "id"))


def tickets_done_for(*, user: User) -> list[Ticket]:
    """Closed tickets the user requested or is assigned to, most recently closed first."""
    done = Ticket.objects.filter(IS_DONE).annotate(done_at=Coalesce("closed_at", "resolved_at"))
    query = done.filter(requester=user).union(done.filter(assignee=user))
    return list(query.order_by("-done_at", "-id"))


def tickets_claimable(*, user: User) -> QuerySet[Ticket]:
    """Unassigned active tickets, oldest first: the agents' priority queue."""
    if not user.is_staff_member:
        raise NotAllowed("User is not authenticated to make this request.")
    return Ticket.objects.filter(IS_ACTIVE, assignee__isnull=True).order_by("created_at", "id")


def messages_visible(*, user: User, ticket: Ticket) -> QuerySet[Message]:
    """The conversation as ``user`` may read it, in reading order: internal notes are for
    staff only."""
    if not can_see_ticket(user, ticket):
        raise NotVisible("User is not authenticated to make this request.")
    query = Message.objects.filter(ticket=ticket)
    if not user.is_staff_member:
        query = query.exclude(kind=MessageKind.INTERNAL)
    return query.order_by("id")
