"""Who may see what: the one definition.

Admins see every ticket, message, file and history entry. An agent sees the same of the
tickets of their teams, of the tickets in no team, and of the tickets assigned to them (on a
desk without teams: every ticket). A customer sees
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

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import Organisation, Role, User
from frontdesk.core.compiled import CompiledRead
from frontdesk.core.errors import NotFound, NotVisible
from frontdesk.core.ids import is_id
from frontdesk.core.postgresql.planning import InWhenRun
from frontdesk.following.models import CcPerson
from frontdesk.teams.models import TeamMembership
from frontdesk.tickets.models import (
    Attachment,
    Message,
    MessageKind,
    StagedUpload,
    Ticket,
    TicketEvent,
    TicketLink,
)

TICKET_NOT_FOUND = gettext_noop("Ticket with given ID was not found in the database.")
# What may not be done, in SupportMe's words (its clients read them).
NOT_AUTHORISED = "User is not authenticated to make this request."
MESSAGE_NOT_FOUND = "There is no comment with that id."
ATTACHMENT_NOT_FOUND = gettext_noop("There is no file at this address.")
EVENT_NOT_FOUND = "There is no history entry with that id."
PERSON_NOT_FOUND = "There is no customer with that id."
ORGANISATION_NOT_FOUND = "There is no organisation with that id."

Row = TypeVar("Row", bound=Model)

# --- what a user may see, as querysets ----------------------------------------------------


# What the conditions here read of a user besides their id (gate_shape).
Shape = str
ADMIN_SHAPE: Shape = "admin"
AGENT_SHAPE: Shape = "agent"
CUSTOMER_SHAPE: Shape = "customer"


def sees_every_ticket(user: User) -> bool:
    """Admins see the whole desk, and so does System acting for an automation rule
    (automations/models.RuleActor); an agent the tickets of their teams (and of none)."""
    return user.is_admin or (user.is_system and user.is_staff_member)


def ticket_condition(user: User, via: str = "") -> Q:
    """The tickets ``user`` may see, as a condition on Ticket (``via``: the path from another
    model to its ticket, e.g. ``"ticket__"``). An agent's teams are a subquery, so the
    condition stays one query and compiles once per shape (core/compiled.py). A customer's:
    those they requested and those they are copied on."""
    if sees_every_ticket(user):
        return Q()
    if user.is_staff_member:
        teams = TeamMembership.objects.filter(user_id=user.pk).values("team_id")
        return (
            Q(**{f"{via}team__isnull": True})
            | Q(**{f"{via}team__in": teams})
            | Q(**{f"{via}assignee_id": user.pk})
        )
    mine = customer_tickets_condition(user.pk)
    if not via:
        return mine
    return Q(**{f"{via}pk__in": Ticket.objects.filter(mine).values("pk")})


def customer_tickets_condition(user_id: int) -> Q:
    """The tickets customer ``user_id`` requested or is copied on, as a condition on Ticket.

    The requester is a column the planner estimates from its statistics, so a customer with
    thousands of tickets is read through the requester index as thousands, not probed by
    primary key ticket by ticket; the CC'd tickets, always few, are an array of keys beside it
    (InWhenRun), and PostgreSQL reads the two as one BitmapOr. As ``pk IN (requested UNION ALL
    copied)`` PostgreSQL guessed 200 tickets for every customer: the heaviest at a million
    (22,463 tickets) took 440 ms for SupportMe's open tickets (decision 90)."""
    copied = CcPerson.objects.filter(person_id=user_id).values("ticket_id")
    return Q(requester_id=user_id) | Q(InWhenRun("pk", copied))


def gate_shape(user: User) -> Shape:
    """All that the conditions in this module read of a user besides their id: a read
    compiled once (core/compiled.py) is compiled once per shape. Whatever a condition starts
    to read of the user must be added here and to :func:`gate_stand_in`."""
    if sees_every_ticket(user):
        return ADMIN_SHAPE
    return AGENT_SHAPE if user.is_staff_member else CUSTOMER_SHAPE


_SHAPE_ROLES = {ADMIN_SHAPE: Role.ADMIN, AGENT_SHAPE: Role.AGENT, CUSTOMER_SHAPE: Role.CUSTOMER}


def gate_stand_in(shape: Shape, pk: int) -> User:
    """A user with id ``pk`` whom the conditions here treat as any user of ``shape``."""
    return User(pk=pk, role=_SHAPE_ROLES[shape], is_active=True)


def tickets_visible_to(user: User) -> QuerySet[Ticket]:
    return Ticket.objects.filter(ticket_condition(user))


@dataclass(frozen=True)
class TeamScope:
    """:func:`ticket_condition` of an agent, told the way counts kept per team can use it:
    every ticket whose team is in ``teams`` (``None``: the tickets in no team), and besides
    those the tickets ``beyond`` selects (assigned to the agent in other teams)."""

    teams: frozenset[int | None]
    beyond: Q


def team_scope(user: User) -> TeamScope | None:
    """An agent's tickets split by team (:class:`TeamScope`); None for whoever sees every
    ticket and for customers, whose tickets are not a matter of teams. Tests hold the two
    halves together equal to :func:`tickets_visible_to`."""
    if sees_every_ticket(user) or not user.is_staff_member:
        return None
    teams = team_ids_of(user)
    return TeamScope(teams=frozenset({None, *teams}), beyond=beyond_teams(user.pk, teams))


def beyond_teams(user_id: int, teams: Iterable[int]) -> Q:
    """The tickets assigned to ``user_id`` in a team other than ``teams``: what an agent sees
    besides their teams' tickets and those in no team."""
    beyond = Q(assignee_id=user_id, team__isnull=False)
    teams = list(teams)
    return beyond & ~Q(team__in=teams) if teams else beyond


