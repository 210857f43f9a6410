"""A merged ticket through the SupportMe API: the contract is unchanged. The ticket is there,
closed, and its messages say where the conversation went; no new field, no redirect."""

from __future__ import annotations

import pytest
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.tickets.merging import tickets_merge
from tests.conftest import open_ticket
from tests.supportme.helpers import TICKET_KEYS, messages_of, ticket_data

pytestmark = pytest.mark.django_db


def test_a_merged_ticket_reads_as_a_closed_ticket(agent: User, customer: User) -> None:
    target = open_ticket(customer, title="Target")
    source = open_ticket(customer, title="Source")
    tickets_merge(actor=agent, source_id=source.pk, target=target.pk)
    client = Client()
    data = ticket_data(client, customer, source.pk)
    assert set(data) == TICKET_KEYS and data["closed_at"] is not None
    bodies = [message["body"] for message in messages_of(client, customer, source.pk)]
    assert bodies == [
        f"This ticket has been merged into {target.number} by Alice (ID: {agent.pk})."
    ]
    moved = [message["body"] for message in messages_of(client, customer, target.pk)]
    assert len(moved) == 3  # both openings, then the merge's line
    line = f"{source.number} (Source) has been merged into this ticket"
    assert sum(body.startswith(line) for body in moved) == 1
