"""Every list and detail endpoint runs its own fixed number of SQL queries, whatever the size of
the desk.

Each endpoint is asked twice: with a small desk, then after the desk has grown (more tickets,
longer conversations, internal notes, tags, history). Both times it must run exactly the number
of queries stored for it below: an N+1 fails here, and so does one extra query anywhere, with a
message naming the endpoint and both numbers. A change that adds or removes a query on purpose
changes its number here, in the same commit.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from frontdesk.accounts.models import Role, User
from frontdesk.accounts.tokens import access_token_issue
from frontdesk.replies.services import saved_reply_create
from frontdesk.tickets import services
from frontdesk.tickets.models import Status, Ticket
from frontdesk.tickets.saved_views import saved_view_create
from tests.conftest import Clock, make_user, open_ticket

# (who asks, path): the queries one request runs. {customer}, {agent} and {ticket} are filled
# in. The same on SQLite and PostgreSQL. The client is signed in by session and also sends a
# bearer token, so every request reads the session and its user (2), and the APIs then the
# token's user (1).
QUERIES: dict[tuple[str, str], int] = {
    ("customer", "/get-profile/{customer}"): 4,
    ("customer", "/get-ticket/{ticket}"): 4,
    ("customer", "/get-messages/{ticket}"): 5,
    ("agent", "/get-messages/{ticket}"): 5,
    ("customer", "/get-open-tickets/{customer}"): 4,
    ("customer", "/get-closed-tickets/{customer}"): 4,
    ("agent", "/get-open-tickets/{agent}"): 4,
    ("agent", "/get-closed-tickets/{agent}"): 4,
    # A ticket list: the page's ids, its tickets (compiled once: tickets/paging.PageRows),
    # their tags, their custom field values (one query for the page, fields/selectors.py);
    # and the session, its user and the token's user.
    ("agent", "/api/ticketing/tickets/"): 7,
    ("customer", "/api/ticketing/tickets/"): 7,
    ("agent", "/api/ticketing/tickets/?status=open&priority=high"): 4,
    # The ranked search, the visible ids among its hits, the page, the page's tags and
    # custom field values.
    ("agent", "/api/ticketing/tickets/?search=heating"): 8,
    # A customer's: first, how their search goes (tickets/search.py, _requester_way).
    ("customer", "/api/ticketing/tickets/?search=heating"): 9,
    # The ticket as before, and its custom field values.
    ("agent", "/api/ticketing/tickets/{ticket}/"): 6,
    ("customer", "/api/ticketing/tickets/{ticket}/"): 6,
    ("agent", "/api/ticketing/tickets/my_tickets/"): 7,
    ("agent", "/api/ticketing/tickets/unassigned/"): 7,
    ("agent", "/api/ticketing/tickets/overdue/"): 4,
    ("agent", "/api/ticketing/tickets/statistics/"): 5,  # with the satisfaction answers
    ("agent", "/api/ticketing/surveys/"): 4,
    ("agent", "/api/ticketing/tickets/{ticket}/time/"): 5,
    ("agent", "/api/ticketing/comments/?ticket={ticket}"): 4,
    ("customer", "/api/ticketing/comments/?ticket={ticket}"): 4,
    ("agent", "/api/ticketing/history/?ticket={ticket}"): 4,
    ("agent", "/api/ticketing/attachments/"): 4,
    # The agent's and the shared saved views; their counts come from the cache.
    ("agent", "/api/ticketing/views/"): 4,
    # Open and closed tickets, and those the customer is copied on (CC).
    ("customer", "/home"): 5,
    # The agents to assign to, "Mine" counted, the saved views (their counts cached), the
    # page's ids, its tickets with their latest messages, their tags; the session and user;
    # the custom fields (the filter bar's lists).
    ("agent", "/home"): 9,
    ("agent", "/home?view=claimable"): 9,
    ("agent", "/home?view=open&priority=medium&sort=priority"): 9,
    # The ticket, its read marker (the newest message and the marker: a view with nothing new
    # since the warm-up writes none), the message ids (for folding), messages, attachments,
    # the people in CC, the satisfaction survey; the custom fields they see (their values too,
    # once a field is defined).
    ("customer", "/ticket/{ticket}"): 11,
    # Saved replies: the replies (owner joined for the pages' grouping), nothing per reply.
    ("agent", "/api/ticketing/saved-replies/"): 4,
    ("agent", "/api/ticketing/saved-replies/?search=heating"): 4,
    ("agent", "/replies"): 3,
    # The replies, and the help-centre articles matching the words (kb/search.py).
    ("agent", "/replies/picker?q=heating"): 4,
    # The customer's nine, and tags, the agents to assign to, history; the customer panel:
    # the requester with organisation, note and ticket count, and their other tickets; the
    # SLA's clocks; the linked tickets; the time entries, the satisfaction survey; the rules that
    # fired; the people in CC and the followers; the custom fields (their values too, once a
    # field is defined).
    ("agent", "/ticket/{ticket}"): 21,
    # A live update: the ticket, the messages after one, their attachments.
    ("customer", "/ticket/{ticket}/thread?after=1"): 5,
    ("agent", "/ticket/{ticket}/thread?after=1"): 5,
    # A live update of the head and sidebar: the ticket, tags, agents, history, the customer
    # panel (2), the SLA's clocks, the linked tickets, the time entries, the satisfaction survey,
    # the rules that fired, the people in CC and the followers, the custom fields.
    ("agent", "/ticket/{ticket}/thread?parts=ticket"): 16,
    # The tickets with news: one UNION.
    ("agent", "/api/news/"): 3,
    ("customer", "/api/news/"): 3,
    ("agent", "/organisations"): 3,
    # The reports: each period's opened, solved, SLA clocks, answers and open before (the
    # opened before it less those also resolved before it: two index reads; 12); the names
    # of the agents, teams and organisations among them, a query for each kind present (this
    # desk's tickets are in no organisation), and whether the aggregates were built
    # (reports/aggregates.py; they have not been here, so the tickets are read).
    ("agent", "/reports"): 16,
    ("agent", "/api/ticketing/organisations/"): 4,
    ("agent", "/api/ticketing/customers/{customer}/"): 4,
}


def _grow(customer: User, agent: User, *, tickets: int, replies: int) -> Ticket:
    """More tickets, each with a conversation, a note, tags and history; some assigned, some
    closed; and more saved views. Returns the first ticket, whose conversation grows too."""
    opened = [
        open_ticket(
            customer,
            f"Heating broken {number}",
            "The heating is off again.",
            staff=agent,
            tags=["heating", f"t{number}"],
            assignee=agent if number % 2 else None,
            status=Status.CLOSED if number % 3 == 2 else None,
        )
        for number in range(tickets)
    ]
    for query in ("view=open&priority=urgent", "view=mine&tag=heating"):
        saved_view_create(actor=agent, name=f"{query} {tickets}", query=query)
    first = opened[0]
    for ticket in opened:  # saved replies grow with the desk: personal and shared
        saved_reply_create(actor=agent, name=f"Heating {ticket.pk}", body="The heating is on.")
        saved_reply_create(actor=_admin(), name=f"Boiler {ticket.pk}", body="Boiler.", shared=True)
    for number in range(replies):
        services.message_post(actor=agent, ticket_id=first.pk, body=f"Reply number {number}.")
        services.message_post(
            actor=agent, ticket_id=first.pk, body=f"Note number {number}.", internal=True
        )
    return first


def _admin() -> User:
    return User.objects.filter(role=Role.ADMIN).first() or make_user("Ada", Role.ADMIN)


def _count(client: Client, path: str, token: str) -> int:
    client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")  # warm: writes that happen once
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, (path, response.status_code)
    return len(queries)


@pytest.mark.parametrize(
    ("who", "template"), list(QUERIES), ids=[f"{who} {path}" for who, path in QUERIES]
)
def test_each_endpoint_runs_its_own_number_of_queries(
    customer: User, agent: User, clock: Clock, who: str, template: str
) -> None:
    # The clock stands still: a session's activity is written at most every few seconds, and a
    # step between two requests would add that write to one of them.
    expected = QUERIES[(who, template)]
    asker = {"customer": customer, "agent": agent}[who]
    client = Client()
    client.force_login(asker)  # pages use the session; the APIs the bearer token
    token = access_token_issue(asker)
    ticket = _grow(customer, agent, tickets=3, replies=1)
    path = template.format(customer=customer.pk, agent=agent.pk, ticket=ticket.pk)
    endpoint = f"{who} GET {template}"

    small = _count(client, path, token)
    assert small == expected, f"{endpoint}: {small} queries on a small desk, {expected} expected"

    _grow(customer, agent, tickets=9, replies=12)
    cache.clear()  # cached summaries (statistics, counts) must be recomputed at the new size
    grown = _count(client, path, token)
    assert grown == expected, (
        f"{endpoint}: {grown} queries once the desk has grown "
        f"({small} on the small desk), {expected} expected"
    )
