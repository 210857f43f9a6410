"""The home page: a customer's tickets, and the claimable queue for agents."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from frontdesk.accounts.models import User
from frontdesk.tickets import services
from frontdesk.tickets.models import Status, Ticket
from tests.web.conftest import html, signed_in

pytestmark = pytest.mark.django_db


def _open(user: User, title: str) -> Ticket:
    return services.ticket_open(actor=user, title=title, body="Please help me with this.").ticket


def test_customer_home_lists_open_and_closed_tickets(customer: User, agent: User) -> None:
    first = _open(customer, "First problem here")
    second = _open(customer, "Second problem here")
    closed = _open(customer, "Closed problem here")
    services.ticket_change_status(actor=agent, ticket_id=closed.pk, status=Status.CLOSED)

    response = signed_in(customer).get("/home")
    assert response.status_code == 200
    page = html(response)
    open_part, closed_part = page.split('id="closed-title"')
    assert open_part.index("First problem here") < open_part.index("Second problem here")
    assert "Closed problem here" not in open_part
    assert "Closed problem here" in closed_part
    assert first.number in page and second.number in page and closed.number in page
    assert '<span class="badge badge--new">' in open_part
    assert '<span class="badge badge--closed">' in closed_part and "Closed</span>" in closed_part
    assert re.search(r'<time datetime="[^"]+" title="[^"]+ UTC">just now</time>', page)
    assert 'class="button" href="/ticket/new">Open a ticket</a>' in page
    assert "Claimable" not in page


def test_closed_tickets_show_most_recently_closed_first(customer: User, agent: User) -> None:
    older = _open(customer, "Closed first of all")
    newer = _open(customer, "Closed second of all")
    services.ticket_change_status(actor=agent, ticket_id=older.pk, status=Status.CLOSED)
    services.ticket_change_status(actor=agent, ticket_id=newer.pk, status=Status.CLOSED)
    Ticket.objects.filter(pk=older.pk).update(closed_at=timezone.now() - timedelta(hours=2))
    page = html(signed_in(customer).get("/home"))
    assert page.index("Closed second of all") < page.index("Closed first of all")


def test_last_activity_reads_as_time_ago(customer: User) -> None:
    ticket = _open(customer, "An older ticket")
    Ticket.objects.filter(pk=ticket.pk).update(
        last_activity_at=timezone.now() - timedelta(hours=3, minutes=5)
    )
    assert "3 hours ago</time>" in html(signed_in(customer).get("/home"))


def test_empty_lists_say_so(customer: User) -> None:
    page = html(signed_in(customer).get("/home"))
    assert page.count("No tickets to show.") == 2


def test_customer_does_not_see_other_customers_tickets(
    customer: User, other_customer: User
) -> None:
    _open(other_customer, "Someone else entirely")
    assert "Someone else entirely" not in html(signed_in(customer).get("/home"))


def test_agent_home_has_the_claimable_queue_oldest_first(customer: User, agent: User) -> None:
    old = _open(customer, "Waiting for ages")
    _open(customer, "Just arrived now")
    Ticket.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=4))
    page = html(signed_in(agent).get("/home"))
    queue = page.split('id="claimable-title"')[1].split('id="closed-title"')[0]
    assert queue.index("Waiting for ages") < queue.index("Just arrived now")
    assert '<span class="count">2</span>' in queue
    assert 'class="age age--old"' in queue and "Waiting 4 days" in queue
    assert "John" in queue
    # No "Open a ticket" for themselves: only on behalf of a customer.
    assert ">Open a ticket</a>" not in page
    assert "Open a ticket for a customer" in page


def test_agent_sees_claimed_tickets_in_their_open_list(customer: User, agent: User) -> None:
    ticket = _open(customer, "Claimed by Alice")
    services.ticket_claim(actor=agent, ticket_id=ticket.pk)
    page = html(signed_in(agent).get("/home"))
    mine, rest = page.split('id="claimable-title"')
    assert "Claimed by Alice" in mine
    assert "Claimed by Alice" not in rest.split('id="closed-title"')[0]


def test_claimable_queue_is_limited_with_a_count(customer: User, admin: User) -> None:
    for number in range(53):
        _open(customer, f"Queued ticket {number:03d}")
    page = html(signed_in(admin).get("/home"))
    queue = page.split('id="claimable-title"')[1].split('id="closed-title"')[0]
    assert queue.count('class="ticket-row"') == 50
    assert '<span class="count">53</span>' in queue
    assert "Showing the oldest 50 of 53 claimable tickets." in queue
    assert "Queued ticket 000" in queue and "Queued ticket 052" not in queue
