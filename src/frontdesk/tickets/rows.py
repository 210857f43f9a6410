"""A ticket of a REST list as plain values: what ``api.schemas.ticket_out`` reads, without a
model instance.

A REST page of 50 tickets spent about half its CPU making instances (the ticket's 21 fields,
its requester's and assignee's, each through Django's descriptors and converters) for a
representation that reads a few values of each (bench/README.md, "Pages at a million
tickets"). The page's tickets are read as tuples instead (``paging.PageRows`` with
``columns``) and become :class:`TicketRow`, which answers the same attribute names as a
``Ticket``. tests/api/test_ticket_out.py checks that a listed row is written exactly as the
ticket itself is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from frontdesk.tickets.models import DONE_STATUSES, Ticket

# What a REST list reads of each ticket, in the order of TicketRow's fields (the requester's
# three values become its ``requester``).
COLUMNS = (
    "id", "title", "status", "priority", "category", "channel", "requester_id",
    "assignee_id", "organisation_id", "created_by_id", "created_at", "updated_at",
    "resolved_at", "closed_at", "due_at", "estimated_hours", "actual_hours",
    "first_response_at", "resolution", "resolution_public", "merged_into_id", "team_id",
    "team__name", "description",
    "requester__username", "requester__email", "requester__organisation_id",
)  # fmt: skip
_TICKET_VALUES = len(COLUMNS) - 3


@dataclass(frozen=True, slots=True)
class PersonRow:
    pk: int
    username: str
    email: str
    organisation_id: int | None


class _RowOfATicket:
    """What a list's row answers as a ``Ticket`` would, for the pages and the API to write it
    alike: its pk, number and tags' names; and any other name from ``extra`` (a sort value
    such as ``priority_rank``)."""

    __slots__ = ()
    id: int
    extra: dict[str, Any]

    @property
    def pk(self) -> int:
        return self.id

    @property
    def number(self) -> str:
        return Ticket.number_for(self.id)

    @property
    def tag_names(self) -> list[str]:
        names: list[str] = self.extra.get("tag_names", [])
        return names

    @tag_names.setter
    def tag_names(self, names: list[str]) -> None:
        self.extra["tag_names"] = names

    def __getattr__(self, name: str) -> Any:
        # Only for the names not fields above: a sort value such as ``priority_rank``.
        try:
            return self.extra[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(slots=True)
class TicketRow(_RowOfATicket):
    id: int
    title: str
    status: str
    priority: str
    category: str
    channel: str
    requester_id: int
    assignee_id: int | None
    organisation_id: int | None
    created_by_id: int
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    due_at: datetime | None
    estimated_hours: Decimal | None
    actual_hours: Decimal | None
    first_response_at: datetime | None
    resolution: str
    resolution_public: bool
    merged_into_id: int | None
    team_id: int | None
    team_name: str | None
    description: str | None
    requester: PersonRow
    # Besides: the page's sort values (paging.encode_after reads them by name) and the tags'
    # names (paging.with_tag_names).
    extra: dict[str, Any]

    @classmethod
    def from_values(cls, values: tuple[Any, ...], sort_names: tuple[str, ...]) -> TicketRow:
        """``values``: COLUMNS, then the values of ``sort_names``."""
        ticket = values[:_TICKET_VALUES]
        username, email, organisation_id = values[_TICKET_VALUES : len(COLUMNS)]
        requester = PersonRow(ticket[6], username, email, organisation_id)
        extra = dict(zip(sort_names, values[len(COLUMNS) :], strict=True))
        return cls(*(*ticket, requester, extra))


# --- a workspace list's rows ------------------------------------------------------------------

# What a workspace row shows of each ticket (web/queue_rows.py), in the order of QueueRow's
# fields: the people become ``requester`` and ``assignee``.
QUEUE_COLUMNS = (
    "id", "title", "status", "priority", "created_at", "updated_at", "resolved_at",
    "closed_at", "due_at", "last_activity_at", "unread", "preview",
    "requester_id", "requester__username", "assignee_id", "assignee__username",
)  # fmt: skip
_QUEUE_VALUES = len(QUEUE_COLUMNS) - 4


@dataclass(frozen=True, slots=True)
class PersonName:
    """A person as a list names them."""

    pk: int
    username: str


@dataclass(slots=True)
class QueueRow(_RowOfATicket):
    """A ticket of a workspace list as plain values, with the reader's ``unread`` mark and
    ``preview`` (tickets/selectors.py's decorations). Making 50 tickets and their people into
    model instances was about a tenth of the queue page's CPU, for the dozen values a row shows
    (bench/README.md, "The queue page at a million tickets, continued"). The attribute names
    are a ``Ticket``'s, so the row is written exactly as the ticket would be."""

    id: int
    title: str
    status: str
    priority: str
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    due_at: datetime | None
    last_activity_at: datetime
    unread: bool
    preview: str | None
    requester: PersonName
    assignee: PersonName | None
    # Besides: the page's sort values (paging.encode_after reads them by name) and the tags'
    # names (paging.with_tag_names).
    extra: dict[str, Any]

    @classmethod
    def from_values(cls, values: tuple[Any, ...], sort_names: tuple[str, ...]) -> QueueRow:
        """``values``: QUEUE_COLUMNS, then the values of ``sort_names``."""
        requester_id, requester, assignee_id, assignee = values[_QUEUE_VALUES : len(QUEUE_COLUMNS)]
        people = (
            PersonName(requester_id, requester),
            None if assignee_id is None else PersonName(assignee_id, assignee),
        )
        extra = dict(zip(sort_names, values[len(QUEUE_COLUMNS) :], strict=True))
        return cls(*(*values[:_QUEUE_VALUES], *people, extra))

    @property
    def is_done(self) -> bool:
        return self.status in DONE_STATUSES
