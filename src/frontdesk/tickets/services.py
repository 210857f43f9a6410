"""Ticket use cases, one per intent. Every rule and permission check for tickets lives here,
once; what a user may see is tickets/access.py.

The SupportMe JSON API, the pages, the REST API, the admin and email are thin faces over these
functions. Each runs in one transaction and re-reads the ticket under a row lock, so concurrent
actions (two agents claiming at once, a reply racing a close) end in a defined state. Each
writes what it changed as a Message or a TicketEvent, which live/announce.py publishes after
commit; ``touch`` moves the times the requester sees only for changes they can see.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import SYSTEM_USER_ID, Role, User
from frontdesk.accounts.services import customer_create_for_phone_in
from frontdesk.core import compiled, ratelimit
from frontdesk.core.clock import now
from frontdesk.core.compiled import CompiledRead, CompiledUpdate, save_fields
from frontdesk.core.errors import Conflict, DomainError, InvalidInput, NotAllowed
from frontdesk.teams.selectors import default_team_id
from frontdesk.tickets import access, validators, workflow
from frontdesk.tickets.files import (
    Staged,
    attach,
    delete_after_commit,
    staged_files,
)
from frontdesk.tickets.models import (
    ACTIVE_STATUSES,
    DONE_STATUSES,
    Attachment,
    Category,
    Channel,
    Message,
    MessageKind,
    Priority,
    Status,
    Tag,
    Ticket,
    TicketEvent,
    TicketRead,
)
from frontdesk.tickets.selectors import agent_get
from frontdesk.tickets.texts import (
    assigned_text,
    by,
    claimed_text,
    reopened_text,
    status_text,
    taken_over_text,
    unassigned_text,
)

NOT_AUTHORISED = access.NOT_AUTHORISED
STATUS_REQUESTER_ONLY = gettext_noop(
    "Only the person who opened this ticket or an agent can change its status."
)

COMMAND_CLOSE = "!close"
COMMAND_OPEN = "!open"
COMMAND_CLAIM = "!claim"
COMMANDS = (COMMAND_CLOSE, COMMAND_OPEN, COMMAND_CLAIM)

Change = Message | TicketEvent  # what a use case writes down


@dataclass(frozen=True)
class Opened:
    ticket: Ticket
    message: Message


# --- writing changes down (also for tickets/file_services.py) --------------------------------


def _system_message(ticket: Ticket, text: str) -> Message:
    return compiled.create(
        Message, ticket=ticket, author_id=SYSTEM_USER_ID, body=text, kind=MessageKind.SYSTEM
    )


def record_change(
    ticket: Ticket,
    actor: User | None,
    field: str,
    old: object,
    new: object,
    *,
    message_kind: str | None = None,
    resolution: tuple[access.Resolution, access.Resolution] | None = None,
) -> TicketEvent:
    """One history row; ``message_kind`` for a change to a message or its files,
    ``resolution`` (before and after) for a change to the resolution."""
    return compiled.create(
        TicketEvent,
        ticket=ticket,
        actor=actor,
        field=field,
        old_value="" if old is None else str(old),
        new_value="" if new is None else str(new),
        staff_only=not access.requester_sees_event(
            field, message_kind=message_kind, resolution=resolution
        ),
    )


def system_message_write(ticket: Ticket, text: str) -> Message:
    """A system line in ``ticket``'s conversation, for use cases of other modules."""
    return _system_message(ticket, text)


def status_move(ticket: Ticket, actor: User, status: str) -> tuple[list[str], TicketEvent]:
    """:func:`_set_status`, for use cases of other modules (tickets/merging.py)."""
    return _set_status(ticket, actor, status)


def _set_status(ticket: Ticket, actor: User, status: str) -> tuple[list[str], TicketEvent]:
    """Move ``ticket`` to ``status`` in memory with its timestamps (workflow.times_after_move)
    and record it. Returns the fields to save, and the history row."""
    old = ticket.status
    times = workflow.times_after_move(
        old=old,
        new=status,
        moment=now(),
        resolved_at=ticket.resolved_at,
        closed_at=ticket.closed_at,
    )
    ticket.status = status
    ticket.resolved_at, ticket.closed_at = times.resolved_at, times.closed_at
    event = record_change(ticket, actor, TicketEvent.Field.STATUS, old, status)
    return ["status", "resolved_at", "closed_at"], event


