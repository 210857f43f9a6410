"""The home page: a customer's tickets (agents get the workspace, test_workspace.py)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from frontdesk.accounts.models import User
from frontdesk.tickets.models import Status
from tests.conftest import open_ticket
from tests.web.conftest import html, signed_in

pytestmark = pytest.mark.django_db


def test_customer_home_lists_open_and_closed_tickets(customer: User, agent: User) -> None:
    first = open_ticket(customer, "First problem here")
    second = open_ticket(customer, "Second problem here")
    closed = open_ticket(customer, "Closed problem here", staff=agent, status=Status.CLOSED)

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
    two_hours_ago = timezone.now() - timedelta(hours=2)
    open_ticket(
        customer, "Closed first of all", staff=agent, status=Status.CLOSED, at=two_hours_ago
    )
    open_ticket(customer, "Closed second of all", staff=agent, status=Status.CLOSED)
    page = html(signed_in(customer).get("/home"))
    assert page.index("Closed second of all") < page.index("Closed first of all")


def test_last_reply_reads_as_time_ago(customer: User) -> None:
    open_ticket(customer, "An older ticket", at=timezone.now() - timedelta(hours=3, minutes=5))
    page = html(signed_in(customer).get("/home"))
    assert re.search(r"Last reply from you <time[^>]*>3 hours ago</time>", page)


def test_empty_lists_say_so(customer: User) -> None:
    page = html(signed_in(customer).get("/home"))
    assert page.count("No tickets to show.") == 2


def test_customer_does_not_see_other_customers_tickets(
    customer: User, other_customer: User
) -> None:
    open_ticket(other_customer, "Someone else entirely")
    assert "Someone else entirely" not in html(signed_in(customer).get("/home"))


# Agents and admins get the workspace at /home: see test_workspace.py.
