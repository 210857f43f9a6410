"""Who may see what: the one definition.

Staff (agents and admins) see every ticket, message, file and history entry. A customer sees
the tickets they requested and those they are copied on (CC, following/models.py), and on
those the public replies and system messages with their
files and a public resolution: never an internal note, a file on one, a staff-only
resolution, or the history.

Everything else is built on the querysets here: the gates below (one object by id), the
selectors' lists and search, unread markers, the live channels, downloads and every face's
lists. A rule about seeing is changed here or nowhere.

The second half says which changes a customer sees happen, for the same reason: a change they
cannot see must not reach them through a timestamp, an unread dot or a live event.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from django.db import transaction
from django.db.models import Model, Q, QuerySet

from frontdesk.accounts.models import Organisation, Role, User
from frontdesk.core.compiled import CompiledRead
from frontdesk.core.errors import NotFound, NotVisible
from frontdesk.core.ids import is_id
from frontdesk.following.models import CcPerson
from frontdesk.tickets.models import (
    Attachment,
    Message,
    MessageKind,
    StagedUpload,
    Ticket,
    TicketEvent,
    TicketLink,
)

TICKET_NOT_FOUND = "Ticket with given ID was not found in the database."
# What may not be done, in SupportMe's words (its clients read them).
NOT_AUTHORISED = "User is not authenticated to make this request."
MESSAGE_NOT_FOUND = "There is no comment with that id."
ATTACHMENT_NOT_FOUND = "There is no file at this address."
EVENT_NOT_FOUND = "There is no history entry with that id."
PERSON_NOT_FOUND = "There is no customer with that id."
ORGANISATION_NOT_FOUND = "There is no organisation with that id."

Row = TypeVar("Row", bound=Model)

# --- what a user may see, as querysets ----------------------------------------------------


def ticket_condition(user: User, prefix: str = "") -> Q:
    """The tickets ``user`` may see, as a condition on Ticket (``prefix``: on a row that
    points at its ticket, such as ``ticket__``). A customer's: those they requested and those
    they are copied on."""
    if user.is_staff_member:
        return Q()
    # One IN over a UNION of two index reads, not "requester OR id IN (...)": PostgreSQL
    # cannot use an index for that OR and scanned every ticket (300,000 tickets: 167 ms for a
    # customer with one, against 5 ms this way; docs/decisions.md, "CC people").
    own = Ticket.objects.filter(requester_id=user.pk).values("pk")
    copied = CcPerson.objects.filter(person_id=user.pk).values("ticket_id")
    return Q(**{f"{prefix}pk__in": own.union(copied, all=True)})


def gate_shape(user: User) -> bool:
    """All that the conditions in this module read of a user besides their id: a read
    compiled once (core/compiled.py) is compiled once per shape. Whatever a condition starts
    to read of the user must be added here and to :func:`gate_stand_in`."""
    return user.is_staff_member


def gate_stand_in(shape: bool, pk: int) -> User:
    """A user with id ``pk`` whom the conditions here treat as any user of ``shape``."""
    return User(pk=pk, role=Role.AGENT if shape else Role.CUSTOMER, is_active=True)


def tickets_visible_to(user: User) -> QuerySet[Ticket]:
    return Ticket.objects.filter(ticket_condition(user))


def may_see_ticket(user: User, ticket: Ticket) -> bool:
    """:func:`ticket_condition` for a ticket already in hand (tests check the two agree)."""
    if user.is_staff_member or ticket.requester_id == user.pk:
        return True
    return is_copied(user, ticket.pk)


def is_copied(user: User, ticket_id: int) -> bool:
    """Is ``user`` copied on the ticket (CC)?"""
    return CcPerson.objects.filter(person_id=user.pk, ticket_id=ticket_id).exists()


def message_kind_condition(user: User) -> Q:
    """Which messages of a ticket ``user`` may see (a condition on Message): for queries that
    start from tickets already visible to them, such as unread markers."""
    return Q() if user.is_staff_member else ~Q(kind=MessageKind.INTERNAL)


def messages_visible_to(user: User) -> QuerySet[Message]:
    query = Message.objects.filter(message_kind_condition(user))
    return query if user.is_staff_member else query.filter(ticket_condition(user, "ticket__"))


def messages_on(user: User, ticket: Ticket) -> QuerySet[Message]:
    """The messages of ``ticket`` that ``user`` may see: one range of the (ticket, id) index,
    without joining the ticket again to learn whose it is."""
    if not may_see_ticket(user, ticket):
        return Message.objects.none()
    return Message.objects.filter(message_kind_condition(user), ticket=ticket)


def messages_on_any(shape: bool, ticket_id: int) -> QuerySet[Message]:
    """:func:`messages_on` for any user of ``shape`` (:func:`gate_shape`) who may see ticket
    ``ticket_id``: for a read compiled once; the caller checks :func:`may_see_ticket`."""
    reader = gate_stand_in(shape, pk=0)
    return messages_on(reader, Ticket(pk=ticket_id, requester_id=reader.pk))


def attachments_visible_to(user: User) -> QuerySet[Attachment]:
    """A file is as visible as its message."""
    query = Attachment.objects.select_related("message")
    if user.is_staff_member:
        return query
    mine = query.filter(ticket_condition(user, "message__ticket__"))
    return mine.exclude(message__kind=MessageKind.INTERNAL)


def staged_uploads_visible_to(user: User) -> QuerySet[StagedUpload]:
    """A file kept for a form is its owner's alone, agents' and admins' too."""
    return StagedUpload.objects.filter(owner=user)