def _set_resolution(
    ticket: Ticket, actor: User, *, text: str | None = None, public: bool | None = None
) -> tuple[list[str], list[TicketEvent]]:
    """Change the resolution's text and whether it is public (None: as it is) in memory, and
    record each change with the text or the flag before and after. Returns the fields to
    save, and the history rows."""
    before = (ticket.resolution, ticket.resolution_public)
    after = (before[0] if text is None else text, before[1] if public is None else public)
    fields: list[str] = []
    recorded: list[TicketEvent] = []
    parts: tuple[tuple[str, str, Callable[[Any], str]], ...] = (
        ("resolution", TicketEvent.Field.RESOLUTION, str),
        ("resolution_public", TicketEvent.Field.RESOLUTION_PUBLIC, _flag),
    )
    for (name, field, shown), old, new in zip(parts, before, after, strict=True):
        if old != new:
            setattr(ticket, name, new)
            fields.append(name)
            recorded.append(
                record_change(
                    ticket, actor, field, shown(old), shown(new), resolution=(before, after)
                )
            )
    return fields, recorded


def _flag(value: bool) -> str:
    """A yes/no value in the history, as JSON writes it."""
    return "true" if value else "false"


def touch(ticket: Ticket, fields: list[str], actor: User, changes: Sequence[Change]) -> None:
    """Save the change's fields and its time.

    ``last_activity_at`` moves for every change (the agents' view); ``updated_at`` only when
    the requester can see one of ``changes``, so an internal note or a new priority does not
    tell a customer, through a timestamp, that something happened. What the actor just did is
    nothing new to them: their own reply or close never shows as unread."""
    moment = now()
    ticket.last_activity_at = moment
    touched = [*fields, "last_activity_at"]
    if any(access.requester_sees(change) for change in changes):
        ticket.updated_at = moment
        touched.append("updated_at")
    save_fields(ticket, touched)
    ticket_mark_read(user=actor, ticket=ticket, in_a_change=True)


def check_not_merged(ticket: Ticket) -> None:
    """A merged ticket (tickets/merging.py) stays closed: its conversation goes on in the
    survivor."""
    if ticket.merged_into_id is not None:
        raise Conflict(
            gettext_noop("This ticket has been merged into %(number)s; continue there."),
            values={"number": Ticket.number_for(ticket.merged_into_id)},
        )


def _check_staff(actor: User, message: str = NOT_AUTHORISED) -> None:
    if not actor.is_staff_member:
        raise NotAllowed(message)


# --- opening a ticket ---------------------------------------------------------------------


def ticket_open_check(*, actor: User, requester: User | None = None) -> User:
    """May ``actor`` open a ticket for ``requester`` (default: themselves)? Returns the
    requester. Customers open for themselves; agents on behalf of a customer."""
    if actor.is_staff_member:
        if requester is None:
            raise InvalidInput(
                gettext_noop("Name the customer this ticket is for."), field="requester"
            )
        if requester.role != Role.CUSTOMER or not requester.is_active:
            raise InvalidInput(
                gettext_noop("Tickets can only be opened for a customer."), field="requester"
            )
        return requester
    if actor.role != Role.CUSTOMER or not actor.is_active:
        raise NotAllowed(NOT_AUTHORISED)
    if requester is not None and requester.pk != actor.pk:
        raise NotAllowed(gettext_noop("Customers open tickets for themselves."), field="requester")
    return actor


def ticket_open(
    *,
    actor: User,
    title: str,
    body: str,
    requester: User | None = None,
    channel: str = Channel.WEB,
    files: Sequence[UploadedFile] = (),
    changes: Mapping[str, Any] | None = None,
) -> Opened:
    """Open a ticket with its first message (and the files on it).

    Customers open tickets for themselves, within their limits (how often, how many open at
    once). Agents open one on behalf of a customer (an enquiry by phone) and may set its
    details, assignee and status at once (``changes``, as :func:`ticket_update` takes them),
    all in one transaction."""
    requester = ticket_open_check(actor=actor, requester=requester)
    if changes and not actor.is_staff_member:
        _refuse_fields(actor, changes, frozenset())
    title = validators.clean_title(title)
    validators.check_message(body)
    own = requester.pk == actor.pk
    hits = ratelimit.limits_hit((ratelimit.TICKET_OPEN_USER, str(actor.pk) if own else None))
    try:
        with staged_files(files, uploader=actor) as staged, transaction.atomic():
            opened = _ticket_open(
                actor=actor,
                title=title,
                body=body,
                requester=requester,
                channel=channel,
                staged=staged,
            )
            if changes:
                ticket_update(actor=actor, ticket_id=opened.ticket.pk, changes=changes)
        return opened
    except DomainError:
        ratelimit.limits_release(hits)
        raise


