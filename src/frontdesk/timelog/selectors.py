"""Reads of time entries for the faces (the ticket page's Time card, the REST API). Staff who
see the ticket read its entries; customers none (tickets/access.py: hours are the staff's
workings)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import User
from frontdesk.core.compiled import CompiledRead
from frontdesk.core.errors import NotAllowed, NotFound
from frontdesk.tickets import access
from frontdesk.tickets.models import Ticket
from frontdesk.timelog.durations import format_minutes
from frontdesk.timelog.models import TimeEntry

NOT_FOR_CUSTOMERS = gettext_noop("Time entries are for agents and admins.")
ENTRY_NOT_FOUND = gettext_noop("There is no time entry with that id.")


@dataclass(frozen=True)
class TimeCard:
    entries: list[TimeEntry]
    total_minutes: int
    changeable: frozenset[int]  # the entries the reader may edit or delete

    @property
    def total(self) -> str:
        return format_minutes(self.total_minutes)


def _entries_query(shape: None, ticket_id: int) -> QuerySet[TimeEntry]:
    return (
        TimeEntry.objects.filter(ticket_id=ticket_id)
        .select_related("agent")
        .order_by("-work_date", "-id")
    )


# Read on every agent's ticket page: compiled once (core/compiled.py).
_entries_of = CompiledRead(_entries_query)


def _entries(ticket: Ticket) -> list[TimeEntry]:
    return _entries_of(None, ticket.pk)


def time_card(*, user: User, ticket: Ticket) -> TimeCard | None:
    """The entries of a ticket ``user`` has already read through the gate, newest first, or
    None for a customer. One query."""
    if not access.sees_ticket_workings(user):
        return None
    entries = _entries(ticket)
    return TimeCard(
        entries=entries,
        total_minutes=sum(entry.minutes for entry in entries),
        changeable=frozenset(e.pk for e in entries if may_change(user=user, entry=e)),
    )


def time_entries_get(*, user: User, ticket_id: int) -> TimeCard:
    """A ticket's entries by id: NotFound for a ticket ``user`` may not see, NotAllowed for a
    customer's own."""
    ticket = access.ticket_get(user=user, ticket_id=ticket_id)
    card = time_card(user=user, ticket=ticket)
    if card is None:
        raise NotAllowed(NOT_FOR_CUSTOMERS)
    return card


def may_change(*, user: User, entry: TimeEntry) -> bool:
    """Whether the page offers to change ``entry``: the rule of timelog/services.py."""
    return user.is_staff_member and (entry.agent_id == user.pk or user.is_admin)


def time_entry_on(*, user: User, ticket_id: int, entry_id: int) -> TimeEntry:
    """An entry of the ticket named in an address: NotFound when the ticket is not the
    user's to see or the entry is not on it (a customer: NotAllowed on their own ticket)."""
    card = time_entries_get(user=user, ticket_id=ticket_id)
    for entry in card.entries:
        if entry.pk == entry_id:
            return entry
    raise NotFound(ENTRY_NOT_FOUND)
