"""Merge, split and link tickets: the use cases, with every rule and permission check.

* **Merge** (:func:`tickets_merge`): the source's messages, with their files, move into the
  target; the conversation is read by message id, which is the order they were written in,
  so the two conversations interleave in the order things happened. The source is closed and
  remembers its survivor (``Ticket.merged_into``): its page, its mail thread and its number
  lead there. Both keep their own history, and each gets a history row and a system message.
* **Split** (:func:`message_split`): a public message becomes the first message of a new
  ticket of the same requester, linked to the ticket it came from.
* **Link** (:func:`tickets_link`, :func:`tickets_unlink`): related tickets, one link per
  pair, shown on both.

Only staff do any of this. Two tickets are locked in the order of their ids, so two merges
that cross (A into B, B into A) wait for each other instead of deadlocking.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import User
from frontdesk.core.compiled import CompiledRead
from frontdesk.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from frontdesk.tickets import access, validators
from frontdesk.tickets.models import (
    Message,
    MessageKind,
    Status,
    Ticket,
    TicketEvent,
    TicketLink,
)
from frontdesk.tickets.services import (
    Change,
    record_change,
    touch,
)
from frontdesk.tickets.services import status_move as _set_status
from frontdesk.tickets.services import system_message_write as _system_message
from frontdesk.tickets.texts import by

NOT_STAFF = gettext_noop("Only agents can merge, split and link tickets.")
# How long a chain of merges may be followed (A into B, then B into C, ...).
MERGE_CHAIN_MAX = 20


def _check_staff(actor: User) -> None:
    if not actor.is_staff_member or not actor.is_active:
        raise NotAllowed(NOT_STAFF)


def _lock_pair(actor: User, ticket_id: int, other_id: int, *, field: str) -> tuple[Ticket, Ticket]:
    """Both tickets under a row lock, the lower id first. The first is the one acted on (a
    missing one is a NotFound, as everywhere); the other was named in a field, so a missing
    one is bad input for that field."""
    locked: dict[int, Ticket] = {}
    for pk in sorted({ticket_id, other_id}):
        try:
            locked[pk] = access.ticket_get(user=actor, ticket_id=pk, for_update=True)
        except NotFound:
            if pk == ticket_id:
                raise
            raise InvalidInput(
                gettext_noop("There is no ticket %(number)s."),
                values={"number": Ticket.number_for(other_id)},
                field=field,
            ) from None
    return locked[ticket_id], locked[other_id]


def _check_other_id(value: object, *, field: str) -> int:
    """A ticket named by a person: its id, or its number (``TKT-000123``, ``123``)."""
    if isinstance(value, bool):
        raise InvalidInput(
            gettext_noop("Name the ticket by its number, such as TKT-000123."), field=field
        )
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip().upper().removeprefix("TKT-").removeprefix("#")
        if not (text.isascii() and text.isdigit()):
            raise InvalidInput(
                gettext_noop("Name the ticket by its number, such as TKT-000123."), field=field
            )
        number = int(text)
    if not 0 < number < 2**63:
        raise InvalidInput(
            gettext_noop("There is no ticket %(number)s."), values={"number": value}, field=field
        )
    return number


def ticket_number_parse(value: object, *, field: str = "target") -> int:
    """The id of a ticket a person named, by number or id (what the faces take)."""
    return _check_other_id(value, field=field)


# --- merge ----------------------------------------------------------------------------------


def merged_text(actor: User, target: Ticket) -> str:
    return f"This ticket has been merged into {target.number} by {by(actor)}."


def merged_in_text(actor: User, source: Ticket) -> str:
    return (
        f"{source.number} ({source.title}) has been merged into this ticket by {by(actor)}; "
        "its messages are now part of this conversation."
    )


def other_requester_text(source: Ticket) -> str:
    requester = source.requester
    return (
        f"{source.number} was requested by {requester.username} ({requester.email}), not by "
        "this ticket's requester. They are not told of replies here; their public messages "
        "are now visible to this ticket's requester."
    )


@dataclass(frozen=True)
class Merged:
    source: Ticket
    target: Ticket
    moved: int  # messages moved


def tickets_merge(*, actor: User, source_id: int, target: object) -> Merged:
    """Merge ticket ``source_id`` into ``target`` (its id or number): staff only; not into
    itself, not into a ticket merged away, not twice. Tickets of different requesters may be
    merged (as in Zendesk): the survivor keeps its requester, and an internal note says whose
    the other was."""
    _check_staff(actor)
    target_id = _check_other_id(target, field="target")
    if target_id == source_id:
        raise InvalidInput(gettext_noop("A ticket cannot be merged into itself."), field="target")
    with transaction.atomic():
        source, survivor = _lock_pair(actor, source_id, target_id, field="target")
        if source.merged_into_id is not None:
            raise Conflict(
                gettext_noop("%(number)s has already been merged into %(survivor)s."),
                values={
                    "number": source.number,
                    "survivor": Ticket.number_for(source.merged_into_id),
                },
            )
        if survivor.merged_into_id is not None:
            raise InvalidInput(
                gettext_noop(
                    "%(number)s has itself been merged into %(survivor)s; merge into that one "
                    "instead."
                ),
                values={
                    "number": survivor.number,
                    "survivor": Ticket.number_for(survivor.merged_into_id),
                },
                field="target",
            )
        moved = Message.objects.filter(ticket=source).update(ticket=survivor)
        # The pair's link says "merged" from now on (one link per pair: a related one turns).
        older, newer = _pair(source, survivor)
        TicketLink.objects.update_or_create(
            ticket=older,
            other=newer,
            defaults={"kind": TicketLink.Kind.MERGED},
            create_defaults={"kind": TicketLink.Kind.MERGED, "created_by": actor},
        )
        # The source's own changes: closed, pointing at the survivor, said in its conversation.
        fields: list[str] = ["merged_into"]
        changes: list[Change] = []
        source.merged_into = survivor
        if source.status != Status.CLOSED:
            moved_fields, event = _set_status(source, actor, Status.CLOSED)
            fields += moved_fields
            changes.append(event)
        changes.append(
            record_change(source, actor, TicketEvent.Field.MERGED, None, survivor.number)
        )
        changes.append(_system_message(source, merged_text(actor, survivor)))
        touch(source, fields, actor, changes)
        # The survivor's: what joined it, and whose it was when that is someone else.
        joined: list[Change] = [
            record_change(
                survivor, actor, TicketEvent.Field.MERGED, source.number, survivor.number
            ),
            _system_message(survivor, merged_in_text(actor, source)),
        ]
        if source.requester_id != survivor.requester_id:
            joined.append(
                Message.objects.create(
                    ticket=survivor,
                    author_id=actor.pk,
                    body=other_requester_text(source),
                    kind=MessageKind.INTERNAL,
                )
            )
        touch(survivor, [], actor, joined)
    return Merged(source=source, target=survivor, moved=moved)


def ticket_survivor(ticket: Ticket) -> Ticket:
    """The ticket that ``ticket``'s conversation lives in: itself, or the one it was merged
    into (following a chain of merges). For mail threading and redirects."""
    seen = 0
    while ticket.merged_into_id is not None and seen < MERGE_CHAIN_MAX:
        following = Ticket.objects.filter(pk=ticket.merged_into_id).first()
        if following is None:
            break
        ticket, seen = following, seen + 1
    return ticket


def ticket_redirect_for(*, user: User, ticket: Ticket) -> int | None:
    """Where a page of merged ``ticket`` sends ``user``: the survivor's id when they may see
    it, else None (they see the merged ticket as it is, with its system message)."""
    if ticket.merged_into_id is None:
        return None
    survivor = ticket_survivor(ticket)
    if survivor.pk == ticket.pk or not access.may_see_ticket(user, survivor):
        return None
    return survivor.pk


# --- split ----------------------------------------------------------------------------------


def split_text(actor: User, new: Ticket) -> str:
    return f"A message of this ticket has been moved to a new ticket, {new.number}, by {by(actor)}."


def split_from_text(actor: User, source: Ticket) -> str:
    return f"This ticket has been split from {source.number} by {by(actor)}."


def message_split(*, actor: User, message_id: int, title: str | None = None) -> Ticket:
    """Make a public message (with its files) the first message of a new ticket of the same
    requester, linked to the ticket it came from. Not the ticket's first message (that would
    be the whole ticket again), not a note or a system message, not on a merged ticket. The
    title is given, or the old one's with "(split)"."""
    _check_staff(actor)
    with transaction.atomic():
        message = access.message_get(user=actor, message_id=message_id, for_update=True)
        source = access.ticket_get(user=actor, ticket_id=message.ticket_id, for_update=True)
        if message.kind != MessageKind.PUBLIC:
            raise InvalidInput(
                gettext_noop("Only a public message can be split into a ticket of its own.")
            )
        if source.merged_into_id is not None:
            raise InvalidInput(
                gettext_noop("%(number)s has been merged; split from its survivor."),
                values={"number": source.number},
            )
        first = Message.objects.filter(ticket=source).order_by("id").values_list("id", flat=True)
        if first[:1] and first[0] == message.pk:
            raise InvalidInput(
                gettext_noop("The first message is the ticket itself; split a later one.")
            )
        name = (title or "").strip() or f"{source.title} (split)"[: validators.TITLE_MAX]
        name = validators.clean_title(name)
        new = Ticket.objects.create(
            title=name,
            requester_id=source.requester_id,
            created_by=actor,
            organisation_id=source.organisation_id,
            channel=source.channel,
            priority=source.priority,
            category=source.category,
        )
        Message.objects.filter(pk=message.pk).update(ticket=new)
        TicketLink.objects.create(
            ticket=source, other=new, kind=TicketLink.Kind.SPLIT, created_by=actor
        )
        opened = record_change(new, actor, TicketEvent.Field.CREATED, None, new.number)
        touch(
            new,
            [],
            actor,
            [
                opened,
                record_change(new, actor, TicketEvent.Field.SPLIT, source.number, new.number),
                _system_message(new, split_from_text(actor, source)),
            ],
        )
        touch(
            source,
            [],
            actor,
            [
                record_change(source, actor, TicketEvent.Field.SPLIT, None, new.number),
                _system_message(source, split_text(actor, new)),
            ],
        )
    return new