def ticket_open_for_caller(
    *,
    actor: User,
    name: str,
    email: str,
    title: str,
    body: str,
    files: Sequence[UploadedFile] = (),
) -> Opened:
    """Open a ticket for someone who phoned and has no account: their account
    (customer_create_for_phone_in, staff only, without a password) and the ticket, in one
    transaction, so that a ticket refused leaves no account behind."""
    with transaction.atomic():
        requester = customer_create_for_phone_in(actor=actor, name=name, email=email)
        return ticket_open(actor=actor, title=title, body=body, requester=requester, files=files)


def _open_tickets_cap(requester: User) -> None:
    cap = int(settings.FRONTDESK_MAX_OPEN_TICKETS)
    if cap <= 0:
        return
    # The row lock makes two simultaneous openings count one after the other.
    User.objects.select_for_update().filter(pk=requester.pk).first()
    count = Ticket.objects.filter(requester=requester, status__in=ACTIVE_STATUSES).count()
    if count >= cap:
        raise InvalidInput(
            gettext_noop(
                "You already have %(count)s open tickets. "
                "Please wait for one to be closed before opening another."
            ),
            values={"count": count},
        )


def _ticket_open(
    *,
    actor: User,
    title: str,
    body: str,
    requester: User,
    channel: str,
    staged: Sequence[Staged],
) -> Opened:
    if requester.pk == actor.pk:
        _open_tickets_cap(requester)
    ticket = compiled.create(
        Ticket,
        title=title,
        requester=requester,
        created_by=actor,
        organisation_id=requester.organisation_id,
        channel=channel,
        team_id=default_team_id(),  # the desk's default team, if it has one
    )
    message = compiled.create(
        Message, ticket=ticket, author=actor, body=body, kind=MessageKind.PUBLIC
    )
    attach(staged, message=message, uploader=actor)
    record_change(ticket, actor, TicketEvent.Field.CREATED, None, ticket.number)
    return Opened(ticket=ticket, message=message)


# --- the conversation ---------------------------------------------------------------------


def message_post(
    *,
    actor: User,
    ticket_id: int,
    body: str,
    internal: bool = False,
    files: Sequence[UploadedFile] = (),
    claim_if_unassigned: bool = False,
) -> Message:
    """Add a reply or an internal note (with files), or run a SupportMe command (``!close``,
    ``!open``, ``!claim``). Returns the message written: the reply, or the command's system
    message.

    A public reply into a closed ticket reopens it first, with the seed's system message.
    With ``claim_if_unassigned`` (the pages' choice; SupportMe keeps its explicit ``!claim``)
    an agent's public reply to an unassigned ticket also claims it, as a claim would: a
    history row and the claim's system message, in the same transaction.
    """
    if body in COMMANDS and not internal:
        if files:
            raise InvalidInput(
                gettext_noop("A command cannot carry files; send them in a reply."), field="files"
            )
        return _run_command(actor=actor, ticket_id=ticket_id, command=body)
    validators.check_message(body)
    if internal and not actor.is_staff_member:
        raise NotAllowed(gettext_noop("Only agents can write internal notes."))
    # Customers' replies are rate limited (staff's are not); one refused by a rule is not
    # counted.
    customer = None if actor.is_staff_member else str(actor.pk)
    hits = ratelimit.limits_hit((ratelimit.REPLY_USER, customer))
    try:
        return _message_post(
            actor=actor,
            ticket_id=ticket_id,
            body=body,
            internal=internal,
            files=files,
            claim_if_unassigned=claim_if_unassigned,
        )
    except DomainError:
        ratelimit.limits_release(hits)
        raise


