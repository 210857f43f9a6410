"""A desk with something to export or remove: the customer's own ticket (their file, an
agent's reply with a file, an internal note with a file, custom fields of both kinds, an
answered survey), another customer's ticket they are copied on and wrote on (with a file),
and another customer's ticket they have nothing to do with."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from frontdesk.accounts.models import User
from frontdesk.fields import services as fields
from frontdesk.following.services import ticket_cc_add
from frontdesk.satisfaction import services as satisfaction
from frontdesk.tickets import services as tickets
from frontdesk.tickets.models import Attachment, Message, Status, Ticket
from tests.conftest import open_ticket

SECRET_NOTE = "Internal: this customer is difficult"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, "text/plain")


@dataclass
class Desk:
    own: Ticket
    copied: Ticket
    stranger: Ticket
    note: Message
    customer_file: Attachment
    agent_file: Attachment
    note_file: Attachment
    copied_file: Attachment


@pytest.fixture
def desk(settings: Any, admin: User, agent: User, customer: User, other_customer: User) -> Desk:
    settings.FRONTDESK_SATISFACTION_SURVEYS = True
    fields.field_define(
        actor=admin,
        values={"key": "studio", "label": "Studio", "type": "text", "customer_visible": True},
    )
    fields.field_define(actor=admin, values={"key": "risk", "label": "Risk", "type": "text"})
    own = open_ticket(customer, "My heating", files=[upload("mine.txt", b"customer file")])
    fields.ticket_fields_set(
        actor=agent, ticket_id=own.pk, values={"studio": "Studio 2", "risk": "high risk"}
    )
    tickets.message_post(
        actor=agent, ticket_id=own.pk, body="We are on it", files=[upload("plan.txt", b"agent")]
    )
    note = tickets.message_post(
        actor=agent,
        ticket_id=own.pk,
        body=SECRET_NOTE,
        internal=True,
        files=[upload("secret.txt", b"internal file")],
    )
    tickets.ticket_change_status(actor=agent, ticket_id=own.pk, status=Status.RESOLVED)
    satisfaction.survey_answer(actor=customer, ticket_id=own.pk, rating="good", comment="Quick!")

    copied = open_ticket(other_customer, "Shared problem")
    ticket_cc_add(actor=other_customer, ticket_id=copied.pk, emails=[customer.email])
    tickets.message_post(
        actor=customer,
        ticket_id=copied.pk,
        body="Same here",
        files=[upload("cc.txt", b"copied file")],
    )
    stranger = open_ticket(other_customer, "Private matter", "Nobody else should read this")
    files = {a.original_name: a for a in Attachment.objects.all()}
    return Desk(
        own=own,
        copied=copied,
        stranger=stranger,
        note=note,
        customer_file=files["mine.txt"],
        agent_file=files["plan.txt"],
        note_file=files["secret.txt"],
        copied_file=files["cc.txt"],
    )


def read_zip(content: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        data = json.loads(archive.read("data.json"))
        files = {name: archive.read(name) for name in archive.namelist() if name != "data.json"}
    return data, files
