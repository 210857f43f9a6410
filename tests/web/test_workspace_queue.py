"""The workspace's dense queue on the page: one-line rows with the full title on hover and the
latest message, filters as removable chips, saved views beside the built-in ones, and bulk
changes posted as a browser posts them (CSRF enforced)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.tickets import services
from frontdesk.tickets.models import Priority, SavedView, Status, Ticket, TicketEvent
from frontdesk.tickets.saved_views import saved_view_create
from tests.conftest import open_ticket
from tests.web.conftest import html

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def browser(user: User) -> tuple[Client, str]:
    """A signed-in client that checks CSRF as for a browser, with the workspace's token."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    page = html(client.get("/home"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    return client, token.group(1)


@pytest.fixture
def queue(customer: User, agent: User) -> list[Ticket]:
    tickets = [open_ticket(customer, f"Studio issue number {n}") for n in range(4)]
    services.message_post(actor=agent, ticket_id=tickets[0].pk, body="Checking with facilities.")
    services.message_post(
        actor=agent, ticket_id=tickets[1].pk, body="Spare key in the office.", internal=True
    )
    return tickets


# --- rows ----------------------------------------------------------------------------------


def test_rows_carry_the_full_title_and_the_latest_message(queue: list[Ticket], agent: User) -> None:
    long_title = "Kursbuchung für Kinderballett: Warteliste <und> Preise " * 3
    Ticket.objects.filter(pk=queue[2].pk).update(title=long_title.strip())
    services.ticket_claim(actor=agent, ticket_id=queue[3].pk)  # only a system line after it
    page = html(Client.get(_signed(agent), "/home?view=open"))
    row = _row(page, queue[2])
    escaped = long_title.strip().replace("<", "&lt;").replace(">", "&gt;")
    assert f'title="{escaped}"' in row and 'dir="auto"' in row
    assert "Checking with facilities." in _row(page, queue[0])
    assert "Spare key in the office." in _row(page, queue[1])  # notes are news to agents
    # A system line is no message: the preview stays the customer's first words.
    assert "The heating in studio 2 is off." in _row(page, queue[3])
    assert f'aria-label="Select {queue[0].number}: {queue[0].title}"' in page


def test_a_row_escapes_what_people_wrote_and_speaks_the_readers_language(
    queue: list[Ticket], agent: User
) -> None:
    """Every part of a row a person wrote (title, latest message, tag, names) is escaped, and
    its words, times and badges are in the reader's language, the same for every row."""
    hostile = "<img src=x onerror=alert(1)> & \"quotes\" 'too'"
    Ticket.objects.filter(pk=queue[0].pk).update(title=hostile, priority=Priority.URGENT)
    services.message_post(actor=agent, ticket_id=queue[0].pk, body=f"Re: {hostile}")
    services.ticket_claim(actor=agent, ticket_id=queue[0].pk)
    escaped = "&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot; &#x27;too&#x27;"
    agent.language = "es"
    agent.save(update_fields=["language"])
    page = html(_signed(agent).get("/home?view=open"))
    row = _row(page, queue[0])
    assert "<img src=x" not in page
    assert f'title="{escaped}"' in row and f">{escaped}</span></a>" in row
    assert f"Re: {escaped}</span>" in row
    assert f'aria-label="Seleccionar {queue[0].number}: {escaped}"' in row
    assert f"{agent.username}</td>" in row and "Responsable" in row
    assert "Urgente" in row and "Última actividad" in row and "ahora mismo" in row
    # The list's address is the same in every row's link (the view it was followed from).
    assert f'href="/ticket/{queue[1].pk}?from=view%3Dopen"' in _row(page, queue[1])
    assert '<span class="muted">Sin asignar</span>' in _row(page, queue[1])