def _message_post(
    *,
    actor: User,
    ticket_id: int,
    body: str,
    internal: bool,
    files: Sequence[UploadedFile],
    claim_if_unassigned: bool,
) -> Message:
    with staged_files(files, uploader=actor) as staged, transaction.atomic():
        ticket = access.ticket_get(user=actor, ticket_id=ticket_id, for_update=True)
        check_not_merged(ticket)
        fields: list[str] = []
        changes: list[Change] = []
        if not internal:
            if ticket.is_done:
                moved, event = _set_status(ticket, actor, Status.REOPENED)
                fields += moved
                changes += [event, _system_message(ticket, reopened_text(actor))]
            is_response = actor.is_staff_member and actor.pk != ticket.requester_id
            if claim_if_unassigned and is_response and ticket.assignee_id is None:
                changes += _claim_unassigned(ticket, actor)
            if is_response and ticket.first_response_at is None:
                ticket.first_response_at = now()
                fields.append("first_response_at")
            # An answer takes a new ticket into work; a customer's reply ends "pending".
            waiting_on = Status.NEW if is_response else Status.PENDING
            if ticket.status == waiting_on:
                moved, event = _set_status(ticket, actor, Status.OPEN)
                fields += moved
                changes.append(event)
        kind = MessageKind.INTERNAL if internal else MessageKind.PUBLIC
        message = compiled.create(Message, ticket=ticket, author=actor, body=body, kind=kind)
        attach(staged, message=message, uploader=actor)
        touch(ticket, fields, actor, [*changes, message])
    return message


def _claim_unassigned(ticket: Ticket, actor: User) -> list[Change]:
    """Give the locked, unassigned ``ticket`` to ``actor`` as a claim does, its status aside.
    The conditional UPDATE is the arbiter where row locks are not available."""
    if not Ticket.objects.filter(pk=ticket.pk, assignee__isnull=True).update(assignee=actor):
        ticket.refresh_from_db(fields=["assignee"])
        holder = ticket.assignee
        raise Conflict(
            gettext_noop("This ticket has just been claimed by %(who)s."),
            values={"who": by(holder) if holder else "another agent"},
        )
    event = record_change(ticket, actor, TicketEvent.Field.ASSIGNEE, None, actor.pk)
    ticket.assignee = actor
    return [event, _system_message(ticket, claimed_text(actor, reopened=False))]


def ticket_reply(
    *,
    actor: User,
    ticket_id: int,
    body: str,
    files: Sequence[UploadedFile] = (),
    then_status: str | None = None,
    claim_if_unassigned: bool = False,
) -> Message:
    """A public reply and, with ``then_status``, the ticket moved on in the same transaction
    ("Send and close", "Send and set Pending"): both happen or neither. A ticket already in
    ``then_status`` after the reply stays as it is. Returns the reply."""
    if then_status is not None and then_status not in Status.values:
        raise InvalidInput(
            gettext_noop("Unknown status %(status)s."),
            values={"status": repr(then_status)},
            field="status",
        )
    with transaction.atomic():
        message = message_post(
            actor=actor,
            ticket_id=ticket_id,
            body=body,
            files=files,
            claim_if_unassigned=claim_if_unassigned,
        )
        if then_status is not None and message.kind == MessageKind.PUBLIC:
            current = Ticket.objects.values_list("status", flat=True).get(pk=ticket_id)
            if current != then_status:
                ticket_change_status(actor=actor, ticket_id=ticket_id, status=then_status)
    return message


def _run_command(*, actor: User, ticket_id: int, command: str) -> Message:
    if command == COMMAND_CLAIM:
        return ticket_claim(actor=actor, ticket_id=ticket_id)
    target = Status.CLOSED if command == COMMAND_CLOSE else Status.REOPENED
    return ticket_change_status(actor=actor, ticket_id=ticket_id, status=target)


def _message_for_change(actor: User, message_id: int) -> Message:
    """The message, locked, if ``actor`` may change it: its author (staff) or an admin, and
    never a system message. One ``actor`` may not read is NotFound."""
    message = access.message_get(user=actor, message_id=message_id, for_update=True)
    if message.kind == MessageKind.SYSTEM:
        raise NotAllowed(gettext_noop("System messages cannot be changed."))
    if not (actor.is_admin or (actor.is_staff_member and message.author_id == actor.pk)):
        raise NotAllowed(gettext_noop("Only its author or an admin can change a comment."))
    return message


def ticket_of(message: Message) -> Ticket:
    """The message's ticket, locked: its times are about to move."""
    return Ticket.objects.select_for_update().get(pk=message.ticket_id)


def message_edit(
    *, actor: User, message_id: int, body: str, internal: bool | None = None
) -> Message:
    """Correct a comment's text (author or admin). A comment cannot turn from a public reply
    into an internal note or back: the customer may already have read it."""
    validators.check_message(body)
    with transaction.atomic():
        message = _message_for_change(actor, message_id)
        if internal is not None and internal != (message.kind == MessageKind.INTERNAL):
            raise InvalidInput(
                gettext_noop("A comment cannot change between public and internal."),
                field="internal",
            )
        if message.body == body:
            return message
        message.body = body
        message.save(update_fields=["body"])
        ticket = ticket_of(message)
        event = record_change(
            ticket,
            actor,
            TicketEvent.Field.COMMENT,
            message.pk,
            message.pk,
            message_kind=message.kind,
        )
        touch(ticket, [], actor, [event])
    return message


