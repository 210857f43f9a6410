"""The agents' home page: the workspace (views, counts, filters, sorting, pages, search,
htmx fragments), and what customers get instead."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from frontdesk.accounts.models import User
from frontdesk.tickets import services
from frontdesk.tickets.models import Priority, Status, Ticket
from tests.conftest import open_ticket
from tests.web.conftest import html, signed_in

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _rows(page: str) -> list[str]:
    """The ticket titles of the list, in order (without their unread marks)."""
    links = re.findall(r'<a class="ticket-link" href="/ticket/\d+[^"]*">(.*?)</a>', page, re.S)
    return [re.sub(r"<span.*</span>", "", link, flags=re.S).strip() for link in links]


def _count(page: str, view: str) -> int:
    match = re.search(
        rf'id="view-{view}".*?<span class="count">(\d+)<span class="visually-hidden">', page, re.S
    )
    assert match, view
    return int(match.group(1))


@pytest.fixture
def queue(customer: User, agent: User, other_agent: User) -> dict[str, Ticket]:
    now = timezone.now()

    def ago(days: float) -> datetime:
        return now - timedelta(days=days)

    tickets = {
        "old": open_ticket(customer, "Waiting for ages", at=ago(4)),
        "new": open_ticket(customer, "Just arrived now", at=ago(0.01)),
        "mine": open_ticket(customer, "Claimed by Alice", at=ago(2)),
        "bobs": open_ticket(customer, "Claimed by Bob", at=ago(1)),
        "pending": open_ticket(
            customer, "Waiting on the customer", at=ago(3), staff=agent, status=Status.PENDING
        ),
        "late": open_ticket(
            customer, "Late for the deadline", at=ago(1.5), staff=agent, due_at=ago(1 / 12)
        ),
        "done": open_ticket(customer, "All sorted out", at=ago(5)),
    }
    services.ticket_claim(actor=agent, ticket_id=tickets["mine"].pk)
    services.ticket_claim(actor=other_agent, ticket_id=tickets["bobs"].pk)
    services.ticket_change_status(actor=agent, ticket_id=tickets["done"].pk, status=Status.CLOSED)
    return tickets


# --- who gets what -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["agent", "admin"])
def test_staff_home_is_the_workspace(
    queue: dict[str, Ticket], who: str, request: pytest.FixtureRequest
) -> None:
    response = signed_in(request.getfixturevalue(who)).get("/home")
    assert response.status_code == 200
    page = html(response)
    assert 'id="workspace"' in page and 'aria-label="Ticket views"' in page
    assert 'aria-current="page"' in page.split('id="view-claimable"')[1].split("</a>")[0]
    # The claimable queue, oldest first, with ages that make old tickets stand out.
    assert _rows(page) == [
        "Waiting for ages",
        "Waiting on the customer",
        "Late for the deadline",
        "Just arrived now",
    ]
    assert 'class="age age--old"' in page and "Waiting 4 days" in page
    assert "Overdue by 2 hours" in page
    assert "Open a ticket for a customer" in page and ">Open a ticket</a>" not in page
    assert 'id="shortcuts-dialog"' in page and "frontdesk/shortcuts.js" in page


def test_workspace_shows_the_counts(queue: dict[str, Ticket], agent: User) -> None:
    page = html(signed_in(agent).get("/home"))
    counts = {
        view: _count(page, view)
        for view in ("claimable", "mine", "open", "pending", "overdue", "closed")
    }
    assert counts == {"claimable": 4, "mine": 1, "open": 6, "pending": 1, "overdue": 1, "closed": 1}


def test_row_has_every_column(queue: dict[str, Ticket], agent: User) -> None:
    services.ticket_update(
        actor=agent,
        ticket_id=queue["mine"].pk,
        changes={"priority": Priority.CRITICAL, "tags": ["boiler"]},
    )
    page = html(signed_in(agent).get("/home?view=mine"))
    row = page.split(f'data-ticket-id="{queue["mine"].pk}"')[1].split("</tr>")[0]
    assert queue["mine"].number in row and "Claimed by Alice" in row
    assert "John" in row and "Alice" in row
    assert '<span class="badge badge--open">' in row
    assert 'class="priority priority--critical"' in row and "Critical</span>" in row
    assert '<span class="tag">boiler</span>' in row
    assert "Waiting 2 days" in row and "just now</time>" in row


@pytest.mark.parametrize("path", ["/home", "/home?view=open", "/home?q=heating", "/"])
def test_customers_keep_their_own_home(
    queue: dict[str, Ticket], other_customer: User, path: str
) -> None:
    open_ticket(other_customer, "My very own ticket")
    response = signed_in(other_customer).get(path)
    assert response.status_code == 200
    page = html(response)
    assert 'id="workspace"' not in page and "Ticket views" not in page
    assert "My very own ticket" in page and "Waiting for ages" not in page
    assert "shortcuts-dialog" not in page


def test_customers_get_the_customer_home_for_htmx_too(customer: User) -> None:
    page = html(signed_in(customer).get("/home?view=open", **HTMX))
    assert 'id="workspace"' not in page and "Your tickets" in page


def test_signed_out_visitors_are_sent_to_sign_in() -> None:
    response = Client().get("/home?view=open")
    assert response.status_code == 302 and response["Location"].startswith("/login")


# --- views, filters, sorting ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("view=mine", ["Claimed by Alice"]),
        (
            "view=open",
            [
                "Waiting for ages",
                "Waiting on the customer",
                "Claimed by Alice",
                "Late for the deadline",
                "Claimed by Bob",
                "Just arrived now",
            ],
        ),
        ("view=pending", ["Waiting on the customer"]),
        ("view=overdue", ["Late for the deadline"]),
        ("view=closed", ["All sorted out"]),
        ("view=open&status=pending", ["Waiting on the customer"]),
        (
            "view=open&assigned_to=unassigned&status=new",
            ["Waiting for ages", "Late for the deadline", "Just arrived now"],
        ),
        ("view=open&priority=high", ["Claimed by Bob"]),
        ("view=open&category=billing", ["Just arrived now"]),
        ("view=open&tag=Boiler", ["Waiting for ages"]),
        (
            "view=open&sort=-created",
            [
                "Just arrived now",
                "Claimed by Bob",
                "Late for the deadline",
                "Claimed by Alice",
                "Waiting on the customer",
                "Waiting for ages",
            ],
        ),
        ("view=open&sort=priority&status=open", ["Claimed by Bob", "Claimed by Alice"]),
    ],
)
def test_views_filters_and_sorting(
    queue: dict[str, Ticket], agent: User, query: str, expected: list[str]
) -> None:
    services.ticket_update(actor=agent, ticket_id=queue["bobs"].pk, changes={"priority": "high"})
    services.ticket_update(actor=agent, ticket_id=queue["new"].pk, changes={"category": "billing"})
    services.ticket_update(actor=agent, ticket_id=queue["old"].pk, changes={"tags": ["boiler"]})
    response = signed_in(agent).get(f"/home?{query}")
    assert response.status_code == 200
    assert _rows(html(response)) == expected


def test_assignee_filter_lists_the_agents(
    queue: dict[str, Ticket], agent: User, other_agent: User
) -> None:
    page = html(signed_in(agent).get(f"/home?view=open&assigned_to={other_agent.pk}"))
    assert _rows(page) == ["Claimed by Bob"]
    assert f'<option value="{other_agent.pk}" selected>Bob</option>' in page
    assert '<option value="unassigned">Unassigned</option>' in page


def test_sort_links_keep_the_filters_and_say_the_order(
    queue: dict[str, Ticket], agent: User
) -> None:
    page = html(signed_in(agent).get("/home?view=open&status=new"))
    assert 'aria-sort="ascending"' in page.split('id="sort-created"')[0].rsplit("<th", 1)[1]
    link = re.search(r'id="sort-created" href="([^"]+)"', page)
    assert link and link.group(1) == "/home?view=open&amp;status=new&amp;sort=-created"


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("view=open&status=sleeping", "status", "Choose a status from the list."),
        ("view=open&assigned_to=99999", "assigned_to", "Choose an agent from the list."),
        ("view=open&sort=random", "sort", "Choose an order from the list."),
        ("view=open&after=not-a-cursor", None, "That page link is not valid"),
    ],
)
def test_bad_parameters_are_explained(
    queue: dict[str, Ticket], agent: User, query: str, field: str | None, message: str
) -> None:
    response = signed_in(agent).get(f"/home?{query}")
    assert response.status_code == 400
    page = html(response)
    assert message in page
    if field:
        assert f'id="id_{field}_error"' in page
        # The rest of the address still counts: the view is shown, unfiltered.
        assert len(_rows(page)) == 6


def test_an_unknown_view_falls_back_to_claimable(queue: dict[str, Ticket], agent: User) -> None:
    response = signed_in(agent).get("/home?view=everything")
    assert response.status_code == 200
    assert _rows(html(response))[0] == "Waiting for ages"


# --- pages ----------------------------------------------------------------------------------


def test_lists_come_in_pages_of_fifty(customer: User, admin: User) -> None:
    now = timezone.now()
    for number in range(53):
        open_ticket(customer, f"Queued ticket {number:03d}", at=now - timedelta(days=60 - number))
    client = signed_in(admin)
    page = html(client.get("/home"))
    rows = _rows(page)
    assert len(rows) == 50 and rows[0] == "Queued ticket 000" and rows[-1] == "Queued ticket 049"
    assert _count(page, "claimable") == 53
    link = re.search(r'id="page-next" rel="next" href="([^"]+)"', page)
    assert link is not None
    second = html(client.get(link.group(1).replace("&amp;", "&")))
    assert _rows(second) == ["Queued ticket 050", "Queued ticket 051", "Queued ticket 052"]
    assert 'id="page-next"' not in second and 'id="page-first"' in second


# --- htmx -----------------------------------------------------------------------------------


def test_htmx_gets_the_workspace_region_only(queue: dict[str, Ticket], agent: User) -> None:
    response = signed_in(agent).get("/home?view=mine", **HTMX)
    assert response.status_code == 200
    page = html(response)
    assert "<html" not in page and "<header" not in page and 'id="workspace"' not in page
    assert 'aria-label="Ticket views"' in page and _rows(page) == ["Claimed by Alice"]
    assert 'hx-get="/home?view=pending"' in page


def test_htmx_history_restore_gets_the_whole_page(queue: dict[str, Ticket], agent: User) -> None:
    response = signed_in(agent).get(
        "/home?view=mine", HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in html(response)


def test_htmx_errors_come_back_as_the_region(queue: dict[str, Ticket], agent: User) -> None:
    response = signed_in(agent).get("/home?view=open&priority=whenever", **HTMX)
    assert response.status_code == 400
    page = html(response)
    assert "<html" not in page and 'id="id_priority_error"' in page


# --- search ---------------------------------------------------------------------------------


def test_search_finds_titles_and_messages(
    queue: dict[str, Ticket], agent: User, customer: User
) -> None:
    services.message_post(
        actor=customer, ticket_id=queue["bobs"].pk, body="The DEADLINE is Friday."
    )
    page = html(signed_in(agent).get("/home?q=deadline"))
    assert set(_rows(page)) == {"Late for the deadline", "Claimed by Bob"}
    assert "Search results for “deadline”" in page
    assert (
        'aria-current="page"' not in page.split('aria-label="Ticket views"')[1].split("</nav>")[0]
    )


def test_search_finds_internal_notes_for_staff(queue: dict[str, Ticket], agent: User) -> None:
    services.message_post(
        actor=agent, ticket_id=queue["old"].pk, body="Spare parts ordered.", internal=True
    )
    assert _rows(html(signed_in(agent).get("/home?q=spare+parts"))) == ["Waiting for ages"]


def test_search_with_nothing_found_says_so(queue: dict[str, Ticket], agent: User) -> None:
    page = html(signed_in(agent).get("/home?q=zebra&status=new"))
    assert _rows(page) == [] and "No tickets match “zebra” with these filters." in page


@pytest.mark.parametrize("form", ["TKT-{:06d}", "{}"])
def test_search_by_number_opens_the_ticket(
    queue: dict[str, Ticket], agent: User, form: str
) -> None:
    ticket = queue["late"]
    response = signed_in(agent).get("/home", {"q": form.format(ticket.pk)})
    assert response.status_code == 302 and response["Location"] == f"/ticket/{ticket.pk}"


def test_htmx_search_by_number_redirects_the_browser(queue: dict[str, Ticket], agent: User) -> None:
    ticket = queue["late"]
    response = signed_in(agent).get("/home", {"q": ticket.number}, **HTMX)
    assert response["HX-Redirect"] == f"/ticket/{ticket.pk}"


# --- query counts ---------------------------------------------------------------------------


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "path", ["/home", "/home?view=open&sort=priority", "/home?view=closed", "/home?q=ticket"]
)
def test_query_count_does_not_grow_with_the_tickets(
    customer: User,
    agent: User,
    other_agent: User,
    path: str,
    django_assert_num_queries: Any,
) -> None:
    def add(count: int) -> None:
        now = timezone.now()
        for number in range(count):
            open_ticket(
                customer,
                f"Counted ticket {number}",
                at=now - timedelta(days=number),
                staff=agent,
                tags=["a"],
                assignee=other_agent if number % 3 == 1 else None,
                status=Status.CLOSED if number % 3 == 2 else None,
            )

    client = signed_in(agent)
    add(3)
    client.get(path)  # counts the desk once; later requests reuse the summary
    baseline = _queries(client, path)
    add(27)
    cache.clear()
    client.get(path)
    with django_assert_num_queries(baseline):
        client.get(path)
    # Session, user, agents, tickets, tags, counts; the session's save in a savepoint.
    assert baseline <= 9
