"""A file added to or removed from an internal note through the REST API does not move the
``updated_at`` the customer reads (the services' rule, tests/tickets/test_every_change.py,
seen here from the customer's side of the API)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from frontdesk.accounts.models import User
from frontdesk.tickets import services
from frontdesk.tickets.models import Ticket
from tests.api.helpers import BASE, Api
from tests.conftest import Clock

pytestmark = pytest.mark.django_db


def test_files_on_an_internal_note_leave_the_customers_updated_at(
    agent: User, customer: User, ticket: Ticket, clock: Clock
) -> None:
    note = services.message_post(
        actor=agent, ticket_id=ticket.pk, body="Check the boiler log", internal=True
    )
    as_customer, as_agent = Api(customer), Api(agent)
    seen = as_customer.get(f"/tickets/{ticket.pk}/").json()["updated_at"]

    clock.advance(300)
    upload = as_agent.client.post(
        f"{BASE}/attachments/",
        {"file": SimpleUploadedFile("log.txt", b"boiler", "text/plain"), "message": str(note.pk)},
        headers=as_agent.headers,
    )
    assert upload.status_code == 201, upload.content
    assert as_customer.get(f"/tickets/{ticket.pk}/").json()["updated_at"] == seen

    clock.advance(300)
    removed = as_agent.delete(f"/attachments/{upload.json()['id']}/")
    assert removed.status_code == 204
    assert as_customer.get(f"/tickets/{ticket.pk}/").json()["updated_at"] == seen