def message_delete(*, actor: User, message_id: int) -> None:
    """Delete a comment and its files (author or admin). The ticket's first message is its
    description: delete the ticket instead."""
    with transaction.atomic():
        message = _message_for_change(actor, message_id)
        first = Message.objects.filter(ticket_id=message.ticket_id).order_by("id").first()
        if first is not None and first.pk == message.pk:
            raise Conflict(
                gettext_noop("This is the ticket's description; delete the ticket instead.")
            )
        stored = list(message.attachments.values_list("file", flat=True))
        ticket = ticket_of(message)
        event = record_change(
            ticket, actor, TicketEvent.Field.COMMENT, message.pk, None, message_kind=message.kind
        )
        message.delete()
        touch(ticket, [], actor, [event])
        delete_after_commit(stored)


# --- workflow: claim, assign, status ------------------------------------------------------


def ticket_claim(*, actor: User, ticket_id: int) -> Message:
    """Take an unassigned ticket. Of two agents claiming at once exactly one wins; the other
    gets a Conflict naming the winner. Claiming a closed ticket reopens it."""
    with transaction.atomic():
        ticket = access.ticket_get(user=actor, ticket_id=ticket_id, for_update=True)
        _check_staff(actor)
        check_not_merged(ticket)
        if ticket.assignee is not None and ticket.assignee_id != actor.pk:
            raise Conflict(
                gettext_noop("This ticket has already been claimed by %(who)s."),
                values={"who": by(ticket.assignee)},
            )
        if ticket.assignee_id == actor.pk and not ticket.is_done:
            raise Conflict(gettext_noop("You have already claimed this ticket."))
        # The conditional UPDATE is the arbiter where row locks are not available.
        won = Ticket.objects.filter(pk=ticket.pk, assignee_id=ticket.assignee_id).update(
            assignee=actor
        )
        if not won:
            ticket.refresh_from_db()
            holder = ticket.assignee
            name = by(holder) if holder else "another agent"
            raise Conflict(
                gettext_noop("This ticket has already been claimed by %(who)s."),
                values={"who": name},
            )
        reopened = ticket.is_done
        fields: list[str] = []
        changes: list[Change] = []
        if ticket.assignee_id != actor.pk:
            changes.append(
                record_change(
                    ticket, actor, TicketEvent.Field.ASSIGNEE, ticket.assignee_id, actor.pk
                )
            )
        ticket.assignee = actor
        if reopened or ticket.status == Status.NEW:
            moved, event = _set_status(ticket, actor, Status.REOPENED if reopened else Status.OPEN)
            fields += moved
            changes.append(event)
        message = _system_message(ticket, claimed_text(actor, reopened=reopened))
        touch(ticket, fields, actor, [*changes, message])
    return message


def ticket_claim_possible(*, actor: User, ticket: Ticket) -> bool:
    """Would :func:`ticket_claim` succeed for ``actor`` now? What a page offers."""
    if not actor.is_staff_member:
        return False
    return ticket.assignee_id is None or (ticket.assignee_id == actor.pk and ticket.is_done)


def ticket_take_over_possible(*, actor: User, ticket: Ticket) -> bool:
    """Would :func:`ticket_take_over` succeed for ``actor`` now? What a page offers."""
    return actor.is_staff_member and ticket.assignee_id not in (None, actor.pk)


def ticket_take_over(*, actor: User, ticket_id: int, from_id: int | None = None) -> Message:
    """Take a colleague's ticket (any agent may, on purpose: a claim never does). With
    ``from_id``, only if it is still theirs: a page's confirmation names whom it takes from,
    and a ticket that changed hands meanwhile is a Conflict, not a silent second take."""
    _check_staff(actor)
    with transaction.atomic():
        ticket = access.ticket_get(user=actor, ticket_id=ticket_id, for_update=True)
        previous = ticket.assignee
        if previous is None:
            raise Conflict(gettext_noop("Nobody has this ticket: claim it instead."))
        if previous.pk == actor.pk:
            raise Conflict(gettext_noop("This ticket is already yours."))
        if from_id is not None and previous.pk != from_id:
            raise Conflict(
                gettext_noop("This ticket has meanwhile gone to %(who)s."),
                values={"who": by(previous)},
            )
        if not Ticket.objects.filter(pk=ticket.pk, assignee_id=previous.pk).update(assignee=actor):
            raise Conflict(gettext_noop("This ticket has just changed hands; look again."))
        ticket.assignee = actor
        changes: list[Change] = [
            record_change(ticket, actor, TicketEvent.Field.ASSIGNEE, previous.pk, actor.pk)
        ]
        message = _system_message(ticket, taken_over_text(actor, previous))
        touch(ticket, [], actor, [*changes, message])
    return message


