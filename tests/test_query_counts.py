"""Every list and detail endpoint runs a fixed number of SQL queries whatever the data size.

Each endpoint is asked twice: with a small desk, then after the desk has grown (more tickets,
longer conversations, internal notes, tags, history). The count must not move; an N+1 fails
here. The ceiling is the budget of issue 5: "a small, fixed number".
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from frontdesk.accounts.models import User
from frontdesk.accounts.tokens import access_token_issue
from frontdesk.tickets import services
from frontdesk.tickets.models import Status, Ticket

# The agent's ticket page is the largest at 14: session and user, the ticket, its read marker
# (3), tags, the agents to assign to, history, messages, attachments, and saving the session (3).
CEILING = 15

# (who asks, path): {customer}, {ticket} and {closed} are filled in.
ENDPOINTS = [
    ("customer", "/get-profile/{customer}"),
    ("customer", "/get-ticket/{ticket}"),
    ("customer", "/get-messages/{ticket}"),
    ("agent", "/get-messages/{ticket}"),
    ("customer", "/get-open-tickets/{customer}"),
    ("customer", "/get-closed-tickets/{customer}"),
    ("agent", "/get-open-tickets/{agent}"),
    ("agent", "/get-closed-tickets/{agent}"),
    ("agent", "/api/ticketing/tickets/"),
    ("customer", "/api/ticketing/tickets/"),
    ("agent", "/api/ticketing/tickets/?status=open&priority=high"),
    ("agent", "/api/ticketing/tickets/?search=heating"),
    ("agent", "/api/ticketing/tickets/{ticket}/"),
    ("customer", "/api/ticketing/tickets/{ticket}/"),
    ("agent", "/api/ticketing/tickets/my_tickets/"),
    ("agent", "/api/ticketing/tickets/unassigned/"),
    ("agent", "/api/ticketing/tickets/overdue/"),
    ("agent", "/api/ticketing/tickets/statistics/"),
    ("agent", "/api/ticketing/comments/?ticket={ticket}"),
    ("customer", "/api/ticketing/comments/?ticket={ticket}"),
    ("agent", "/api/ticketing/history/?ticket={ticket}"),
    ("agent", "/api/ticketing/attachments/"),
    ("customer", "/home"),
    ("agent", "/home"),
    ("agent", "/home?view=claimable"),
    ("customer", "/ticket/{ticket}"),
    ("agent", "/ticket/{ticket}"),
]


def _grow(customer: User, agent: User, *, tickets: int, replies: int) -> Ticket:
    """More tickets, each with a conversation, a note, tags and history; some claimed, some
    closed. Returns the first ticket, whose conversation grows too."""
    first = None
    for number in range(tickets):
        ticket = services.ticket_open(
            actor=customer, title=f"Heating broken {number}", body="The heating is off again."
        ).ticket
        first = first or ticket
        services.ticket_update(
            actor=agent, ticket_id=ticket.pk, changes={"tags": ["heating", f"t{number}"]}
        )
        if number % 2:
            services.ticket_claim(actor=agent, ticket_id=ticket.pk)
        if number % 3 == 2:
            services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.CLOSED)
    assert first is not None
    for number in range(replies):
        services.message_post(actor=agent, ticket_id=first.pk, body=f"Reply number {number}.")
        services.message_post(
            actor=agent, ticket_id=first.pk, body=f"Note number {number}.", internal=True
        )
    return first


def _count(client: Client, path: str, token: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, (path, response.status_code)
    return len(queries)


@pytest.mark.parametrize(("who", "template"), ENDPOINTS)
def test_queries_do_not_grow_with_the_data(
    customer: User, agent: User, settings: Any, who: str, template: str
) -> None:
    settings.FRONTDESK_MAX_OPEN_TICKETS = 0
    asker = {"customer": customer, "agent": agent}[who]
    client = Client()
    client.force_login(asker)  # pages use the session; the APIs the bearer token
    token = access_token_issue(asker)
    ticket = _grow(customer, agent, tickets=3, replies=1)
    path = template.format(customer=customer.pk, agent=agent.pk, ticket=ticket.pk)
    client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")  # warm: the session's first write
    small = _count(client, path, token)
    _grow(customer, agent, tickets=9, replies=12)
    from django.core.cache import cache

    cache.clear()  # cached summaries (statistics, counts) must be recomputed at the new size
    client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert _count(client, path, token) == small
    assert small <= CEILING