def events_visible_to(user: User) -> QuerySet[TicketEvent]:
    """The history is for staff: a customer's is empty."""
    return TicketEvent.objects.all() if user.is_staff_member else TicketEvent.objects.none()


def links_visible_to(user: User) -> QuerySet[TicketLink]:
    """Links between tickets (tickets/merging.py) are how staff work: a customer sees none,
    even between two tickets of their own (a link may say more than either ticket does)."""
    return TicketLink.objects.all() if user.is_staff_member else TicketLink.objects.none()


def requester_resolution(text: str, public: bool) -> str:
    """The resolution the requester is shown: its text while it is public, else nothing."""
    return text if public else ""


class _Resolved(Protocol):
    resolution: str
    resolution_public: bool


def resolution_for(user: User, ticket: _Resolved) -> tuple[str, bool]:
    """The ticket's resolution as ``user`` may read it, and whether it is public. Staff read
    it as stored. The requester reads a public one only, and for them "public" says whether
    they are shown one: nothing tells them that a staff-only resolution exists."""
    if user.is_staff_member:
        return ticket.resolution, ticket.resolution_public
    shown = requester_resolution(ticket.resolution, ticket.resolution_public)
    return shown, bool(shown)


def sees_ticket_workings(user: User) -> bool:
    """Whether ``user`` reads how staff work a ticket: its priority, category, tags, due date,
    hours, first response and channel. The requester's ticket page shows none of them, so no
    face shows them to a customer (the REST API answers them as null)."""
    return user.is_staff_member


def people_visible_to(user: User) -> QuerySet[User]:
    """The accounts whose details (name, email, organisation) ``user`` may read: staff every
    person, a customer only themselves. System is nobody's customer."""
    people = User.objects.exclude(role=Role.SYSTEM)
    return people if user.is_staff_member else people.filter(pk=user.pk)


def organisations_visible_to(user: User) -> QuerySet[Organisation]:
    """Staff see every organisation, a customer only their own."""
    if user.is_staff_member:
        return Organisation.objects.all()
    if user.organisation_id is None:
        return Organisation.objects.none()
    return Organisation.objects.filter(pk=user.organisation_id)


def search_scope(user: User) -> tuple[bool, int | None]:
    """The gate in the form the full-text engine takes (tickets/search.py speaks SQL): whether
    internal notes count, and whose tickets only (None: everyone's). A customer's search
    covers the tickets they requested, not those they are copied on: narrower than what they
    may see, never wider (docs/workflow.md, "Followers and CC")."""
    if user.is_staff_member:
        return True, None
    return False, user.pk


# --- the gates: one object by id ----------------------------------------------------------


def ticket_get(*, user: User, ticket_id: int, for_update: bool = False) -> Ticket:
    """The ticket, if ``user`` may see it: NotFound when there is none, NotVisible (a NotFound
    with the same words) when it is not theirs, which only the SupportMe API answers
    differently. ``for_update`` locks the row (inside a transaction)."""
    if not is_id(ticket_id):
        raise NotFound(TICKET_NOT_FOUND)
    if for_update and transaction.get_autocommit():
        # What the queryset would say: a compiled read does not check it.
        raise transaction.TransactionManagementError(
            "select_for_update cannot be used outside of a transaction."
        )
    read = _ticket_locked if for_update else _ticket_with_people
    found = read(gate_shape(user), user.pk, ticket_id)
    ticket = found[0] if found else None
    if ticket is None:
        if Ticket.objects.filter(pk=ticket_id).exists():
            raise NotVisible(TICKET_NOT_FOUND)
        raise NotFound(TICKET_NOT_FOUND)
    return ticket