def ticket_assign(*, actor: User, ticket_id: int, assignee_id: int | None) -> Message:
    """Give a ticket to an agent, by id (an active agent or admin), or back to the queue with
    ``None``."""
    _check_staff(actor)
    assignee = None if assignee_id is None else agent_get(user=actor, agent_id=assignee_id)
    with transaction.atomic():
        ticket = access.ticket_get(user=actor, ticket_id=ticket_id, for_update=True)
        old_id = ticket.assignee_id
        if old_id == assignee_id:
            raise InvalidInput(
                gettext_noop("The ticket is already assigned to them.")
                if assignee
                else gettext_noop("The ticket is already unassigned."),
                field="assignee",
            )
        Ticket.objects.filter(pk=ticket.pk).update(assignee=assignee)
        ticket.assignee = assignee
        changes: list[Change] = [
            record_change(ticket, actor, TicketEvent.Field.ASSIGNEE, old_id, assignee_id)
        ]
        fields: list[str] = []
        if assignee is not None and ticket.status == Status.NEW:
            moved, event = _set_status(ticket, actor, Status.OPEN)
            fields += moved
            changes.append(event)
        text = unassigned_text(actor) if assignee is None else assigned_text(assignee, actor)
        message = _system_message(ticket, text)
        touch(ticket, fields, actor, [*changes, message])
    return message


def ticket_assign_by_system(*, ticket: Ticket, assignee: User | None, why: str) -> Message:
    """The worker's :func:`ticket_assign` (teams/routing.py): give ``ticket``, locked by the
    caller, to ``assignee`` (None: back to the queue) as System, the conversation saying
    ``why``. The caller has chosen the agent by its own rules."""
    system = User.objects.get(pk=SYSTEM_USER_ID)
    old_id = ticket.assignee_id
    ticket.assignee = assignee
    changes: list[Change] = [
        record_change(
            ticket, system, TicketEvent.Field.ASSIGNEE, old_id, assignee.pk if assignee else None
        )
    ]
    fields = ["assignee"]
    if assignee is not None and ticket.status == Status.NEW:
        moved, event = _set_status(ticket, system, Status.OPEN)
        fields += moved
        changes.append(event)
    message = _system_message(ticket, why)
    touch(ticket, fields, system, [*changes, message])
    return message


def ticket_change_status(
    *,
    actor: User,
    ticket_id: int,
    status: str,
    resolution: str | None = None,
    resolution_public: bool | None = None,
) -> Message:
    """Move a ticket along the workflow (workflow.TRANSITIONS).

    An agent resolving or closing a ticket may say how the problem was solved: ``resolution``
    replaces the text the ticket had (an earlier resolve's, kept when it was reopened), and
    ``resolution_public`` says whether the customer may read it. Left out (None), both stay
    as they are; resolving without a resolution is allowed."""
    given = {
        name: value
        for name, value in (("resolution", resolution), ("resolution_public", resolution_public))
        if value is not None
    }
    if given and not actor.is_staff_member:
        _refuse_fields(actor, given, frozenset())
    text = None if resolution is None else validators.clean_resolution(resolution)
    public = (
        None
        if resolution_public is None
        else validators.clean_flag(resolution_public, field="resolution_public")
    )
    with transaction.atomic():
        ticket = access.ticket_get(user=actor, ticket_id=ticket_id, for_update=True)
        check_not_merged(ticket)
        if not actor.is_staff_member and actor.pk != ticket.requester_id:
            raise NotAllowed(STATUS_REQUESTER_ONLY)  # a person copied on it (CC) only reads
        workflow.check_transition(
            is_staff=actor.is_staff_member, current=ticket.status, target=status
        )
        if given and status not in DONE_STATUSES:
            raise InvalidInput(
                gettext_noop(
                    "A resolution goes with resolving or closing the ticket; "
                    "to change it otherwise, edit the resolution itself."
                ),
                field=next(iter(given)),
            )
        fields, event = _set_status(ticket, actor, status)
        changes: list[Change] = [event]
        if given:
            moved, recorded = _set_resolution(ticket, actor, text=text, public=public)
            fields += moved
            changes += recorded
        message = _system_message(ticket, status_text(actor, status))
        touch(ticket, fields, actor, [*changes, message])
    return message


