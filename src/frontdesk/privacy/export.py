"""A customer's data as a zip: ``data.json`` (their account, organisation, tickets with the
messages and custom fields they may see, survey answers) and the files they may see, under
``files/``.

Everything about the tickets is read through the one gate (tickets/access.py) with the
customer as the reader, whoever asked: an admin's export holds exactly what the customer sees,
never an internal note or a file on one. The zip is written into a temporary file, one ticket
and one file at a time, so a long history is never held in memory.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

from frontdesk.accounts.models import ApiToken, TwoFactor, User, UserSession
from frontdesk.core import clock
from frontdesk.fields.selectors import fields_shown_on
from frontdesk.fields.values import json_value
from frontdesk.notifications.preferences import preferences_of
from frontdesk.satisfaction.models import Survey
from frontdesk.tickets import access
from frontdesk.tickets.models import Attachment, Message, Ticket

FORMAT_VERSION = 1
DATA_NAME = "data.json"
CHUNK = 1024 * 1024


def export_name(customer: User) -> str:
    return f"frontdesk-data-{customer.pk}-{clock.now():%Y%m%d}.zip"


def _when(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _safe_name(name: str) -> str:
    """A client's file name as a path segment in the zip: no directories, no dot files."""
    cleaned = re.sub(r"[^A-Za-z0-9._ -]+", "_", name).strip(" .")
    return cleaned[:120] or "file"


def account_data(customer: User) -> dict[str, Any]:
    tokens = ApiToken.objects.filter(user=customer).order_by("created_at", "id")
    sessions = UserSession.objects.filter(user=customer).order_by("created_at", "id")
    two_factor = TwoFactor.objects.filter(user=customer, confirmed_at__isnull=False).exists()
    return {
        "id": customer.pk,
        "username": customer.username,
        "email": customer.email,
        "email_verified_at": _when(customer.email_verified_at),
        "email_pending": customer.email_pending,
        "role": customer.role,
        "profile_icon": customer.profile_icon,
        "time_zone": customer.time_zone,
        "is_active": customer.is_active,
        "created_at": _when(customer.created_at),
        "last_login": _when(customer.last_login),
        "two_factor_on": two_factor,
        "api_tokens": [
            {
                "name": token.name,
                "prefix": token.prefix,
                "scope": token.scope,
                "created_at": _when(token.created_at),
                "last_used_at": _when(token.last_used_at),
                "expires_at": _when(token.expires_at),
                "revoked_at": _when(token.revoked_at),
            }
            for token in tokens
        ],
        "sessions": [
            {
                "device": row.device,
                "ip": row.ip,
                "created_at": _when(row.created_at),
                "last_seen_at": _when(row.last_seen_at),
            }
            for row in sessions
        ],
        "notification_preferences": {
            kind.name: enabled for kind, enabled in preferences_of(customer).kinds
        },
    }


def organisation_data(customer: User) -> dict[str, Any] | None:
    organisation = access.organisations_visible_to(customer).first()
    if organisation is None:
        return None
    return {"id": organisation.pk, "name": organisation.name, "domain": organisation.domain}


def _file_path(ticket: Ticket, attachment: Attachment) -> str:
    return f"files/{ticket.number}/{attachment.pk}-{_safe_name(attachment.original_name)}"


def _message_data(
    customer: User, ticket: Ticket, message: Message, files: list[Attachment]
) -> dict[str, Any]:
    author = message.author
    return {
        "id": message.pk,
        "kind": message.kind,
        "author": "System" if author.is_system else author.username,
        "written_by_you": message.author_id == customer.pk,
        "body": message.body,
        "created_at": _when(message.created_at),
        "attachments": [
            {
                "id": attachment.pk,
                "name": attachment.original_name,
                "size": attachment.size,
                "content_type": attachment.content_type,
                "description": attachment.description,
                "sha256": attachment.sha256,
                "path": _file_path(ticket, attachment),
            }
            for attachment in files
        ],
    }