def team_ids_of(user: User) -> frozenset[int]:
    """The teams ``user`` is in, read once per user object (a request's user)."""
    known: frozenset[int] | None = getattr(user, "_frontdesk_team_ids", None)
    if known is None:
        rows = _team_ids("teams of", user.pk) if user.pk is not None else []
        known = frozenset(team_id for (team_id,) in rows)
        user._frontdesk_team_ids = known  # type: ignore[attr-defined]
    return known


# Read on every staff page (the gate, the counts): compiled once (core/compiled.py); building
# the query was about 0.3 ms of the queue page's CPU at a million tickets.
_team_ids = CompiledRead(
    lambda shape, user_id: TeamMembership.objects.filter(user_id=user_id).values_list("team_id")
)


def team_ids_preload(users: Iterable[User]) -> None:
    """:func:`team_ids_of` for many users in one query (who is told of a team's ticket)."""
    waiting = {user.pk: user for user in users if not hasattr(user, "_frontdesk_team_ids")}
    if not waiting:
        return
    found: dict[int, set[int]] = {pk: set() for pk in waiting}
    rows = TeamMembership.objects.filter(user_id__in=list(waiting))
    for user_id, team_id in rows.values_list("user_id", "team_id"):
        found[user_id].add(team_id)
    for pk, user in waiting.items():
        user._frontdesk_team_ids = frozenset(found[pk])  # type: ignore[attr-defined]


def may_see_ticket(user: User, ticket: Ticket) -> bool:
    """:func:`ticket_condition` for a ticket already in hand (tests check the two agree). A
    ticket in no team costs no query; one in a team reads the agent's teams once."""
    if sees_every_ticket(user):
        return True
    if user.is_staff_member:
        return (
            ticket.team_id is None
            or ticket.assignee_id == user.pk
            or ticket.team_id in team_ids_of(user)
        )
    return ticket.requester_id == user.pk or is_copied(user, ticket.pk)


def is_copied(user: User, ticket_id: int) -> bool:
    """Is ``user`` copied on the ticket (CC)?"""
    return CcPerson.objects.filter(person_id=user.pk, ticket_id=ticket_id).exists()


def message_kind_condition(user: User) -> Q:
    """Which messages of a ticket ``user`` may see (a condition on Message): for queries that
    start from tickets already visible to them, such as unread markers."""
    return Q() if user.is_staff_member else ~Q(kind=MessageKind.INTERNAL)


def messages_visible_to(user: User) -> QuerySet[Message]:
    return Message.objects.filter(message_kind_condition(user), ticket_condition(user, "ticket__"))


def messages_on(user: User, ticket: Ticket) -> QuerySet[Message]:
    """The messages of ``ticket`` that ``user`` may see: one range of the (ticket, id) index,
    without joining the ticket again to learn whose it is."""
    if not may_see_ticket(user, ticket):
        return Message.objects.none()
    return Message.objects.filter(message_kind_condition(user), ticket=ticket)


def messages_on_any(shape: Shape, ticket_id: int) -> QuerySet[Message]:
    """:func:`messages_on` for any user of ``shape`` (:func:`gate_shape`) who may see ticket
    ``ticket_id``: for a read compiled once; the caller checks :func:`may_see_ticket`."""
    return Message.objects.filter(
        message_kind_condition(gate_stand_in(shape, pk=0)), ticket_id=ticket_id
    )


def attachments_visible_to(user: User) -> QuerySet[Attachment]:
    """A file is as visible as its message."""
    query = Attachment.objects.select_related("message")
    if sees_every_ticket(user):
        return query
    query = query.filter(ticket_condition(user, "message__ticket__"))
    if user.is_staff_member:
        return query
    return query.exclude(message__kind=MessageKind.INTERNAL)


def staged_uploads_visible_to(user: User) -> QuerySet[StagedUpload]:
    """A file kept for a form is its owner's alone, agents' and admins' too."""
    return StagedUpload.objects.filter(owner=user)


def events_visible_to(user: User) -> QuerySet[TicketEvent]:
    """The history is for staff (of the tickets they see): a customer's is empty."""
    if not user.is_staff_member:
        return TicketEvent.objects.none()
    return TicketEvent.objects.filter(ticket_condition(user, "ticket__"))


def events_on_any(shape: Shape, ticket_id: int) -> QuerySet[TicketEvent]:
    """The history of ticket ``ticket_id`` for any user of ``shape`` who may see it: for a
    read compiled once; the caller has the ticket through :func:`ticket_get`."""
    if shape == CUSTOMER_SHAPE:
        return TicketEvent.objects.none()
    return TicketEvent.objects.filter(ticket_id=ticket_id)


def links_visible_to(user: User) -> QuerySet[TicketLink]:
    """Links between tickets (tickets/merging.py) are how staff work: a customer sees none,
    even between two tickets of their own (a link may say more than either ticket does); an
    agent those whose both tickets they see."""
    if not user.is_staff_member:
        return TicketLink.objects.none()
    return TicketLink.objects.filter(
        ticket_condition(user, "ticket__"), ticket_condition(user, "other__")
    )


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
    internal notes count, and whose tickets only (None: everyone's). An agent's matches are
    then narrowed by :func:`tickets_visible_to`, as every search does. A customer's search
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


def _visible_ticket_with_people(shape: Shape, user_id: int, ticket_id: int) -> QuerySet[Ticket]:
    query = tickets_visible_to(gate_stand_in(shape, user_id))
    return query.select_related("requester", "assignee", "team").filter(pk=ticket_id)[:1]


def _visible_ticket_locked(shape: Shape, user_id: int, ticket_id: int) -> QuerySet[Ticket]:
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
        TicketEvent.Field.TEAM,
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