# --- link -----------------------------------------------------------------------------------


def _pair(ticket: Ticket, other: Ticket) -> tuple[Ticket, Ticket]:
    return (ticket, other) if ticket.pk < other.pk else (other, ticket)


def tickets_link(*, actor: User, ticket_id: int, other: object) -> TicketLink:
    """Link two related tickets (staff only): once per pair, not a ticket to itself. History
    on both; customers never see links (tickets/access.py)."""
    _check_staff(actor)
    other_id = _check_other_id(other, field="ticket")
    if other_id == ticket_id:
        raise InvalidInput(gettext_noop("A ticket cannot be linked to itself."), field="ticket")
    with transaction.atomic():
        ticket, linked = _lock_pair(actor, ticket_id, other_id, field="ticket")
        older, newer = _pair(ticket, linked)
        if TicketLink.objects.filter(ticket=older, other=newer).exists():
            raise Conflict(
                gettext_noop("%(number)s and %(other)s are already linked."),
                values={"number": ticket.number, "other": linked.number},
            )
        link = TicketLink.objects.create(ticket=older, other=newer, created_by=actor)
        for one, two in ((ticket, linked), (linked, ticket)):
            touch(
                one,
                [],
                actor,
                [record_change(one, actor, TicketEvent.Field.LINKS, None, two.number)],
            )
    return link