def _signed(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _row(page: str, ticket: Ticket) -> str:
    return page.split(f'data-ticket-id="{ticket.pk}"')[1].split("</tr>")[0]


# --- filters as chips -----------------------------------------------------------------------


def test_active_filters_show_as_chips_that_remove_themselves(
    queue: list[Ticket], agent: User
) -> None:
    page = html(_signed(agent).get("/home?view=open&priority=medium&status=new&q=studio&after="))
    chips = re.findall(r'class="chip-remove" id="remove-(\w+)" href="([^"]+)"', page)
    assert dict(chips) == {
        "q": "/home?view=open&amp;priority=medium&amp;status=new",
        "priority": "/home?view=open&amp;status=new&amp;q=studio",
        "status": "/home?view=open&amp;priority=medium&amp;q=studio",
    }
    assert 'aria-label="Remove filter Status: New"' in page
    assert 'aria-label="Remove filter Search: studio"' in page
    assert '<span class="filter-count">3' in page
    unfiltered = html(_signed(agent).get("/home?view=open"))
    assert 'class="chips"' not in unfiltered and 'class="filter-count"' not in unfiltered


def test_an_invalid_filter_opens_the_filters_and_makes_no_chip(
    queue: list[Ticket], agent: User
) -> None:
    page = html(_signed(agent).get("/home?view=open&status=sleeping"))
    assert '<details class="filter-more" id="filter-more" open>' in page
    assert "remove-status" not in page


# --- saved views ------------------------------------------------------------------------------


def test_saving_the_current_view_with_csrf(queue: list[Ticket], agent: User) -> None:
    client, token = browser(agent)
    page = html(client.get("/home?view=open&priority=medium"))
    assert 'name="query" value="view=open&amp;priority=medium"' in page
    refused = client.post("/home/views", {"name": "Medium", "query": "view=open"})
    assert refused.status_code == 403  # no CSRF token
    answer = client.post(
        "/home/views",
        {
            "csrfmiddlewaretoken": token,
            "name": "Medium",
            "query": "view=open&priority=medium",
            "back": "view=open&priority=medium",
        },
    )
    assert answer.status_code == 302
    assert answer["Location"] == "/home?view=open&priority=medium"
    view = SavedView.objects.get()
    shown = html(client.get(answer["Location"]))
    assert "Saved the view “Medium”." in shown
    link = shown.split(f'id="saved-view-{view.pk}"')[1].split("</a>")[0]
    assert 'aria-current="page"' in link and '<span class="count">4<' in link
    assert "<h2" in shown and ">Medium</h2>" in shown
    assert 'id="save-view"' not in shown  # it is saved already


def test_saving_with_htmx_answers_the_region_and_the_outcome(
    queue: list[Ticket], agent: User
) -> None:
    client, token = browser(agent)
    answer = client.post(
        "/home/views",
        {"csrfmiddlewaretoken": token, "name": "", "query": "view=open", "back": "view=open"},
        **HTMX,
    )
    assert answer.status_code == 400
    page = html(answer)
    assert "<html" not in page and 'id="views"' in page
    assert 'id="toast" hx-swap-oob="innerHTML"' in page and "Give the view a name." in page
    assert answer["HX-Push-Url"] == "false"


def test_renaming_and_deleting_views(queue: list[Ticket], agent: User, admin: User) -> None:
    own = saved_view_create(actor=agent, name="Mine", query="view=mine")
    shared = saved_view_create(actor=admin, name="Shared", query="view=open", shared=True)
    client, token = browser(agent)
    page = html(client.get("/home"))
    assert f'id="rename-{own.pk}"' in page and f'id="rename-{shared.pk}"' not in page
    assert "Shared view: </span>Shared" in page

    renamed = client.post(
        f"/home/views/{own.pk}",
        {"csrfmiddlewaretoken": token, "action": "rename", "name": "My queue", "back": ""},
        **HTMX,
    )
    assert renamed.status_code == 200 and "Renamed the view to “My queue”." in html(renamed)
    refused = client.post(
        f"/home/views/{shared.pk}", {"csrfmiddlewaretoken": token, "action": "delete"}
    )
    assert refused.status_code == 403
    deleted = client.post(
        f"/home/views/{own.pk}", {"csrfmiddlewaretoken": token, "action": "delete"}
    )
    assert deleted.status_code == 302
    assert list(SavedView.objects.values_list("name", flat=True)) == ["Shared"]
    assert (
        client.post(
            "/home/views/987654", {"csrfmiddlewaretoken": token, "action": "delete"}
        ).status_code
        == 404
    )


# --- bulk changes -----------------------------------------------------------------------------


def test_a_bulk_change_without_javascript(queue: list[Ticket], agent: User) -> None:
    client, token = browser(agent)
    data: dict[str, Any] = {
        "csrfmiddlewaretoken": token,
        "ticket": [str(queue[0].pk), str(queue[2].pk)],
        "priority": Priority.URGENT,
        "tag": "Front desk",
        "tag_action": "add",
        "action": "apply",
        "back": "view=open&sort=-created",
    }
    assert client.post("/home/bulk", {**data, "csrfmiddlewaretoken": ""}).status_code == 403
    answer = client.post("/home/bulk", data)
    assert answer.status_code == 302 and answer["Location"] == "/home?view=open&sort=-created"
    assert "Changed 2 tickets." in html(client.get(answer["Location"]))
    urgent = Ticket.objects.filter(priority=Priority.URGENT).order_by("pk")
    assert [t.pk for t in urgent] == [queue[0].pk, queue[2].pk]
    assert TicketEvent.objects.filter(field="tags", new_value="front desk").count() == 2


def test_a_bulk_close_with_htmx_refreshes_the_list_and_names_refusals(
    queue: list[Ticket], agent: User
) -> None:
    services.ticket_change_status(actor=agent, ticket_id=queue[3].pk, status=Status.CLOSED)
    client, token = browser(agent)

    def post(**data: Any) -> str:
        answer = client.post(
            "/home/bulk", {"csrfmiddlewaretoken": token, "back": "view=open", **data}, **HTMX
        )
        assert answer.status_code == 200
        return html(answer)

    page = post(ticket=[str(queue[0].pk), str(queue[3].pk)], status="pending")
    assert "Changed 1 ticket." in page
    assert f"Not changed: {queue[3].number}: A ticket that is closed cannot become pending." in page
    page = post(ticket=[str(queue[0].pk), str(queue[3].pk)], action="close")
    assert "Changed 1 ticket. 1 already as asked." in page
    assert f'data-ticket-id="{queue[0].pk}"' not in page  # closed: gone from "All open"
    assert f'data-ticket-id="{queue[1].pk}"' in page


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"priority": "high"}, "Choose at least one ticket."),
        ({"ticket": ["1"]}, "Choose a change to make."),
        ({"ticket": ["²"], "priority": "high"}, "Use a whole number (an id)."),
        ({"ticket": ["1"], "assignee": "Bob"}, "Choose an agent."),
    ],
)
def test_a_bulk_change_that_cannot_start_says_why(
    queue: list[Ticket], agent: User, data: dict[str, Any], words: str
) -> None:
    client, token = browser(agent)
    answer = client.post(
        "/home/bulk", {"csrfmiddlewaretoken": token, "back": "view=open", **data}, **HTMX
    )
    assert answer.status_code == 400
    assert words in html(answer) and "toast-message--error" in html(answer)