def ticket_status_choices(*, actor: User, ticket: Ticket) -> list[Status]:
    """The statuses ``actor`` may move ``ticket`` to: what a page offers."""
    if not actor.is_staff_member and actor.pk != ticket.requester_id:
        return []
    return workflow.allowed_targets(is_staff=actor.is_staff_member, current=ticket.status)


# --- details ------------------------------------------------------------------------------


def _checked_title(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidInput(gettext_noop("The title must be text."), field="title")
    return validators.clean_title(value)


# The details ticket_update changes itself, each with the rule that cleans its value.
DETAIL_RULES: dict[str, Callable[[Any], Any]] = {
    "title": _checked_title,
    "priority": lambda value: validators.clean_choice(value, Priority, field="priority"),
    "category": lambda value: validators.clean_choice(value, Category, field="category"),
    "tags": validators.clean_tags,
    "due_at": validators.clean_due_at,
    "estimated_hours": lambda value: validators.clean_hours(value, field="estimated_hours"),
    "actual_hours": lambda value: validators.clean_hours(value, field="actual_hours"),
    "resolution": validators.clean_resolution,
    "resolution_public": lambda value: validators.clean_flag(value, field="resolution_public"),
}
# Details recorded together (_set_resolution): whether a change shows depends on both.
RESOLUTION_DETAILS = frozenset({"resolution", "resolution_public"})
# Fields ticket_update hands to their own use cases (claim conflicts, workflow, messages).
WORKFLOW_FIELDS = frozenset({"status", "assignee"})
UPDATABLE = frozenset(DETAIL_RULES) | WORKFLOW_FIELDS
CUSTOMER_UPDATABLE = frozenset({"status"})


def _refuse_fields(actor: User, changes: Mapping[str, Any], allowed: frozenset[str]) -> None:
    """Mass assignment is refused, never silently ignored: name the first field."""
    refused = sorted(set(changes) - allowed)
    if refused and not actor.is_staff_member:
        raise NotAllowed(
            gettext_noop("Customers cannot set these fields: %(fields)s."),
            values={"fields": ", ".join(refused)},
            field=refused[0],
        )
    if refused:
        raise InvalidInput(
            gettext_noop("These fields cannot be changed this way: %(fields)s."),
            values={"fields": ", ".join(refused)},
            field=refused[0],
        )


def ticket_update(*, actor: User, ticket_id: int, changes: Mapping[str, Any]) -> Ticket:
    """Change a ticket: details (title, priority, category, tags, due date, hours, the
    resolution and whether it is public), assignee (an agent's id, or None) and status,
    together and all or nothing.

    Every value is checked before anything is applied. A customer may only close or reopen.
    A field that cannot be changed is refused, never ignored; unchanged values are left alone
    (a PUT repeats them). Each change is recorded in the history."""
    with transaction.atomic():
        # First what they may not see (NotFound), then every value, then the changes.
        ticket = access.ticket_get(user=actor, ticket_id=ticket_id, for_update=True)
        _refuse_fields(actor, changes, UPDATABLE if actor.is_staff_member else CUSTOMER_UPDATABLE)
        status = changes.get("status")
        if status is not None:
            validators.clean_choice(status, Status, field="status")
        details = {
            name: DETAIL_RULES[name](value)
            for name, value in changes.items()
            if name in DETAIL_RULES
        }
        assignee_id = changes.get("assignee")
        if assignee_id is not None:
            if not isinstance(assignee_id, int) or isinstance(assignee_id, bool):
                raise InvalidInput(gettext_noop("Choose an agent by id."), field="assignee")
            agent_get(user=actor, agent_id=assignee_id)
        if details:
            fields, recorded = _apply_details(ticket, actor, details)
            if recorded:
                touch(ticket, fields, actor, recorded)
        if "assignee" in changes and ticket.assignee_id != assignee_id:
            ticket_assign(actor=actor, ticket_id=ticket_id, assignee_id=assignee_id)
            ticket.refresh_from_db(fields=["status"])  # assigning takes a new ticket to Open
        if status is not None and status != ticket.status:
            ticket_change_status(actor=actor, ticket_id=ticket_id, status=status)
    ticket.refresh_from_db()
    return ticket


def _apply_details(
    ticket: Ticket, actor: User, details: Mapping[str, Any]
) -> tuple[list[str], list[TicketEvent]]:
    fields: list[str] = []
    recorded: list[TicketEvent] = []
    for name, value in details.items():
        if name in RESOLUTION_DETAILS:
            continue
        if name == "tags":
            recorded += _set_tags(ticket, actor, value)
            continue
        old = getattr(ticket, name)
        if old != value:
            setattr(ticket, name, value)
            fields.append(name)
            recorded.append(record_change(ticket, actor, name, old, value))
    if RESOLUTION_DETAILS & set(details):
        moved, events = _set_resolution(
            ticket,
            actor,
            text=details.get("resolution"),
            public=details.get("resolution_public"),
        )
        fields += moved
        recorded += events
    return fields, recorded


def _set_tags(ticket: Ticket, actor: User, names: list[str]) -> list[TicketEvent]:
    old = sorted(ticket.tags.values_list("name", flat=True))
    if old == names:
        return []
    # ignore_conflicts: another request may create the same new tag at the same moment.
    Tag.objects.bulk_create([Tag(name=name) for name in names], ignore_conflicts=True)
    ticket.tags.set(Tag.objects.filter(name__in=names))
    return [record_change(ticket, actor, TicketEvent.Field.TAGS, ", ".join(old), ", ".join(names))]


# --- deleting, reading --------------------------------------------------------------------


def ticket_delete(*, actor: User, ticket_id: int) -> None:
    """Delete a ticket with its conversation, files and history (admins only). Its history
    goes with it; live/announce.py tells the pages that showed it. The stored files go once
    the deletion has committed."""
    with transaction.atomic():
        ticket = access.ticket_get(user=actor, ticket_id=ticket_id, for_update=True)
        if not actor.is_admin:
            raise NotAllowed(gettext_noop("Only admins can delete tickets."))
        stored = list(
            Attachment.objects.filter(message__ticket=ticket).values_list("file", flat=True)
        )
        ticket.delete()
        delete_after_commit(stored)


def _newest_message_query(shape: str, ticket_id: int) -> QuerySet[Message]:
    return access.messages_on_any(shape, ticket_id).order_by("-id").only("id")[:1]


def _read_up_to_query(
    shape: None, user_id: int, ticket_id: int
) -> QuerySet[TicketRead, tuple[int]]:
    return TicketRead.objects.filter(user_id=user_id, ticket_id=ticket_id).values_list(
        "last_read_message_id"
    )


def _read_marker_query(
    shape: None, user_id: int, ticket_id: int, newest: int, moment: datetime
) -> tuple[QuerySet[TicketRead], dict[str, Any]]:
    marker = TicketRead.objects.filter(
        user_id=user_id, ticket_id=ticket_id, last_read_message_id__lt=newest
    )
    return marker, {"last_read_message_id": newest, "read_at": moment}


# Every reply and page view marks the ticket read: compiled once (core/compiled.py).
_newest_message = CompiledRead(_newest_message_query)
_read_up_to = CompiledRead(_read_up_to_query)
_read_marker_moved = CompiledUpdate(_read_marker_query)


def ticket_mark_read(*, user: User, ticket: Ticket, in_a_change: bool = False) -> None:
    """Remember that ``user`` has read ``ticket`` up to the newest message they may see.
    Never moves backwards, so an older page view finishing late cannot undo a newer one.

    A page shown again with nothing new writes nothing: the marker is read first, then moved
    (an UPDATE) or made (the first visit, an INSERT). It used to try the UPDATE and then an
    INSERT that SQLite ignored: a write transaction and its commit for every view, waiting
    its turn behind every writer. ``in_a_change``: called from a change's own write
    transaction, which usually writes the newest message: the marker is written straight
    away, not read first."""
    if not access.may_see_ticket(user, ticket):
        return  # messages_on: nothing to read
    found = _newest_message(access.gate_shape(user), ticket.pk)
    if not found:
        return
    newest = found[0].pk
    read = None if in_a_change else _read_up_to(None, user.pk, ticket.pk)
    if read and read[0][0] >= newest:
        return
    moment = now()
    if read == [] or not _read_marker_moved(None, user.pk, ticket.pk, newest, moment):
        # The first visit (or nothing new in a change): a concurrent first visit may insert
        # the row too.
        TicketRead.objects.bulk_create(
            [TicketRead(user=user, ticket=ticket, last_read_message_id=newest, read_at=moment)],
            ignore_conflicts=True,
        )
