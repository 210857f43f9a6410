"""What the API reads and writes, with the seed's field names. Inputs forbid unknown fields:
a field the client may not set is refused, never silently dropped."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from ninja import Schema
from pydantic import ConfigDict, Field, ValidationInfo, create_model, model_validator

from frontdesk.accounts.models import User
from frontdesk.fields import selectors as field_selectors
from frontdesk.fields import values as field_values
from frontdesk.tickets import access
from frontdesk.tickets.filters import TICKET_FILTERS, TicketFilter
from frontdesk.tickets.models import Attachment, Message, MessageKind, Ticket, TicketEvent
from frontdesk.tickets.rows import TicketRow
from frontdesk.tickets.validators import MESSAGE_MAX, TITLE_MAX


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


# The domain's limits on text (tickets/validators.py), documented for clients; the services
# check them, so a refusal reads the same here as on the pages (400, in the field's words).
def _text_field(description: str, *, max_length: int, default: Any = ...) -> Any:
    return Field(default, description=description, json_schema_extra={"maxLength": max_length})


SUBJECT = (
    f"The title: any printable text on one line, 1 to {TITLE_MAX} characters once the spaces "
    "around it are trimmed (no control characters or text-direction overrides)."
)
MESSAGE = (
    f"The text, as written: not blank, at most {MESSAGE_MAX:,} characters (a line break "
    "counts one); besides tab and line breaks, ASCII control characters are refused. Plain text: "
    "pages show its line breaks and make its links clickable."
)


# --- errors -------------------------------------------------------------------------------


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


class ErrorOut(Schema):
    error: ErrorBody


# --- tickets ------------------------------------------------------------------------------


class PersonOut(Schema):
    id: int
    username: str
    email: str
    organisation: int | None = Field(description="The id of their organisation, if any.")

    @staticmethod
    def resolve_organisation(obj: User) -> int | None:
        return obj.organisation_id


# How staff work a ticket: the customer's ticket page shows none of it, so customers read
# these fields as null (the gate: tickets/access.sees_ticket_workings).
_WORKINGS = "Staff only: null for customers."
WORKINGS_FIELDS = (
    "priority",
    "category",
    "due_date",
    "estimated_hours",
    "actual_hours",
    "tags",
    "first_response_at",
    "channel",
    "team",
)


class TeamRef(Schema):
    id: int
    name: str


class TicketOut(Schema):
    id: int
    ticket_number: str
    subject: str
    description: str
    status: str
    priority: str | None = Field(description=_WORKINGS)
    category: str | None = Field(description=_WORKINGS)
    customer: int
    customer_detail: PersonOut
    assigned_to: int | None
    organisation: int | None = Field(
        description="The requester's organisation when the ticket was opened, if any "
        "(see /organisations/{id}/)."
    )
    created_by: int
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    due_date: datetime | None = Field(description=_WORKINGS)
    estimated_hours: float | None = Field(description=_WORKINGS)
    actual_hours: float | None = Field(description=_WORKINGS)
    tags: list[str] | None = Field(description=_WORKINGS)
    first_response_at: datetime | None = Field(description=_WORKINGS)
    channel: str | None = Field(description=_WORKINGS)
    resolution: str = Field(
        description="How the problem was solved. Customers read it only when it is public: "
        "otherwise it is empty."
    )
    resolution_public: bool = Field(
        description="Whether the customer may read the resolution. To a customer: whether "
        "they are shown one."
    )
    merged_into: int | None = Field(
        None,
        description="The ticket this one was merged into (its conversation lives there now), "
        "or null. A merged ticket is closed; see docs/workflow.md, 'Merge, split and link'.",
    )
    custom_fields: dict[str, Any] = Field(
        description="The ticket's custom field values by field key (/fields/): text, number, "
        "ISO date, a choice, a list of choices or true/false. A field not set is left out; "
        "customers read only the customer-visible fields."
    )
    team: TeamRef | None = Field(
        None, description="The team (queue) the ticket belongs to, if any. " + _WORKINGS
    )

    @staticmethod
    def resolve_ticket_number(obj: Ticket) -> str:
        return obj.number

    @staticmethod
    def resolve_merged_into(obj: Ticket) -> int | None:
        return obj.merged_into_id

    @staticmethod
    def resolve_subject(obj: Ticket) -> str:
        return obj.title

    @staticmethod
    def resolve_description(obj: Ticket) -> str:
        return getattr(obj, "description", None) or ""

    @staticmethod
    def resolve_customer(obj: Ticket) -> int:
        return obj.requester_id

    @staticmethod
    def resolve_customer_detail(obj: Ticket) -> User:
        return obj.requester

    @staticmethod
    def resolve_assigned_to(obj: Ticket) -> int | None:
        return obj.assignee_id

    @staticmethod
    def resolve_organisation(obj: Ticket) -> int | None:
        return obj.organisation_id

    @staticmethod
    def resolve_created_by(obj: Ticket) -> int:
        return obj.created_by_id

    @staticmethod
    def resolve_due_date(obj: Ticket) -> datetime | None:
        return obj.due_at

    @staticmethod
    def resolve_tags(obj: Ticket | TicketRow) -> list[str]:
        names: list[str] | None = getattr(obj, "tag_names", None)  # a list's (paging.py)
        if names is not None or isinstance(obj, TicketRow):
            return names or []
        return [tag.name for tag in obj.tags.all()]

    @staticmethod
    def resolve_team(obj: Ticket) -> dict[str, Any] | None:
        return team_of(obj)

    @staticmethod
    def resolve_resolution(obj: Ticket, context: dict[str, Any]) -> str:
        return _resolution_for_caller(obj, context)[0]

    @staticmethod
    def resolve_resolution_public(obj: Ticket, context: dict[str, Any]) -> bool:
        return _resolution_for_caller(obj, context)[1]

    @staticmethod
    def resolve_custom_fields(obj: Ticket, context: dict[str, Any]) -> dict[str, Any]:
        return _custom_fields(context["request"].auth, obj.pk)

    @model_validator(mode="after")
    def _as_the_caller_may_read_it(self, info: ValidationInfo) -> TicketOut:
        """The one place that decides which fields the caller reads."""
        context = info.context or {}
        user = getattr(context.get("request"), "auth", None)
        if not (isinstance(user, User) and access.sees_ticket_workings(user)):
            for name in WORKINGS_FIELDS:
                setattr(self, name, None)
        return self


def _resolution_for_caller(ticket: Ticket, context: dict[str, Any]) -> tuple[str, bool]:
    """The resolution as the caller (the request's authenticated user) may read it."""
    user = context["request"].auth
    assert isinstance(user, User)
    return access.resolution_for(user, ticket)


class TicketPageOut(Schema):
    results: list[TicketOut]
    next: str | None


def _custom_fields(user: User, ticket_id: int) -> dict[str, Any]:
    values = field_selectors.values_for_tickets(user=user, ticket_ids=[ticket_id])
    return custom_fields_out(values.get(ticket_id, {}))


def custom_fields_out(values: Mapping[str, field_values.Value]) -> dict[str, Any]:
    return {key: field_values.json_value(value) for key, value in values.items()}


def ticket_out(
    ticket: Ticket | TicketRow,
    user: User,
    custom_fields: Mapping[str, field_values.Value] | None = None,
) -> dict[str, Any]:
    """What ``TicketOut`` makes of ``ticket`` for the caller ``user`` (its ``model_dump()``),
    written directly: the lists answer with these. Ninja resolves a schema field by field
    through a wrapper object; for a page of 50 tickets that was ~6 ms of a REST list's CPU
    (bench/README.md, "Pages at a million tickets"). tests/api/test_ticket_out.py checks the
    two agree for every kind of ticket and caller; the OpenAPI document still says TicketOut.
    A list's tickets come as ``TicketRow`` (tickets/rows.py), a single ticket as itself; a
    list reads its page's ``custom_fields`` in one query (fields/selectors.py) and passes
    each ticket's."""
    workings = access.sees_ticket_workings(user)
    resolution, resolution_public = access.resolution_for(user, ticket)
    requester = ticket.requester
    return {
        "id": ticket.pk,
        "ticket_number": ticket.number,
        "subject": ticket.title,
        "description": getattr(ticket, "description", None) or "",
        "status": str(ticket.status),
        "priority": str(ticket.priority) if workings else None,
        "category": str(ticket.category) if workings else None,
        "customer": ticket.requester_id,
        "customer_detail": {
            "id": requester.pk,
            "username": requester.username,
            "email": requester.email,
            "organisation": requester.organisation_id,
        },
        "assigned_to": ticket.assignee_id,
        "organisation": ticket.organisation_id,
        "created_by": ticket.created_by_id,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "resolved_at": ticket.resolved_at,
        "closed_at": ticket.closed_at,
        "due_date": ticket.due_at if workings else None,
        "estimated_hours": _hours(ticket.estimated_hours) if workings else None,
        "actual_hours": _hours(ticket.actual_hours) if workings else None,
        "tags": TicketOut.resolve_tags(ticket) if workings else None,
        "first_response_at": ticket.first_response_at if workings else None,
        "channel": str(ticket.channel) if workings else None,
        "resolution": resolution,
        "resolution_public": resolution_public,
        "merged_into": ticket.merged_into_id,
        "custom_fields": _custom_fields(user, ticket.pk)
        if custom_fields is None
        else custom_fields_out(custom_fields),
        "team": team_of(ticket) if workings else None,
    }


def team_of(ticket: Ticket | TicketRow) -> dict[str, Any] | None:
    """The ticket's team as ``{"id", "name"}`` (a list's row carries its name)."""
    if ticket.team_id is None:
        return None
    if isinstance(ticket, TicketRow):
        return {"id": ticket.team_id, "name": ticket.team_name}
    assert ticket.team is not None
    return {"id": ticket.team_id, "name": ticket.team.name}


def _hours(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


class TicketListQuery(Schema):
    """What every ticket list reads besides the filters: search words, order, page."""

    search: str = Field("", description='Words or "a phrase" in the title or a message.')
    ordering: str = ""
    cursor: str = ""
    limit: int = 50


def _filter_parameter(spec: TicketFilter) -> Any:
    extra: dict[str, Any] | None = None
    if spec.choices:
        extra = {"enum": ["", *(value for value, _ in spec.choices)]}
    return (str, Field("", description=spec.description, json_schema_extra=extra))


# The lists' query parameters: every filter of tickets/filters.py, with its description and
# values in the OpenAPI document, then TicketListQuery's. The filters check the values.
if TYPE_CHECKING:
    TicketQuery = TicketListQuery
else:
    TicketQuery = create_model(
        "TicketQuery",
        __base__=TicketListQuery,
        **{name: _filter_parameter(spec) for name, spec in TICKET_FILTERS.items()},
    )


class TicketPatchIn(Strict):
    subject: str | None = _text_field(SUBJECT, max_length=TITLE_MAX, default=None)
    priority: str | None = None
    category: str | None = None
    tags: list[str] | None = None
    due_date: datetime | None = None
    estimated_hours: Decimal | None = None
    actual_hours: Decimal | None = None
    assigned_to: int | None = None
    status: str | None = None
    resolution: str | None = None
    resolution_public: bool | None = None
    custom_fields: dict[str, Any] | None = Field(
        None,
        description="Custom field values by key (see /fields/); an empty value clears one. "
        "Staff set any active field; customers only the customer-visible ones, when they "
        "open a ticket, and must give the required ones.",
    )


class TicketCreateIn(TicketPatchIn):
    """What PATCH may change, plus the opening message. Only ``subject``, ``description`` and
    ``customer`` are for customers; a customer sending any other field is refused (403)."""

    subject: str = _text_field(SUBJECT, max_length=TITLE_MAX)
    description: str = _text_field(f"The opening message. {MESSAGE}", max_length=MESSAGE_MAX)
    customer: int | None = None


class TicketPutIn(Strict):
    """PUT replaces every writable field (PATCH changes only those sent). The resolution,
    added later, may be left out: it then stays as it is, so older clients keep working."""

    subject: str
    priority: str
    category: str
    tags: list[str]
    due_date: datetime | None
    estimated_hours: Decimal | None
    actual_hours: Decimal | None
    assigned_to: int | None
    status: str
    resolution: str | None = None
    resolution_public: bool | None = None


# The API's names for the fields the services take.
TICKET_FIELDS = {"subject": "title", "due_date": "due_at", "assigned_to": "assignee"}


def ticket_changes(payload: Schema, *, omit: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The fields the client sent (also when null), under the services' names."""
    sent = payload.model_dump(exclude_unset=True)
    omit = omit | {"custom_fields"}  # set by fields/services.py, not as a ticket's detail
    return {
        TICKET_FIELDS.get(name, name): value for name, value in sent.items() if name not in omit
    }


class AssignIn(Strict):
    user_id: int | None


class StatusIn(Strict):
    """A new status; resolving or closing may carry the resolution (agents)."""

    status: str
    resolution: str | None = None
    resolution_public: bool | None = None


class BulkChangesIn(Strict):
    """What to change on every ticket; leave a field out to leave it as it is."""

    assigned_to: int | None = Field(
        None, description="An agent's id, or null to put the tickets back in the queue."
    )
    status: str | None = Field(None, description="A status; `closed` closes them.")
    priority: str | None = None
    category: str | None = None
    add_tag: str | None = Field(None, description="A tag to add to each ticket.")
    remove_tag: str | None = Field(None, description="A tag to take off each ticket.")


class BulkIn(Strict):
    tickets: list[int] = Field(description="The tickets' ids (at most 100).")
    changes: BulkChangesIn


class BulkRefusalOut(Schema):
    ticket: int
    reason: str


class BulkOut(Schema):
    """What the change did, ticket by ticket."""

    changed: list[int]
    unchanged: list[int] = Field(description="Tickets that already were as asked.")
    refused: list[BulkRefusalOut] = Field(description="Tickets left as they were, and why.")


class SatisfactionOut(Schema):
    good: int
    bad: int
    score: int | None = Field(description="Good answers in percent of all; null with none.")


class AgentSatisfactionOut(SatisfactionOut):
    agent: int | None = Field(description="The agent's id; null for tickets nobody had.")
    username: str


class TeamSatisfactionOut(SatisfactionOut):
    team: int | None = Field(
        description="The team's id (the ticket's team when the answer was given); null for "
        "tickets in no team."
    )
    name: str


class StatisticsOut(Schema):
    total_tickets: int
    by_status: dict[str, int]
    by_priority: dict[str, int] = Field(description="Staff only: empty for customers.")
    by_category: dict[str, int] = Field(description="Staff only: empty for customers.")
    overdue_count: int | None = Field(description="Staff only: null for customers.")
    unassigned_count: int
    my_tickets_count: int
    avg_resolution_time_hours: float | None
    avg_first_response_time_hours: float | None
    satisfaction: SatisfactionOut | None = Field(
        description="Staff only: the answers to the satisfaction surveys; null for customers."
    )
    satisfaction_by_agent: list[AgentSatisfactionOut] = Field(
        description="Staff only: the answers per agent (the assignee when each was given)."
    )
    satisfaction_by_team: list[TeamSatisfactionOut] = Field(
        description="Staff only: the answers per team, of the tickets you may see."
    )


# --- comments -----------------------------------------------------------------------------


class CommentOut(Schema):
    id: int
    ticket: int
    author: int
    content: str
    is_internal: bool
    kind: str
    created_at: datetime

    @staticmethod
    def resolve_ticket(obj: Message) -> int:
        return obj.ticket_id

    @staticmethod
    def resolve_author(obj: Message) -> int:
        return obj.author_id

    @staticmethod
    def resolve_content(obj: Message) -> str:
        return obj.body

    @staticmethod
    def resolve_is_internal(obj: Message) -> bool:
        return obj.kind == MessageKind.INTERNAL


class CommentPageOut(Schema):
    results: list[CommentOut]
    next: str | None


class CommentQuery(Schema):
    ticket: str = ""
    cursor: str = ""
    limit: int = 50


class AddCommentIn(Strict):
    content: str = _text_field(MESSAGE, max_length=MESSAGE_MAX)
    is_internal: bool = False


class CommentCreateIn(AddCommentIn):
    ticket: int


class CommentUpdateIn(Strict):
    content: str = _text_field(MESSAGE, max_length=MESSAGE_MAX)
    is_internal: bool | None = None


# --- history ------------------------------------------------------------------------------


class HistoryOut(Schema):
    id: int
    ticket: int
    user: int | None
    field: str
    old_value: str
    new_value: str
    staff_only: bool
    created_at: datetime

    @staticmethod
    def resolve_ticket(obj: TicketEvent) -> int:
        return obj.ticket_id

    @staticmethod
    def resolve_user(obj: TicketEvent) -> int | None:
        return obj.actor_id


class HistoryPageOut(Schema):
    results: list[HistoryOut]
    next: str | None


class HistoryQuery(Schema):
    ticket: str = ""
    cursor: str = ""
    limit: int = 50


# --- attachments --------------------------------------------------------------------------


class AttachmentOut(Schema):
    id: int
    ticket: int
    message: int
    file_name: str
    size: int
    content_type: str
    sha256: str
    uploaded_by: int
    description: str
    created_at: datetime
    download_url: str

    @staticmethod
    def resolve_ticket(obj: Attachment) -> int:
        return obj.message.ticket_id

    @staticmethod
    def resolve_message(obj: Attachment) -> int:
        return obj.message_id

    @staticmethod
    def resolve_file_name(obj: Attachment) -> str:
        return obj.original_name

    @staticmethod
    def resolve_uploaded_by(obj: Attachment) -> int:
        return obj.uploader_id

    @staticmethod
    def resolve_download_url(obj: Attachment) -> str:
        return reverse("ticketing:attachments_download", kwargs={"attachment_id": obj.pk})


class AttachmentPageOut(Schema):
    results: list[AttachmentOut]
    next: str | None


class AttachmentQuery(Schema):
    ticket: str = ""
    cursor: str = ""
    limit: int = 50


# --- saved views --------------------------------------------------------------------------


class SavedViewOut(Schema):
    id: int
    name: str
    shared: bool = Field(description="Shared with every agent (admins share and change them).")
    owner: int
    query: str = Field(
        description="The workspace address's query string: `view` (claimable, mine, open, "
        "pending, overdue, closed), the filters and `sort`."
    )
    url: str = Field(description="The workspace page showing this view.")
    count: int = Field(
        description="How many tickets it holds (on a large desk, up to a minute old)."
    )
    created_at: datetime
    updated_at: datetime


class SavedViewListOut(Schema):
    results: list[SavedViewOut]


class SavedViewCreateIn(Strict):
    name: str = Field(description="1 to 60 characters.")
    query: str = Field(description="As in the workspace's address, e.g. `view=open&priority=high`.")
    shared: bool = False


class SavedViewPatchIn(Strict):
    name: str | None = None
    query: str | None = None
    shared: bool | None = None