def test_customers_have_no_bulk_changes(queue: list[Ticket], customer: User) -> None:
    client = Client(enforce_csrf_checks=False)
    client.force_login(customer)
    answer = client.post(
        "/home/bulk", {"ticket": [str(queue[2].pk)], "action": "close", "back": ""}
    )
    assert answer.status_code == 403
    assert Ticket.objects.get(pk=queue[2].pk).status == Status.NEW
    assert client.get("/home/bulk").status_code == 405


def test_admins_share_and_unshare_views_from_the_page(admin: User, agent: User) -> None:
    view = saved_view_create(actor=admin, name="Billing", query="view=open&category=billing")
    client, token = browser(admin)
    page = html(client.get("/home"))
    assert 'Share<span class="visually-hidden"> Billing with every agent' in page
    shared = client.post(
        f"/home/views/{view.pk}", {"csrfmiddlewaretoken": token, "action": "share"}, **HTMX
    )
    assert "“Billing” is shared with every agent." in html(shared)
    assert "Stop sharing" in html(shared)
    assert [v.name for v in SavedView.objects.filter(shared=True)] == ["Billing"]
    agents_page = html(_signed(agent).get("/home"))
    assert "Shared view: </span>Billing" in agents_page and "Stop sharing" not in agents_page
    client.post(f"/home/views/{view.pk}", {"csrfmiddlewaretoken": token, "action": "unshare"})
    assert not SavedView.objects.get().shared
