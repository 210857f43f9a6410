"""File use cases: attach a file (to a ticket, as a new reply or note, or to one's own
message), describe it, delete it. Each records its change in the ticket's history through
services.record_change and moves the ticket's times through services.touch, so that a file
on an internal note changes nothing a customer sees. The plumbing (limits, names, types,
storage) is tickets/files.py; who may see a file is tickets/access.py (as its message)."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import User
from frontdesk.core.errors import InvalidInput, NotAllowed, NotFound
from frontdesk.core.text import is_storable_text
from frontdesk.tickets import access
from frontdesk.tickets.files import (
    attach,
    check_files,
    clean_filename,
    delete_after_commit,
    staged_files,
)
from frontdesk.tickets.models import Attachment, Message, TicketEvent
from frontdesk.tickets.services import message_post, record_change, ticket_of, touch

DESCRIPTION_MAX = 500


def _checked_description(description: str) -> str:
    description = description.strip()
    if not is_storable_text(description):
        raise InvalidInput(
            gettext_noop("The description contains characters that cannot be stored."),
            field="description",
        )
    if len(description) > DESCRIPTION_MAX:
        raise InvalidInput(
            gettext_noop("The description can be at most %(limit)s characters."),
            values={"limit": DESCRIPTION_MAX},
            field="description",
        )
    return description


def attachment_add(
    *,
    actor: User,
    file: UploadedFile,
    message_id: int | None = None,
    ticket_id: int | None = None,
    description: str = "",
    internal: bool = False,
) -> Attachment:
    """Attach one file, either to a message the actor wrote (``message_id``) or to a ticket
    (``ticket_id``), where it arrives as a new reply (or internal note) saying what was
    attached, with every effect a reply has (a closed ticket reopens, ...)."""
    if (message_id is None) == (ticket_id is None):
        raise InvalidInput(gettext_noop("Give either a message or a ticket to attach the file to."))
    description = _checked_description(description)
    if ticket_id is not None:
        with transaction.atomic():
            message = message_post(
                actor=actor,
                ticket_id=ticket_id,
                body=f"Attached {clean_filename(file.name)}.",
                internal=internal,
                files=[file],
            )
            attachment = message.attachments.get()
            if description:
                attachment.description = description
                attachment.save(update_fields=["description"])
        return attachment
    assert message_id is not None
    return _attachment_add_to_message(
        actor=actor, message_id=message_id, file=file, description=description
    )


def _attachment_add_to_message(
    *, actor: User, message_id: int, file: UploadedFile, description: str
) -> Attachment:
    message = access.message_get(user=actor, message_id=message_id)
    if message.author_id != actor.pk:
        raise NotAllowed(gettext_noop("You can only attach files to messages you wrote."))
    already = message.attachments.count()
    with staged_files([file], already=already, uploader=actor) as staged, transaction.atomic():
        # The lock makes concurrent additions count one after the other.
        Message.objects.select_for_update().filter(pk=message.pk).first()
        check_files([file], already=message.attachments.count())
        (attachment,) = attach(staged, message=message, uploader=actor, description=description)
        ticket = ticket_of(message)
        event = record_change(
            ticket,
            actor,
            TicketEvent.Field.ATTACHMENT,
            None,
            attachment.original_name,
            message_kind=message.kind,
        )
        touch(ticket, [], actor, [event])
    return attachment


def _attachment_for_change(actor: User, attachment_id: int, verb: str) -> Attachment:
    """The file, locked, if ``actor`` may change it: its uploader (if staff) or an admin. A
    file ``actor`` may not see is NotFound; customers may not change files (NotAllowed)."""
    attachment = access.attachment_get(user=actor, attachment_id=attachment_id)
    if not (actor.is_admin or (actor.is_staff_member and attachment.uploader_id == actor.pk)):
        raise NotAllowed(
            gettext_noop("Only its uploader (an agent) or an admin can delete a file.")
            if verb == "delete"
            else gettext_noop("Only its uploader (an agent) or an admin can describe a file.")
        )
    locked = Attachment.objects.select_for_update().filter(pk=attachment.pk).first()
    if locked is None:  # deleted meanwhile
        raise NotFound(access.ATTACHMENT_NOT_FOUND)
    locked.message = attachment.message
    return locked


def attachment_describe(*, actor: User, attachment_id: int, description: str) -> Attachment:
    """Change what a file's description says (its uploader, if staff, or an admin). Recorded
    as a change to the file, by its name, as an edited comment is by its id."""
    description = _checked_description(description)
    with transaction.atomic():
        attachment = _attachment_for_change(actor, attachment_id, "describe")
        if attachment.description == description:
            return attachment
        attachment.description = description
        attachment.save(update_fields=["description"])
        ticket = ticket_of(attachment.message)
        name = attachment.original_name
        event = record_change(
            ticket,
            actor,
            TicketEvent.Field.ATTACHMENT,
            name,
            name,
            message_kind=attachment.message.kind,
        )
        touch(ticket, [], actor, [event])
    return attachment


def attachment_delete(*, actor: User, attachment_id: int) -> None:
    """Delete one file: its uploader (if staff) or an admin. A file ``actor`` may not see is
    NotFound; customers may not delete files (NotAllowed). The stored file goes once the
    deletion has committed."""
    with transaction.atomic():
        attachment = _attachment_for_change(actor, attachment_id, "delete")
        ticket = ticket_of(attachment.message)
        event = record_change(
            ticket,
            actor,
            TicketEvent.Field.ATTACHMENT,
            attachment.original_name,
            None,
            message_kind=attachment.message.kind,
        )
        attachment.delete()
        touch(ticket, [], actor, [event])
        delete_after_commit([attachment.file.name])
