"""Ticket use cases. Every rule and permission check for tickets lives here, once.

The SupportMe JSON API, the pages, the REST API and email are thin faces over these functions.
Each runs in one transaction and re-reads the ticket under a row lock, so concurrent actions
(two agents claiming at once, a reply racing a close) end in a defined state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max

from frontdesk.accounts.models import SYSTEM_USER_ID, Role, User
from frontdesk.core import ratelimit
from frontdesk.core.clock import now
from frontdesk.core.errors import Conflict, DomainError, InvalidInput, NotAllowed
from frontdesk.tickets import attachments, validators
from frontdesk.tickets.api_selectors import message_get_for_api
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
from frontdesk.tickets.selectors import agent_get, messages_visible, ticket_get_for_user
from frontdesk.tickets.texts import (
    assigned_text,
    by,
    claimed_text,
    reopened_text,
    status_text,
    unassigned_text,
)

NOT_AUTHORISED = "User is not authenticated to make this request."

# Which status may follow which. Customers may only close and reopen (see _check_transition).
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset(
        {Status.OPEN, Status.IN_PROGRESS, Status.PENDING, Status.RESOLVED, Status.CLOSED}
    ),
    Status.OPEN: frozenset({Status.IN_PROGRESS, Status.PENDING, Status.RESOLVED, Status.CLOSED}),
    Status.IN_PROGRESS: frozenset({Status.OPEN, Status.PENDING, Status.RESOLVED, Status.CLOSED}),
    Status.PENDING: frozenset({Status.OPEN, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED}),
    Status.REOPENED: frozenset(
        {Status.OPEN, Status.IN_PROGRESS, Status.PENDING, Status.RESOLVED, Status.CLOSED}
    ),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.REOPENED}),
    Status.CLOSED: frozenset({Status.REOPENED}),
}
CUSTOMER_TARGETS = frozenset({Status.CLOSED, Status.REOPENED})

COMMAND_CLOSE = "!close"
COMMAND_OPEN = "!open"
COMMAND_CLAIM = "!claim"
COMMANDS = (COMMAND_CLOSE, COMMAND_OPEN, COMMAND_CLAIM)


@dataclass(frozen=True)
class Opened:
    ticket: Ticket
    message: Message


# --- helpers shared by the use cases ------------------------------------------------------


def _system_message(ticket: Ticket, text: str) -> Message:
    return Message.objects.create(
        ticket=ticket, author_id=SYSTEM_USER_ID, body=text, kind=MessageKind.SYSTEM
    )


def _record(ticket: Ticket, actor: User | None, field: str, old: object, new: object) -> None:
    TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        field=field,
        old_value="" if old is None else str(old),
        new_value="" if new is None else str(new),
    )


def _set_status(ticket: Ticket, actor: User, status: str) -> list[str]:
    """Move ``ticket`` to ``status`` in memory, keep its timestamps true, record the event.
    Returns the fields the caller must save."""
    old = ticket.status
    ticket.status = status
    moment = now()
    if status == Status.RESOLVED:
        ticket.resolved_at = moment
    elif status == Status.CLOSED:
        ticket.closed_at = moment
        ticket.resolved_at = ticket.resolved_at or moment
    elif old in DONE_STATUSES:
        ticket.resolved_at = None
        ticket.closed_at = None
    _record(ticket, actor, TicketEvent.Field.STATUS, old, status)
    return ["status", "resolved_at", "closed_at"]


def _touch(
    ticket: Ticket, fields: list[str], actor: User, *, seen_by_requester: bool = True
) -> None:
    """Save the change's fields and its time.

    ``last_activity_at`` moves for every change (the agents' view); ``updated_at`` only for
    changes the requester can see, so an internal note or a new priority does not tell a
    customer, through a timestamp, that something happened. What the actor just did is
    nothing new to them: their own reply or close never shows as unread."""
    moment = now()
    ticket.last_activity_at = moment
    touched = [*fields, "last_activity_at"]
    if seen_by_requester:
        ticket.updated_at = moment
        touched.append("updated_at")
    ticket.save(update_fields=touched)
    ticket_mark_read(user=actor, ticket=ticket)


def _check_transition(actor: User, ticket: Ticket, status: str) -> None:
    if status not in TRANSITIONS:
        raise InvalidInput(f"Unknown status {status!r}.", field="status")
    if status == Status.REOPENED and not ticket.is_done:
        raise InvalidInput("This ticket is already open.", field="status")
    if status == ticket.status:
        if status in DONE_STATUSES:
            raise InvalidInput("This ticket is already closed.", field="status")
        raise InvalidInput(
            f"This ticket is already {Status(status).label.lower()}.", field="status"
        )
    if not actor.is_staff_member and status not in CUSTOMER_TARGETS:
        raise NotAllowed("Customers can only close and reopen their tickets.", field="status")
    if status not in TRANSITIONS[ticket.status]:
        raise InvalidInput(
            f"A ticket that is {Status(ticket.status).label.lower()} cannot become "
            f"{Status(status).label.lower()}.",
            field="status",
        )


# --- use cases ----------------------------------------------------------------------------


def ticket_open_check(*, actor: User, requester: User | None = None) -> User:
    """May ``actor`` open a ticket for ``requester`` (default: themselves)? Returns the
    requester. Faces may call this before reading a request, as SupportMe refuses early."""
    if actor.is_staff_member:
        if requester is None:
            raise NotAllowed(NOT_AUTHORISED)  # SupportMe: assistants cannot open tickets
        if requester.role != Role.CUSTOMER or not requester.is_active:
            raise InvalidInput("Tickets can only be opened for a customer.", field="requester")
        return requester
    if actor.role != Role.CUSTOMER or not actor.is_active:
        raise NotAllowed(NOT_AUTHORISED)
    if requester is not None and requester.pk != actor.pk:
        raise NotAllowed(NOT_AUTHORISED)
    return actor


def ticket_open(
    *,
    actor: User,
    title: str,
    body: str,
    requester: User | None = None,
    channel: str = Channel.WEB,
    files: Sequence[UploadedFile] = (),
) -> Opened:
    """Open a ticket with its first message (and the files on it).

    Customers open tickets for themselves. Agents may not (SupportMe's rule) but may open one
    on behalf of a customer, for an enquiry that came by phone.
    """
    requester = ticket_open_check(actor=actor, requester=requester)
    validators.check_title(title)
    validators.check_message(body)
    # Customers are limited (how often, how many at once); staff opening on a customer's
    # behalf are not.
    own = requester.pk == actor.pk
    hits = ratelimit.limits_hit((ratelimit.TICKET_OPEN_USER, str(actor.pk) if own else None))
    try:
        return _ticket_open(
            actor=actor, title=title, body=body, requester=requester, channel=channel, files=files
        )
    except DomainError:
        ratelimit.limits_release(hits)
        raise


def _open_tickets_cap(requester: User) -> None:
    cap = int(settings.FRONTDESK_MAX_OPEN_TICKETS)
    if cap <= 0:
        return
    # The row lock makes two simultaneous openings count one after the other.
    User.objects.select_for_update().filter(pk=requester.pk).first()
    count = Ticket.objects.filter(requester=requester, status__in=ACTIVE_STATUSES).count()
    if count >= cap:
        raise InvalidInput(
            f"You already have {count} open tickets. "
            "Please wait for one to be closed before opening another."
        )


def _ticket_open(
    *,
    actor: User,
    title: str,
    body: str,
    requester: User,
    channel: str,
    files: Sequence[UploadedFile],
) -> Opened:
    with attachments.staged_files(files) as staged, transaction.atomic():
        if requester.pk == actor.pk:
            _open_tickets_cap(requester)
        ticket = Ticket.objects.create(
            title=title,
            requester=requester,
            created_by=actor,
            organisation_id=requester.organisation_id,
            channel=channel,
        )
        message = Message.objects.create(
            ticket=ticket, author=actor, body=body, kind=MessageKind.PUBLIC
        )
        attachments.attach(staged, message=message, uploader=actor)
        _record(ticket, actor, TicketEvent.Field.CREATED, None, ticket.number)
    return Opened(ticket=ticket, message=message)


def message_post(
    *,
    actor: User,
    ticket_id: int,
    body: str,
    internal: bool = False,
    files: Sequence[UploadedFile] = (),
) -> Message:
    """Add a reply or an internal note (with files), or run a SupportMe command (``!close``,
    ``!open``, ``!claim``). Returns the message written: the reply, or the command's system
    message.

    A public reply into a closed ticket reopens it first, with the seed's system message.
    """
    if body in COMMANDS and not internal:
        if files:
            raise InvalidInput("A command cannot carry files; send them in a reply.", field="files")
        return _run_command(actor=actor, ticket_id=ticket_id, command=body)
    validators.check_message(body)
    if internal and not actor.is_staff_member:
        raise NotAllowed("Only agents can write internal notes.")
    with attachments.staged_files(files) as staged, transaction.atomic():
        ticket = ticket_get_for_user(user=actor, ticket_id=ticket_id, for_update=True)
        fields: list[str] = []
        if not internal:
            if ticket.is_done:
                fields += _set_status(ticket, actor, Status.REOPENED)
                _system_message(ticket, reopened_text(actor))
            is_response = actor.is_staff_member and actor.pk != ticket.requester_id
            if is_response and ticket.first_response_at is None:
                ticket.first_response_at = now()
                fields.append("first_response_at")
            # An answer takes a new ticket into work; a customer's reply ends "pending".
            waiting_on = Status.NEW if is_response else Status.PENDING
            if ticket.status == waiting_on:
                fields += _set_status(ticket, actor, Status.OPEN)
        kind = MessageKind.INTERNAL if internal else MessageKind.PUBLIC
        message = Message.objects.create(ticket=ticket, author=actor, body=body, kind=kind)
        attachments.attach(staged, message=message, uploader=actor)
        _touch(ticket, fields, actor, seen_by_requester=not internal)
    return message


def _run_command(*, actor: User, ticket_id: int, command: str) -> Message:
    if command == COMMAND_CLAIM:
        return ticket_claim(actor=actor, ticket_id=ticket_id)
    target = Status.CLOSED if command == COMMAND_CLOSE else Status.REOPENED
    return ticket_change_status(actor=actor, ticket_id=ticket_id, status=target)


def ticket_claim(*, actor: User, ticket_id: int) -> Message:
    """Take an unassigned ticket. Of two agents claiming at once exactly one wins; the other
    gets a Conflict naming the winner. Claiming a closed ticket reopens it."""
    with transaction.atomic():
        ticket = ticket_get_for_user(user=actor, ticket_id=ticket_id, for_update=True)
        if not actor.is_staff_member:
            raise NotAllowed(NOT_AUTHORISED)
        if ticket.assignee is not None and ticket.assignee_id != actor.pk:
            raise Conflict(f"This ticket has already been claimed by {by(ticket.assignee)}.")
        if ticket.assignee_id == actor.pk and not ticket.is_done:
            raise Conflict("You have already claimed this ticket.")
        # The conditional UPDATE is the arbiter where row locks are not available.
        won = Ticket.objects.filter(pk=ticket.pk, assignee_id=ticket.assignee_id).update(
            assignee=actor
        )
        if not won:
            ticket.refresh_from_db()
            holder = ticket.assignee
            name = by(holder) if holder else "another agent"
            raise Conflict(f"This ticket has already been claimed by {name}.")
        reopened = ticket.is_done
        fields: list[str] = []
        if ticket.assignee_id != actor.pk:
            _record(ticket, actor, TicketEvent.Field.ASSIGNEE, ticket.assignee_id, actor.pk)
        ticket.assignee = actor
        if reopened:
            fields += _set_status(ticket, actor, Status.REOPENED)
        elif ticket.status == Status.NEW:
            fields += _set_status(ticket, actor, Status.OPEN)
        message = _system_message(ticket, claimed_text(actor, reopened=reopened))
        _touch(ticket, fields, actor)
    return message


def ticket_assign(*, actor: User, ticket_id: int, assignee: User | None) -> Message:
    """Give a ticket to an agent (or take it back to the queue with ``None``)."""
    if not actor.is_staff_member:
        raise NotAllowed(NOT_AUTHORISED)
    if assignee is not None and not assignee.is_staff_member:
        raise InvalidInput("Tickets can only be assigned to agents.", field="assignee")
    with transaction.atomic():
        ticket = ticket_get_for_user(user=actor, ticket_id=ticket_id, for_update=True)
        old_id = ticket.assignee_id
        new_id = assignee.pk if assignee else None
        if old_id == new_id:
            raise InvalidInput(
                "The ticket is already assigned to them."
                if assignee
                else "The ticket is already unassigned.",
                field="assignee",
            )
        Ticket.objects.filter(pk=ticket.pk).update(assignee=assignee)
        ticket.assignee = assignee
        _record(ticket, actor, TicketEvent.Field.ASSIGNEE, old_id, new_id)
        fields: list[str] = []
        if assignee is not None and ticket.status == Status.NEW:
            fields += _set_status(ticket, actor, Status.OPEN)
        text = unassigned_text(actor) if assignee is None else assigned_text(assignee, actor)
        message = _system_message(ticket, text)
        _touch(ticket, fields, actor)
    return message


def ticket_change_status(*, actor: User, ticket_id: int, status: str) -> Message:
    """Move a ticket along the workflow; only the transitions in TRANSITIONS are valid."""
    with transaction.atomic():
        ticket = ticket_get_for_user(user=actor, ticket_id=ticket_id, for_update=True)
        _check_transition(actor, ticket, status)
        fields = _set_status(ticket, actor, status)
        message = _system_message(ticket, status_text(actor, status))
        _touch(ticket, fields, actor)
    return message


def ticket_status_choices(*, actor: User, ticket: Ticket) -> list[Status]:
    """The statuses ``actor`` may move ``ticket`` to, in workflow order: what a page offers,
    so that ticket_change_status accepts every choice."""
    allowed = TRANSITIONS.get(ticket.status, frozenset())
    if not actor.is_staff_member:
        allowed &= CUSTOMER_TARGETS
    return [status for status in Status if status in allowed]


def _checked_title(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidInput("The title must be text.", field="title")
    validators.check_title(value)
    return value


# Fields an agent may change with ticket_update, each with the rule that cleans its value.
# Status and assignee have their own use cases (workflow, claim conflicts, system messages).
FIELD_RULES: dict[str, Callable[[Any], Any]] = {
    "title": _checked_title,
    "priority": lambda value: validators.clean_choice(value, Priority, field="priority"),
    "category": lambda value: validators.clean_choice(value, Category, field="category"),
    "tags": validators.clean_tags,
    "due_at": validators.clean_due_at,
    "estimated_hours": lambda value: validators.clean_hours(value, field="estimated_hours"),
    "actual_hours": lambda value: validators.clean_hours(value, field="actual_hours"),
}


def ticket_update(*, actor: User, ticket_id: int, changes: Mapping[str, Any]) -> Ticket:
    """Change a ticket's details (title, priority, category, tags, due date, hours).

    Agents only. A field that cannot be changed here is refused, never silently ignored;
    nothing changes unless every value is valid. Each changed field is recorded in the history.
    """
    unknown = sorted(set(changes) - set(FIELD_RULES))
    if unknown:
        raise InvalidInput(
            f"These fields cannot be changed this way: {', '.join(unknown)}.", field=unknown[0]
        )
    with transaction.atomic():
        ticket = ticket_get_for_user(user=actor, ticket_id=ticket_id, for_update=True)
        if not actor.is_staff_member:
            raise NotAllowed("Only agents can change a ticket's details.")
        cleaned = {name: FIELD_RULES[name](value) for name, value in changes.items()}
        fields: list[str] = []
        for name, value in cleaned.items():
            if name == "tags":
                _set_tags(ticket, actor, value)
                continue
            old = getattr(ticket, name)
            if old != value:
                setattr(ticket, name, value)
                fields.append(name)
                _record(ticket, actor, name, old, value)
        # Of these details a customer's pages show only the title.
        _touch(ticket, fields, actor, seen_by_requester="title" in fields)
    return ticket


def _set_tags(ticket: Ticket, actor: User, names: list[str]) -> None:
    old = sorted(ticket.tags.values_list("name", flat=True))
    if old == names:
        return
    # ignore_conflicts: another request may create the same new tag at the same moment.
    Tag.objects.bulk_create([Tag(name=name) for name in names], ignore_conflicts=True)
    ticket.tags.set(Tag.objects.filter(name__in=names))
    _record(ticket, actor, TicketEvent.Field.TAGS, ", ".join(old), ", ".join(names))


def ticket_mark_read(*, user: User, ticket: Ticket) -> None:
    """Remember that ``user`` has read ``ticket`` up to the newest message they may see.
    Never moves backwards, so an older page view finishing late cannot undo a newer one."""
    newest = messages_visible(user=user, ticket=ticket).aggregate(newest=Max("id"))["newest"]
    if newest is None:
        return
    moment = now()
    moved = TicketRead.objects.filter(
        user=user, ticket=ticket, last_read_message_id__lt=newest
    ).update(last_read_message_id=newest, read_at=moment)
    if not moved:
        # The first visit (or nothing new): a concurrent first visit may insert the row too.
        TicketRead.objects.bulk_create(
            [TicketRead(user=user, ticket=ticket, last_read_message_id=newest, read_at=moment)],
            ignore_conflicts=True,
        )


# --- several changes at once (the REST API's create and update) --------------------------

# The fields ticket_edit takes beside FIELD_RULES: each goes through its own use case.
WORKFLOW_FIELDS = frozenset({"status", "assignee"})
CUSTOMER_EDITABLE = frozenset({"status"})


def _refuse_fields(actor: User, changes: Mapping[str, Any], allowed: frozenset[str]) -> None:
    """Mass assignment is refused, never silently ignored: name the first field."""
    refused = sorted(set(changes) - allowed)
    if refused and not actor.is_staff_member:
        raise NotAllowed(
            f"Customers cannot set these fields: {', '.join(refused)}.", field=refused[0]
        )
    if refused:
        raise InvalidInput(
            f"These fields cannot be changed this way: {', '.join(refused)}.", field=refused[0]
        )


def ticket_edit(*, actor: User, ticket_id: int, changes: Mapping[str, Any]) -> None:
    """Change details, assignee (an agent's id or None) and status together, all or nothing.

    Every value is checked before anything is applied; the three use cases then run in one
    transaction, so a refused status change also undoes the details. A customer may only
    close or reopen. Unchanged status and assignee are left alone (a PUT repeats them)."""
    ticket_get_for_user(user=actor, ticket_id=ticket_id)  # what they may not see is NotFound
    if not actor.is_staff_member:
        _refuse_fields(actor, changes, CUSTOMER_EDITABLE)
    _refuse_fields(actor, changes, frozenset(FIELD_RULES) | WORKFLOW_FIELDS)
    if changes.get("status") is not None:
        validators.clean_choice(changes["status"], Status, field="status")
    details = {name: value for name, value in changes.items() if name in FIELD_RULES}
    for name, value in details.items():
        FIELD_RULES[name](value)
    assignee: User | None = None
    if changes.get("assignee") is not None:
        assignee_id = changes["assignee"]
        if not isinstance(assignee_id, int):
            raise InvalidInput("Choose an agent by id.", field="assignee")
        assignee = agent_get(user=actor, agent_id=assignee_id)
    with transaction.atomic():
        ticket = ticket_get_for_user(user=actor, ticket_id=ticket_id)
        if details:
            ticket_update(actor=actor, ticket_id=ticket_id, changes=details)
        if "assignee" in changes and ticket.assignee_id != (assignee.pk if assignee else None):
            ticket_assign(actor=actor, ticket_id=ticket_id, assignee=assignee)
        status = changes.get("status")
        if status is not None and status != ticket.status:
            ticket_change_status(actor=actor, ticket_id=ticket_id, status=status)


def ticket_create(
    *,
    actor: User,
    title: str,
    body: str,
    requester_id: int | None = None,
    changes: Mapping[str, Any] | None = None,
    channel: str = Channel.API,
) -> Ticket:
    """Open a ticket and, for agents, set its details, assignee and status in the same
    transaction. Customers open for themselves and may set nothing else (refused, 403)."""
    changes = changes or {}
    if not actor.is_staff_member:
        _refuse_fields(actor, changes, frozenset())
        if requester_id not in (None, actor.pk):
            raise NotAllowed("Customers open tickets for themselves.", field="requester")
        requester = None
    else:
        if requester_id is None:
            raise InvalidInput("Name the customer this ticket is for.", field="requester")
        requester = User.objects.filter(pk=requester_id).first() if requester_id > 0 else None
        if requester is None:
            raise InvalidInput("There is no customer with that id.", field="requester")
    ticket_open_check(actor=actor, requester=requester)
    validators.check_title(title)
    validators.check_message(body)
    with transaction.atomic():
        ticket = ticket_open(
            actor=actor, title=title, body=body, requester=requester, channel=channel
        ).ticket
        if changes:
            ticket_edit(actor=actor, ticket_id=ticket.pk, changes=changes)
    return ticket


def ticket_assign_to(*, actor: User, ticket_id: int, assignee_id: int | None) -> Message:
    """ticket_assign by the agent's id (None: back to the queue)."""
    if not actor.is_staff_member:
        raise NotAllowed(NOT_AUTHORISED)
    assignee = None if assignee_id is None else agent_get(user=actor, agent_id=assignee_id)
    return ticket_assign(actor=actor, ticket_id=ticket_id, assignee=assignee)


def ticket_delete(*, actor: User, ticket_id: int) -> None:
    """Delete a ticket with its conversation, files and history. Admins only; the stored files
    go once the deletion has committed."""
    with transaction.atomic():
        ticket = ticket_get_for_user(user=actor, ticket_id=ticket_id, for_update=True)
        if not actor.is_admin:
            raise NotAllowed("Only admins can delete tickets.")
        files = list(
            Attachment.objects.filter(message__ticket=ticket).values_list("file", flat=True)
        )
        ticket.delete()
        transaction.on_commit(lambda: _delete_files(files))


def _delete_files(names: Sequence[str]) -> None:
    storage = Attachment._meta.get_field("file").storage
    for name in names:
        storage.delete(name)


# --- comments: editing and deleting (the REST API) ----------------------------------------


def _message_for_change(actor: User, message_id: int) -> Message:
    """The message, locked, if ``actor`` may change it: its author (staff) or an admin, and
    never a system message. One ``actor`` may not read is NotFound."""
    message_get_for_api(user=actor, message_id=message_id)
    message = Message.objects.select_for_update().get(pk=message_id)
    if message.kind == MessageKind.SYSTEM:
        raise NotAllowed("System messages cannot be changed.")
    if not (actor.is_admin or (actor.is_staff_member and message.author_id == actor.pk)):
        raise NotAllowed("Only its author or an admin can change a comment.")
    return message


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
                "A comment cannot change between public and internal.", field="internal"
            )
        message.body = body
        message.save(update_fields=["body"])
    return message


def message_delete(*, actor: User, message_id: int) -> None:
    """Delete a comment and its files (author or admin). The ticket's first message is its
    description: delete the ticket instead."""
    with transaction.atomic():
        message = _message_for_change(actor, message_id)
        first = Message.objects.filter(ticket_id=message.ticket_id).order_by("id").first()
        if first is not None and first.pk == message.pk:
            raise Conflict("This is the ticket's description; delete the ticket instead.")
        files = list(message.attachments.values_list("file", flat=True))
        message.delete()
        transaction.on_commit(lambda: _delete_files(files))