def tickets_unlink(*, actor: User, ticket_id: int, other: object) -> None:
    """Remove the link between two tickets (staff only), with history on both. A split's
    link goes the same way."""
    _check_staff(actor)
    other_id = _check_other_id(other, field="ticket")
    with transaction.atomic():
        ticket, linked = _lock_pair(actor, ticket_id, other_id, field="ticket")
        older, newer = _pair(ticket, linked)
        link = TicketLink.objects.filter(ticket=older, other=newer).first()
        if link is None:
            raise NotFound(
                gettext_noop("%(number)s and %(other)s are not linked."),
                values={"number": ticket.number, "other": linked.number},
            )
        if link.kind == TicketLink.Kind.MERGED:
            raise InvalidInput(
                gettext_noop("A merge cannot be undone, and its link stays."), field="ticket"
            )
        link.delete()
        for one, two in ((ticket, linked), (linked, ticket)):
            touch(
                one,
                [],
                actor,
                [record_change(one, actor, TicketEvent.Field.LINKS, two.number, None)],
            )


# --- reads ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Linked:
    """A ticket linked to the one shown, and how: "related", "split from" (this ticket was
    split from it) or "split into"."""

    ticket: Ticket
    how: str
    created_at: object

    @property
    def removable(self) -> bool:
        """A merge's link stays (a merge cannot be undone)."""
        return not self.how.startswith("merged")


def _links_query(shape: access.Shape, user_id: int, ticket_id: int) -> QuerySet[TicketLink]:
    visible = access.links_visible_to(access.gate_stand_in(shape, user_id))
    return (
        visible.filter(Q(ticket_id=ticket_id) | Q(other_id=ticket_id))
        .select_related("ticket", "other")
        .order_by("id")
    )


# Every agent's ticket page reads it, mostly to find nothing: building and compiling the query
# cost 4-5 ms of CPU against well under one to run it (compiled once per shape).
_links = CompiledRead(_links_query)


def ticket_links(*, user: User, ticket: Ticket) -> list[Linked]:
    """The tickets linked to ``ticket`` as ``user`` may see them (a customer: none), oldest
    link first. One query: the links with the other ticket."""
    if not user.is_staff_member:
        return []
    rows = _links(access.gate_shape(user), user.pk, ticket.pk)
    found = []
    for link in rows:
        mine = link.ticket_id == ticket.pk
        other = link.other if mine else link.ticket
        if link.kind == TicketLink.Kind.SPLIT:
            how = "split into" if mine else "split from"
        elif link.kind == TicketLink.Kind.MERGED:
            how = "merged into this ticket" if other.merged_into_id == ticket.pk else "merged into"
        else:
            how = "related"
        found.append(Linked(ticket=other, how=how, created_at=link.created_at))
    return found


def tickets_merged_into(*, user: User, ticket: Ticket) -> list[Ticket]:
    """The tickets merged into ``ticket`` that ``user`` may see, oldest first."""
    return list(
        access.tickets_visible_to(user)
        .filter(merged_into=ticket)
        .order_by("id")
        .only("id", "title", "requester_id")
    )


def message_ticket_id(*, user: User, message_id: int) -> int:
    """The ticket of a message ``user`` may see (where a refused split goes back to)."""
    return access.message_get(user=user, message_id=message_id).ticket_id
