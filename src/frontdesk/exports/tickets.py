"""The tickets' CSV export: the tickets a staff member may see (tickets/access.py), narrowed
by a workspace view and filters (tickets/filters.py, custom fields' included), oldest first.
One column per ticket property, then one per active custom field.

Rows are read in keyset pages by id (tickets/paging.py), PAGE_SIZE at a time, each page with
its people, tags and custom field values in three more queries, so an export of any size holds
one page in memory; the faces stream the lines as they come (StreamingHttpResponse).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import User
from frontdesk.core.errors import NotAllowed
from frontdesk.exports.cells import Cell, csv_lines
from frontdesk.fields import selectors as field_selectors
from frontdesk.fields import values as field_values
from frontdesk.fields.models import FieldDefinition
from frontdesk.tickets import access, paging
from frontdesk.tickets.filters import filter_condition
from frontdesk.tickets.models import Ticket
from frontdesk.tickets.selectors import view_condition

PAGE_SIZE = 500
ONLY_STAFF = gettext_noop("Only staff can export tickets.")

TICKET_COLUMNS = (
    "number", "title", "status", "priority", "category", "channel", "requester",
    "requester_email", "organisation", "assignee", "created_at", "updated_at", "due_at",
    "first_response_at", "resolved_at", "closed_at", "tags", "estimated_hours", "actual_hours",
)  # fmt: skip


@dataclass(frozen=True)
class TicketExport:
    """What an export will write: its header now, its rows as they are read."""

    header: list[str]
    rows: Iterator[list[Cell]]

    def lines(self) -> Iterator[str]:
        return csv_lines(self.header, self.rows)


def check_may_export(user: User) -> None:
    """Staff only: a face that reads its filters first asks this before."""
    if not user.is_staff_member:
        raise NotAllowed(ONLY_STAFF)


def tickets_export(
    *, user: User, filters: Mapping[str, str], view: str = "", page_size: int = PAGE_SIZE
) -> TicketExport:
    """The export of the tickets ``user`` (staff) may see, in the workspace ``view`` (none:
    every ticket) narrowed by ``filters``. Every filter is checked now, before a line is
    written: a refused value is an InvalidInput, as on the list."""
    check_may_export(user)
    condition = filter_condition(user, filters) & (view_condition(view, user) if view else Q())
    query = access.tickets_visible_to(user).filter(condition)
    fields = field_selectors.fields_active_for(user=user)
    header = [*TICKET_COLUMNS, *(field.label for field in fields)]
    return TicketExport(header=header, rows=_rows(user, query, fields, page_size))


def _rows(
    user: User, query: QuerySet[Ticket], fields: list[FieldDefinition], page_size: int
) -> Iterator[list[Cell]]:
    query = query.select_related("requester", "assignee", "organisation")
    after = ""
    while True:
        page = paging.id_page(query, keys=paging.BY_ID, after=after, limit=page_size)
        tickets: list[Ticket] = page.rows
        paging.with_tag_names(tickets)
        values = field_selectors.values_for_tickets(
            user=user, ticket_ids=[ticket.pk for ticket in tickets]
        )
        for ticket in tickets:
            yield _row(ticket, [values.get(ticket.pk, {}).get(f.key) for f in fields])
        if page.next_after is None:
            return
        after = page.next_after


def _row(ticket: Ticket, custom: list[field_values.Value]) -> list[Cell]:
    return [
        ticket.number,
        ticket.title,
        ticket.status,
        ticket.priority,
        ticket.category,
        ticket.channel,
        ticket.requester.username,
        ticket.requester.email,
        ticket.organisation.name if ticket.organisation else None,
        ticket.assignee.username if ticket.assignee else None,
        ticket.created_at,
        ticket.updated_at,
        ticket.due_at,
        ticket.first_response_at,
        ticket.resolved_at,
        ticket.closed_at,
        ", ".join(ticket.tag_names),  # type: ignore[attr-defined]
        ticket.estimated_hours,
        ticket.actual_hours,
        *(_custom_cell(value) for value in custom),
    ]


def _custom_cell(value: field_values.Value) -> Cell:
    """Numbers and dates as themselves (a number is not escaped), the rest as people read it."""
    if isinstance(value, Decimal):
        return Decimal(format(value.normalize(), "f"))  # 12.5, not 12.5000 nor 1.25E+1
    if value is None or isinstance(value, date):
        return value
    return field_values.display(value)