def _visible_ticket_with_people(shape: bool, user_id: int, ticket_id: int) -> QuerySet[Ticket]:
    query = tickets_visible_to(gate_stand_in(shape, user_id))
    return query.select_related("requester", "assignee").filter(pk=ticket_id)[:1]


def _visible_ticket_locked(shape: bool, user_id: int, ticket_id: int) -> QuerySet[Ticket]:
    # No joins under the lock: after waiting for it, PostgreSQL re-reads the locked row but
    # not the outer-joined ones, so a joined assignee could be stale.
    query = tickets_visible_to(gate_stand_in(shape, user_id)).select_for_update()
    return query.filter(pk=ticket_id)[:1]


# Every page and API request about one ticket starts here, and compiling the query cost more
# than running it: compiled once (core/compiled.py; bench/README.md, "CPU per request").
_ticket_with_people = CompiledRead(_visible_ticket_with_people)
_ticket_locked = CompiledRead(_visible_ticket_locked)


def message_get(*, user: User, message_id: int, for_update: bool = False) -> Message:
    """The message, if ``user`` may see it; NotFound otherwise, as for one that does not
    exist. ``for_update`` locks the message's row alone."""
    query = messages_visible_to(user)
    return _one(
        query.select_for_update(of=("self",)) if for_update else query,
        message_id,
        MESSAGE_NOT_FOUND,
    )


def attachment_get(*, user: User, attachment_id: int) -> Attachment:
    return _one(attachments_visible_to(user), attachment_id, ATTACHMENT_NOT_FOUND)


def event_get(*, user: User, event_id: int) -> TicketEvent:
    return _one(events_visible_to(user), event_id, EVENT_NOT_FOUND)


def person_get(*, user: User, person_id: int) -> User:
    return _one(people_visible_to(user).select_related("organisation"), person_id, PERSON_NOT_FOUND)


def organisation_get(*, user: User, organisation_id: int) -> Organisation:
    return _one(organisations_visible_to(user), organisation_id, ORGANISATION_NOT_FOUND)


def _one(query: QuerySet[Row], object_id: int, not_found: str) -> Row:
    """The row of ``query`` with this id: NotFound when it has none (an id out of range
    included), whether the row is missing or only not the user's."""
    row = query.filter(pk=object_id).first() if is_id(object_id) else None
    if row is None:
        raise NotFound(not_found)
    return row


# --- which changes the requester sees ---------------------------------------------------------

# History fields a customer's pages do not show: a change to one tells the customer nothing.
STAFF_ONLY_FIELDS = frozenset(
    {
        TicketEvent.Field.PRIORITY,
        TicketEvent.Field.CATEGORY,
        TicketEvent.Field.TAGS,
        TicketEvent.Field.DUE_AT,
        TicketEvent.Field.ESTIMATED_HOURS,
        TicketEvent.Field.ACTUAL_HOURS,
        TicketEvent.Field.TIME,
        TicketEvent.Field.LINKS,
        TicketEvent.Field.FOLLOWERS,
    }
)


# History fields that change the resolution, its text or whether it is public.
RESOLUTION_FIELDS = frozenset({TicketEvent.Field.RESOLUTION, TicketEvent.Field.RESOLUTION_PUBLIC})

# A resolution as the ticket stores it: its text, and whether it is public.
Resolution = tuple[str, bool]


def requester_sees_message(kind: str) -> bool:
    return kind != MessageKind.INTERNAL


def requester_sees_event(
    field: str,
    *,
    message_kind: str | None = None,
    resolution: tuple[Resolution, Resolution] | None = None,
) -> bool:
    """Does the requester see this change? A change to a message or its files (edited,
    deleted, a file added or removed) is as visible as the message. A change to the
    resolution (``resolution``: before and after) is seen when the resolution they are shown
    changes: it appears, changes or disappears; one that stays staff-only is never seen."""
    if message_kind is not None:
        return requester_sees_message(message_kind)
    if field in RESOLUTION_FIELDS:
        if resolution is None:  # unknown: say nothing rather than too much
            return False
        before, after = resolution
        return requester_resolution(*before) != requester_resolution(*after)
    return field not in STAFF_ONLY_FIELDS


def requester_sees(row: Message | TicketEvent) -> bool:
    """Does the requester see the change this row records?"""
    if isinstance(row, Message):
        return requester_sees_message(row.kind)
    return not row.staff_only
