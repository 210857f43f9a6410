"""The tests' one ticket factory (tests.conftest.open_ticket) goes through the services: what it
builds is what people using the application would have built, history included."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from frontdesk.accounts.models import User
from frontdesk.tickets.models import MessageKind, Status, TicketEvent
from tests.conftest import BODY, TITLE, open_ticket


def _history(ticket_id: int) -> list[tuple[str, str, str]]:
    events = TicketEvent.objects.filter(ticket_id=ticket_id).order_by("id")
    return [(event.field, event.new_value, event.actor.username) for event in events]


def test_a_customer_opens_it_by_default(customer: User) -> None:
    ticket = open_ticket(customer)
    assert (ticket.title, ticket.requester, ticket.created_by) == (TITLE, customer, customer)
    [message] = ticket.messages.all()
    assert (message.body, message.author, message.kind) == (BODY, customer, MessageKind.PUBLIC)
    assert _history(ticket.pk) == [("created", ticket.number, "John")]


def test_an_agent_opens_one_for_a_customer_with_its_details_at_once(
    customer: User, agent: User
) -> None:
    ticket = open_ticket(customer, by=agent, priority="high", tags=["boiler"])
    assert (ticket.requester, ticket.created_by, ticket.priority) == (customer, agent, "high")
    assert _history(ticket.pk) == [
        ("created", ticket.number, "Alice"),
        ("priority", "high", "Alice"),
        ("tags", "boiler", "Alice"),
    ]


def test_messages_then_changes_by_the_staff_named(
    customer: User, agent: User, other_agent: User
) -> None:
    ticket = open_ticket(
        customer,
        messages=[(agent, "We are on it."), (customer, "Thank you!")],
        staff=other_agent,
        assignee=agent,
        status=Status.RESOLVED,
    )
    bodies = list(ticket.messages.filter(kind=MessageKind.PUBLIC).values_list("body", flat=True))
    assert bodies == [BODY, "We are on it.", "Thank you!"]
    assert (ticket.assignee, ticket.status) == (agent, Status.RESOLVED)
    assert _history(ticket.pk) == [
        ("created", ticket.number, "John"),
        ("status", Status.OPEN, "Alice"),  # the agent's reply opened it
        ("assignee", str(agent.pk), "Bob"),
        ("status", Status.RESOLVED, "Bob"),
    ]


def test_opened_and_changed_at_the_moments_given(customer: User, agent: User) -> None:
    opened, closed = timezone.now() - timedelta(days=3), timezone.now() - timedelta(days=1)
    ticket = open_ticket(customer, at=opened, changed_at=closed, staff=agent, status="closed")
    assert (ticket.created_at, ticket.closed_at, ticket.last_activity_at) == (
        opened,
        closed,
        closed,
    )
    assert ticket.messages.get(kind=MessageKind.PUBLIC).created_at == opened
    assert timezone.now() - open_ticket(customer).created_at < timedelta(minutes=1)


def test_changes_need_an_agent_to_make_them(customer: User) -> None:
    with pytest.raises(TypeError, match="staff="):
        open_ticket(customer, priority="high")
