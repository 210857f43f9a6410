"""Saved-reply use cases: managing replies, and using one on a ticket.

Agents and admins keep personal replies (only their owner sees and changes them); shared
replies are seen by every agent and changed by admins only. Customers have none.

Using a reply has two moments. Inserting it into the reply box only reads
(selectors.saved_reply_render: the text with its placeholders filled in). Sending the message
written from it applies its macro, the status to set and the tag to add, through the ticket
use cases, in the transaction that posts the message (:func:`saved_reply_use`): the changes
happen only if the message is sent, and the message is sent only if the changes can be made.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import User
from frontdesk.core.clock import now
from frontdesk.core.errors import Conflict, InvalidInput, NotAllowed, Said
from frontdesk.core.text import is_storable_text
from frontdesk.replies import placeholders
from frontdesk.replies.models import SavedReply
from frontdesk.replies.selectors import check_agent, saved_reply_get, saved_reply_render
from frontdesk.tickets import access, services, validators
from frontdesk.tickets.models import Message, Status

NAME_MAX = 100
BODY_MAX = 10_000
SHORTCUT_MAX = 30
REPLIES_MAX = 500  # personal replies per agent, and shared replies
_SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# What a macro may set: any status a ticket that has just had a reply can move to.
MACRO_STATUSES = (Status.OPEN, Status.IN_PROGRESS, Status.PENDING, Status.RESOLVED, Status.CLOSED)

SHARED_FOR_ADMINS = gettext_noop("Only admins can change shared saved replies.")
NAME_HINT = f"Up to {NAME_MAX} characters; you find the reply by it."
SHORTCUT_HINT = (
    "One word (letters, digits, - and _): type / and the word in the reply box to insert "
    "this reply."
)
BODY_HINT = (
    f"Up to {BODY_MAX:,} characters. The placeholders listed below the box are filled in for "
    "the ticket when you insert the reply."
)

T = TypeVar("T")


# --- the rules for each field -----------------------------------------------------------------


def _text(value: object, *, field: str, label: str) -> str:
    # The field's name said in the reader's language (the catalogue's "model" context, where
    # the fields' names are): "Rellena el campo título.", not "... title.".
    named = Said(label, context="model")
    if not isinstance(value, str):
        raise InvalidInput(
            gettext_noop("The %(label)s must be text."), values={"label": named}, field=field
        )
    if not is_storable_text(value):
        raise InvalidInput(
            gettext_noop("The %(label)s contains characters that cannot be stored."),
            values={"label": named},
            field=field,
        )
    return value


def _clean_name(value: object) -> str:
    name = " ".join(_text(value, field="name", label="name").split())
    if not name:
        raise InvalidInput(gettext_noop("Give the saved reply a name."), field="name")
    if len(name) > NAME_MAX:
        raise InvalidInput(
            gettext_noop("The name can be at most %(limit)s characters."),
            values={"limit": NAME_MAX},
            field="name",
        )
    return name


def _clean_body(value: object) -> str:
    body = _text(value, field="body", label="text").replace("\r\n", "\n").replace("\r", "\n")
    body = body.strip("\n")
    if not body.strip():
        raise InvalidInput(gettext_noop("Write the text of the saved reply."), field="body")
    if len(body) > BODY_MAX:
        raise InvalidInput(
            gettext_noop("The text can be at most %(limit)s characters."),
            values={"limit": f"{BODY_MAX:,}"},
            field="body",
        )
    placeholders.check_placeholders(body, field="body")
    return body


def _clean_shortcut(value: object) -> str:
    shortcut = _text(value, field="shortcut", label="shortcut").strip().lower().lstrip("/")
    if shortcut and (len(shortcut) > SHORTCUT_MAX or not _SHORTCUT.match(shortcut)):
        raise InvalidInput(
            gettext_noop(
                "A shortcut is one word of letters, digits, - and _, at most %(limit)s characters."
            ),
            values={"limit": SHORTCUT_MAX},
            field="shortcut",
        )
    return shortcut


def _clean_status(value: object) -> str:
    if value in ("", None):
        return ""
    if value not in MACRO_STATUSES:
        allowed = ", ".join(MACRO_STATUSES)
        raise InvalidInput(
            gettext_noop("Unknown status %(status)s: use one of %(allowed)s, or none."),
            values={"status": repr(value), "allowed": allowed},
            field="set_status",
        )
    return str(value)


def _clean_tag(value: object) -> str:
    tag = _text("" if value is None else value, field="add_tag", label="tag")
    if not tag.strip():
        return ""
    try:
        (cleaned,) = validators.clean_tags([tag])
    except InvalidInput as exc:
        raise InvalidInput(exc.text, values=exc.values, field="add_tag") from None
    return cleaned


def _clean_shared(value: object) -> bool:
    return validators.clean_flag(value, field="shared")


RULES: dict[str, Callable[[Any], Any]] = {
    "name": _clean_name,
    "body": _clean_body,
    "shortcut": _clean_shortcut,
    "set_status": _clean_status,
    "add_tag": _clean_tag,
    "shared": _clean_shared,
}


def _cleaned(changes: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(changes) - set(RULES))
    if unknown:
        raise InvalidInput(
            gettext_noop("These fields cannot be set: %(fields)s."),
            values={"fields": ", ".join(unknown)},
            field=unknown[0],
        )
    return {name: RULES[name](value) for name, value in changes.items()}


# --- managing replies -------------------------------------------------------------------------


def _check_may_change(actor: User, *, shared: bool) -> None:
    check_agent(actor)
    if shared and not actor.is_admin:
        raise NotAllowed(SHARED_FOR_ADMINS, field="shared")


def _check_name_free(name: str, owner: User | None, *, reply_id: int | None = None) -> None:
    same = SavedReply.objects.annotate(folded=Lower("name")).filter(
        folded=name.lower(), owner=owner
    )
    if reply_id is not None:
        same = same.exclude(pk=reply_id)
    if same.exists():
        raise InvalidInput(
            gettext_noop("There is already a shared reply named %(name)s.")
            if owner is None
            else gettext_noop("There is already a saved reply of yours named %(name)s."),
            values={"name": repr(name)},
            field="name",
        )


def _check_room(owner: User | None) -> None:
    if SavedReply.objects.filter(Q(owner=owner) if owner else Q(owner__isnull=True)).count() >= (
        REPLIES_MAX
    ):
        raise InvalidInput(
            gettext_noop(
                "There can be at most %(limit)s shared saved replies: delete one you no longer "
                "use first."
            )
            if owner is None
            else gettext_noop(
                "There can be at most %(limit)s personal saved replies: delete one you no "
                "longer use first."
            ),
            values={"limit": REPLIES_MAX},
        )


def _save(reply: SavedReply, fields: list[str] | None = None) -> SavedReply:
    """Save inside a savepoint: a name taken at the same moment is a Conflict, not a 500."""
    try:
        with transaction.atomic():
            reply.save(update_fields=fields)
    except IntegrityError as exc:
        raise Conflict(
            gettext_noop("A saved reply named %(name)s was just made; choose another name."),
            values={"name": repr(reply.name)},
            field="name",
        ) from exc
    return reply


def saved_reply_create(
    *,
    actor: User,
    name: str,
    body: str,
    shortcut: str = "",
    shared: bool = False,
    set_status: str = "",
    add_tag: str = "",
) -> SavedReply:
    """A new saved reply: personal (the actor's), or shared with every agent (admins only)."""
    details = _cleaned(
        {
            "name": name,
            "body": body,
            "shortcut": shortcut,
            "shared": shared,
            "set_status": set_status,
            "add_tag": add_tag,
        }
    )
    _check_may_change(actor, shared=details["shared"])
    owner = None if details.pop("shared") else actor
    with transaction.atomic():
        _check_room(owner)
        _check_name_free(details["name"], owner)
        return _save(SavedReply(owner=owner, created_by=actor, **details))


def saved_reply_update(*, actor: User, reply_id: int, changes: Mapping[str, Any]) -> SavedReply:
    """Change a reply's name, text, shortcut, macro, or (admins) whether it is shared. Only
    its owner changes a personal reply; only admins a shared one. Unchanged values are left
    alone; a field that cannot be set is refused."""
    details = _cleaned(changes)
    with transaction.atomic():
        reply = saved_reply_get(user=actor, reply_id=reply_id)
        _check_may_change(actor, shared=reply.shared)
        fields: list[str] = []
        shared = details.pop("shared", reply.shared)
        if shared != reply.shared:
            _check_may_change(actor, shared=True)  # sharing and unsharing are admins' too
            reply.owner = None if shared else actor
            fields.append("owner")
            _check_room(reply.owner)
        for name, value in details.items():
            if getattr(reply, name) != value:
                setattr(reply, name, value)
                fields.append(name)
        _check_name_free(reply.name, reply.owner, reply_id=reply.pk)
        reply.updated_at = now()
        return _save(reply, [*fields, "updated_at"])


def saved_reply_delete(*, actor: User, reply_id: int) -> None:
    with transaction.atomic():
        reply = saved_reply_get(user=actor, reply_id=reply_id)
        _check_may_change(actor, shared=reply.shared)
        reply.delete()


# --- using a reply on a ticket ----------------------------------------------------------------


@dataclass(frozen=True)
class Applied:
    """A reply used on a ticket: its text for that ticket, and what its macro changed (in
    words, for the page's confirmation)."""

    reply: SavedReply
    text: str
    changes: list[str]

    @property
    def summary(self) -> str:
        if not self.changes:
            return ""
        return f"Saved reply “{self.reply.name}”: {', '.join(self.changes)}."


def saved_reply_apply(
    *, actor: User, ticket_id: int, reply_id: int, status_chosen: bool = False
) -> Applied:
    """Apply the reply's macro to the ticket, through the ticket use cases (each change
    recorded and announced as any other): add its tag, then set its status. What is already
    so is left alone, and so is the status when the agent chose one themselves as they sent
    (``status_chosen``: "Send and close" wins over the reply's status). Returns the reply's
    text for this ticket and what changed.

    Call it once the message written from the reply is posted, in the same transaction
    (:func:`saved_reply_use`): a refused change then takes the message back with it."""
    reply = saved_reply_get(user=actor, reply_id=reply_id)
    changes: list[str] = []
    try:
        with transaction.atomic():
            ticket = access.ticket_get(user=actor, ticket_id=ticket_id, for_update=True)
            tags = sorted(ticket.tags.values_list("name", flat=True))
            if reply.add_tag and reply.add_tag not in tags:
                services.ticket_update(
                    actor=actor, ticket_id=ticket.pk, changes={"tags": [*tags, reply.add_tag]}
                )
                changes.append(f"tag “{reply.add_tag}” added")
            if reply.set_status and reply.set_status != ticket.status and not status_chosen:
                services.ticket_change_status(
                    actor=actor, ticket_id=ticket.pk, status=reply.set_status
                )
                changes.append(f"status set to {Status(reply.set_status).label}")
            ticket.refresh_from_db()
    except (InvalidInput, Conflict, NotAllowed) as exc:
        raise type(exc)(
            gettext_noop("Saved reply “%(name)s”: %(problem)s"),
            values={"name": reply.name, "problem": exc.as_said()},
        ) from exc
    values = placeholders.Values.of(ticket=ticket, agent=actor)
    return Applied(reply=reply, text=placeholders.render(reply.body, values), changes=changes)


def saved_reply_use(
    *,
    actor: User,
    ticket_id: int,
    reply_id: int | None,
    send: Callable[[], T],
    status_chosen: bool = False,
) -> tuple[T, Applied | None]:
    """Send a message written from a saved reply (``send``: the face's own way of posting it)
    and apply the reply's macro, in one transaction: all or nothing. Without a reply, only
    ``send``. With ``status_chosen`` (the message was sent with its own status, "Send and
    close") the macro's status yields."""
    if reply_id is None:
        return send(), None
    with transaction.atomic():
        sent = send()
        applied = saved_reply_apply(
            actor=actor, ticket_id=ticket_id, reply_id=reply_id, status_chosen=status_chosen
        )
    return sent, applied


def saved_reply_send(
    *,
    actor: User,
    ticket_id: int,
    reply_id: int,
    body: str | None = None,
    internal: bool = False,
    files: Sequence[UploadedFile] = (),
) -> tuple[Message, Applied]:
    """Post a reply (or an internal note) written from a saved reply and apply its macro:
    ``body`` is the text as the agent edited it, or None for the reply's own text rendered
    for this ticket."""
    check_agent(actor)
    if body is None:
        body = saved_reply_render(user=actor, reply_id=reply_id, ticket_id=ticket_id).text

    def post() -> Message:
        return services.message_post(
            actor=actor, ticket_id=ticket_id, body=body, internal=internal, files=files
        )

    message, applied = saved_reply_use(
        actor=actor, ticket_id=ticket_id, reply_id=reply_id, send=post
    )
    assert applied is not None
    return message, applied
