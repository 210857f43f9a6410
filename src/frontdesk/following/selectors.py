"""Reads about followers and CC: who follows or is copied on a ticket, through the gate."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet, Value

from frontdesk.accounts.models import User
from frontdesk.core.compiled import CompiledRead
from frontdesk.following.models import CcPerson, Follower
from frontdesk.tickets import access
from frontdesk.tickets.models import Ticket
from frontdesk.tickets.selectors import with_last_reply, with_unread

CC_MAX = 20  # people copied on one ticket (following/services.py enforces it)

FOLLOWER = "follower"
COPIED = "cc"


def cc_addresses(text: str) -> list[str]:
    """The addresses typed in one field, separated by commas, semicolons or spaces (a page's
    CC field; following/services.py checks each)."""
    return [part for part in text.replace(";", ",").replace(" ", ",").split(",") if part.strip()]


@dataclass(frozen=True)
class Audience:
    """Who hears of a ticket besides its requester and assignee (user ids)."""

    followers: frozenset[int]
    copied: frozenset[int]


def _audience_query(shape: None, ticket_id: int) -> QuerySet[Follower, tuple[int, str]]:
    followers = Follower.objects.filter(ticket_id=ticket_id).values_list("user_id", Value(FOLLOWER))
    copied = CcPerson.objects.filter(ticket_id=ticket_id).values_list("person_id", Value(COPIED))
    return followers.order_by().union(copied.order_by(), all=True)


# Asked by every reply, note and status change (notifications/rules.py): one query, compiled
# once (core/compiled.py).
_audience = CompiledRead(_audience_query)


def ticket_audience(ticket_id: int) -> Audience:
    """The ticket's followers and CC people, in one query. For the rules, which decide who is
    told what; not a read for a face (those go through :func:`followers_of`, :func:`cc_of`)."""
    rows = _audience(None, ticket_id)
    return Audience(
        followers=frozenset(user_id for user_id, role in rows if role == FOLLOWER),
        copied=frozenset(user_id for user_id, role in rows if role == COPIED),
    )


def followers_of(*, user: User, ticket_id: int) -> list[User]:
    """The staff who follow the ticket, for staff only: a customer learns nothing of them
    (an empty list, as the history is empty for them)."""
    ticket = access.ticket_get(user=user, ticket_id=ticket_id)
    if not user.is_staff_member:
        return []
    return list(
        User.objects.filter(followed_tickets__ticket=ticket).order_by(
            "followed_tickets__created_at", "pk"
        )
    )


@dataclass(frozen=True)
class CcEntry:
    """One person copied on a ticket, as a reader may see them: the address only for staff
    and the requester (who typed it); another CC person reads the name alone."""

    id: int
    username: str
    email: str


def cc_people(*, user: User, ticket_id: int) -> list[User]:
    """The accounts copied on the ticket, for anyone who may see it."""
    ticket = access.ticket_get(user=user, ticket_id=ticket_id)
    return list(
        User.objects.filter(cc_tickets__ticket=ticket).order_by("cc_tickets__created_at", "pk")
    )


def cc_of(*, user: User, ticket_id: int) -> list[CcEntry]:
    """The people copied on the ticket, for anyone who may see it (the requester and the CC
    people see who else reads the public conversation, as on a mail's Cc line)."""
    ticket = access.ticket_get(user=user, ticket_id=ticket_id)
    shows_address = user.is_staff_member or user.pk == ticket.requester_id
    people = User.objects.filter(cc_tickets__ticket=ticket).order_by("cc_tickets__created_at", "pk")
    return [
        CcEntry(id=person.pk, username=person.username, email=person.email if shows_address else "")
        for person in people
    ]


def is_following(*, user: User, ticket_id: int) -> bool:
    return (
        user.is_staff_member
        and Follower.objects.filter(user_id=user.pk, ticket_id=ticket_id).exists()
    )


@dataclass(frozen=True)
class TicketPeople:
    """What a ticket page shows of its followers and CC to ``user``."""

    followers: list[User]
    following: bool  # the reader follows it
    cc: list[CcEntry]
    may_change_cc: bool  # the reader may add and remove people (a CC person: only themselves)


def _copied_query(shape: None, ticket_id: int) -> QuerySet[User]:
    return User.objects.filter(cc_tickets__ticket_id=ticket_id).order_by(
        "cc_tickets__created_at", "pk"
    )


def _followers_query(shape: None, ticket_id: int) -> QuerySet[User]:
    return User.objects.filter(followed_tickets__ticket_id=ticket_id).order_by(
        "followed_tickets__created_at", "pk"
    )


# Read on every ticket page, where building the queries cost more than running them.
_copied = CompiledRead(_copied_query)
_followers = CompiledRead(_followers_query)


def ticket_people(*, user: User, ticket: Ticket) -> TicketPeople:
    """For a ticket already read through the gate: followers (staff only) and CC. One query
    for a customer, two for staff."""
    shows_address = user.is_staff_member or user.pk == ticket.requester_id
    cc = [
        CcEntry(id=person.pk, username=person.username, email=person.email if shows_address else "")
        for person in _copied(None, ticket.pk)
    ]
    followers: list[User] = []
    if user.is_staff_member:
        followers = _followers(None, ticket.pk)
    return TicketPeople(
        followers=followers,
        following=any(person.pk == user.pk for person in followers),
        cc=cc,
        may_change_cc=shows_address,
    )


COPIED_LIST_LIMIT = 50


def tickets_copied_for(*, user: User) -> list[Ticket]:
    """The tickets ``user`` is copied on (not their own requests), most recently changed
    first, with the unread marker and last reply as they see them: a customer's home lists
    them apart from their own. One query."""
    if user.is_staff_member:
        return []
    copied = access.tickets_visible_to(user).filter(cc_people__person=user)
    query = with_last_reply(with_unread(copied, user)).exclude(requester=user)
    return list(query.order_by("-updated_at", "-id")[:COPIED_LIST_LIMIT])
