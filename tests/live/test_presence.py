"""Agents see who else is on a ticket; customers neither see nor send presence."""

from __future__ import annotations

from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.tickets.models import Ticket


def test_agents_see_each_other(
    client: Client, agent: User, other_agent: User, ticket: Ticket
) -> None:
    client.force_login(agent)
    client.post(f"/live/presence/{ticket.pk}", {"state": "viewing"})
    client.force_login(other_agent)
    people = client.post(f"/live/presence/{ticket.pk}", {"state": "replying"}).json()["people"]
    assert people == [
        {"user_id": agent.pk, "name": "Alice", "state": "viewing"},
        {"user_id": other_agent.pk, "name": "Bob", "state": "replying"},
    ]
    people = client.post(f"/live/presence/{ticket.pk}", {"state": "left"}).json()["people"]
    assert [p["name"] for p in people] == ["Alice"]


def test_customers_cannot_send_presence(client: Client, customer: User, ticket: Ticket) -> None:
    client.force_login(customer)
    assert client.post(f"/live/presence/{ticket.pk}", {"state": "viewing"}).status_code == 403


def test_bad_state_and_unknown_ticket(client: Client, agent: User, ticket: Ticket) -> None:
    client.force_login(agent)
    assert client.post(f"/live/presence/{ticket.pk}", {"state": "dancing"}).status_code == 400
    assert client.post("/live/presence/424242", {"state": "viewing"}).status_code == 404


def test_presence_needs_csrf(agent: User, ticket: Ticket) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    assert client.post(f"/live/presence/{ticket.pk}", {"state": "viewing"}).status_code == 403