def tickets_of(customer: User) -> Iterator[Ticket]:
    """The tickets the customer may see (requested or copied on), oldest first."""
    query = access.tickets_visible_to(customer).order_by("created_at", "id")
    return query.iterator(chunk_size=200)


def ticket_data(customer: User, ticket: Ticket) -> tuple[dict[str, Any], list[Attachment]]:
    """One ticket as the customer sees it, and the files (on messages they see) it carries."""
    messages = list(access.messages_on(customer, ticket).select_related("author").order_by("id"))
    files = list(
        access.attachments_visible_to(customer)
        .filter(message__ticket_id=ticket.pk)
        .order_by("message_id", "id")
    )
    by_message: dict[int, list[Attachment]] = {}
    for attachment in files:
        by_message.setdefault(attachment.message_id, []).append(attachment)
    resolution, _public = access.resolution_for(customer, ticket)
    data: dict[str, Any] = {
        "id": ticket.pk,
        "number": ticket.number,
        "title": ticket.title,
        "you_are": "requester" if ticket.requester_id == customer.pk else "copied",
        "status": ticket.status,
        "created_at": _when(ticket.created_at),
        "updated_at": _when(ticket.updated_at),
        "resolved_at": _when(ticket.resolved_at),
        "closed_at": _when(ticket.closed_at),
        "resolution": resolution,
        "custom_fields": [
            {"key": shown.field.key, "label": shown.field.label, "value": json_value(shown.value)}
            for shown in fields_shown_on(user=customer, ticket=ticket)
            if shown.value is not None
        ],
        "messages": [
            _message_data(customer, ticket, message, by_message.get(message.pk, []))
            for message in messages
        ],
        "survey": None,
    }
    if ticket.requester_id == customer.pk:
        survey = Survey.objects.filter(ticket=ticket, requester=customer).first()
        if survey is not None and survey.is_answered:
            data["survey"] = {
                "rating": survey.rating,
                "comment": survey.comment,
                "rated_at": _when(survey.rated_at),
            }
    return data, files


def _copy_file(archive: zipfile.ZipFile, path: str, attachment: Attachment) -> bool:
    try:
        source = attachment.file.open("rb")
    except FileNotFoundError:  # gone from storage: listed in data.json, not in the zip
        return False
    with source, archive.open(path, "w", force_zip64=True) as target:
        shutil.copyfileobj(source, target, CHUNK)
    return True


def export_write(customer: User) -> tuple[IO[bytes], dict[str, int]]:
    """The zip, in an anonymous temporary file at its start (deleted once closed), and what
    it holds: tickets, messages and files."""
    counts = {"tickets": 0, "messages": 0, "files": 0}
    output = tempfile.TemporaryFile()  # noqa: SIM115 - the caller streams and closes it
    pending: list[tuple[str, Attachment]] = []
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with (
            archive.open(DATA_NAME, "w", force_zip64=True) as raw,
            io.TextIOWrapper(raw, encoding="utf-8") as text,
        ):
            head = {
                "format": FORMAT_VERSION,
                "generated_at": _when(clock.now()),
                "account": account_data(customer),
                "organisation": organisation_data(customer),
            }
            text.write(json.dumps(head, indent=2)[:-2] + ',\n  "tickets": [')
            for index, ticket in enumerate(tickets_of(customer)):
                data, files = ticket_data(customer, ticket)
                text.write(("," if index else "") + "\n" + json.dumps(data, indent=2))
                counts["tickets"] += 1
                counts["messages"] += len(data["messages"])
                pending.extend((_file_path(ticket, attachment), attachment) for attachment in files)
            text.write("\n  ]\n}\n")
        # Files after data.json: a zip holds one member open for writing at a time.
        for path, attachment in pending:
            if _copy_file(archive, path, attachment):
                counts["files"] += 1
    output.seek(0)
    return output, counts
