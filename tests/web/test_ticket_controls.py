"""An agent's controls on a ticket page (status, assignee, priority, category, tags, due date)
and its history: with and without htmx, their errors, and what customers never see."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from frontdesk.accounts.models import User
from frontdesk.tickets import file_services, services
from frontdesk.tickets.models import Message, MessageKind, Priority, Status, Ticket, TicketEvent
from tests.conftest import Clock
from tests.web.conftest import html, signed_in, submit

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def post(client: Client, ticket: Ticket, data: dict[str, str], *, htmx: bool = False) -> Any:
    path = f"/ticket/{ticket.pk}"
    if htmx:
        return client.post(path, {"csrfmiddlewaretoken": "x" * 64, **data}, **HTMX)
    return submit(client, path, data)


def _changes(ticket: Ticket) -> int:
    return TicketEvent.objects.filter(ticket=ticket).count()


# --- who sees the controls ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["agent", "admin"])
def test_staff_see_controls_and_history(
    ticket: Ticket, who: str, request: pytest.FixtureRequest
) -> None:
    page = html(signed_in(request.getfixturevalue(who)).get(f"/ticket/{ticket.pk}"))
    assert 'id="ticket-sidebar"' in page and 'id="controls-title"' in page
    for action in ("status", "assign", "priority", "category", "tags", "due"):
        assert f'name="action" value="{action}"' in page
    for control in ("status", "assignee", "priority", "category", "tags", "due_at"):
        assert f'<label for="id_{control}">' in page
    assert 'id="history-title"' in page
    assert '<span class="history-actor">John</span> opened the ticket' in page
    assert 'hx-post="/ticket/' in page and 'hx-target="#ticket-sidebar"' in page


def test_customer_sees_no_controls_and_no_history(ticket: Ticket, customer: User) -> None:
    page = html(signed_in(customer).get(f"/ticket/{ticket.pk}"))
    assert 'id="controls-title"' not in page and 'id="history-title"' not in page
    assert 'value="priority"' not in page and 'name="assignee"' not in page
    assert "opened the ticket" not in page
    # The customer's details stay as they were.
    assert "This ticket has not been claimed" in page and "Details</h2>" in page


def test_status_offers_only_the_next_statuses(ticket: Ticket, agent: User) -> None:
    services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.RESOLVED)
    page = html(signed_in(agent).get(f"/ticket/{ticket.pk}"))
    select = page.split('<select id="id_status"')[1].split("</select>")[0]
    # The current status first, chosen; then where it may go.
    assert re.findall(r'<option value="(\w+)"', select) == ["resolved", "closed", "reopened"]
    assert '<option value="resolved" selected>Resolved (now)</option>' in select


def test_assignee_offers_active_agents(
    ticket: Ticket, agent: User, other_agent: User, admin: User, customer: User
) -> None:
    page = html(signed_in(agent).get(f"/ticket/{ticket.pk}"))
    select = page.split('<select id="id_assignee"')[1].split("</select>")[0]
    assert '<option value="" selected>Unassigned</option>' in select
    names = re.findall(r'<option value="\d+">([^<]+)</option>', select)
    assert names == ["Ada", "Alice (you)", "Bob"]


# --- each control, without JavaScript (POST, redirect, GET) ---------------------------------


@pytest.mark.parametrize(
    ("data", "check", "flash"),
    [
        (
            {"action": "status", "status": "pending"},
            lambda t, people: t.status == Status.PENDING,
            "Status changed to Pending.",
        ),
        (
            {"action": "priority", "priority": "urgent"},
            lambda t, people: t.priority == Priority.URGENT,
            "Priority set to Urgent.",
        ),
        (
            {"action": "category", "category": "billing"},
            lambda t, people: t.category == "billing",
            "Category set to Billing.",
        ),
        (
            {"action": "tags", "tags": "Boiler, studio 2 ,, boiler"},
            lambda t, people: (
                sorted(t.tags.values_list("name", flat=True)) == ["boiler", "studio 2"]
            ),
            "Tags saved.",
        ),
        (
            {"action": "due", "due_at": "2030-05-01T09:30"},
            lambda t, people: t.due_at == datetime(2030, 5, 1, 9, 30, tzinfo=UTC),
            "Due date saved.",
        ),
        (
            {"action": "assign", "assignee": "BOB"},
            lambda t, people: t.assignee == people["other_agent"],
            "Assigned to Bob.",
        ),
    ],
)
def test_each_control_changes_the_ticket(
    ticket: Ticket,
    agent: User,
    other_agent: User,
    data: dict[str, str],
    check: Any,
    flash: str,
) -> None:
    data = {**data, "assignee": str(other_agent.pk)} if data.get("assignee") == "BOB" else data
    client = signed_in(agent)
    response = post(client, ticket, data)
    assert response.status_code == 302 and response["Location"] == f"/ticket/{ticket.pk}"
    ticket.refresh_from_db()
    assert check(ticket, {"other_agent": other_agent})
    page = html(client.get(f"/ticket/{ticket.pk}"))
    assert flash in page


def test_controls_clear_values(ticket: Ticket, agent: User) -> None:
    services.ticket_update(
        actor=agent,
        ticket_id=ticket.pk,
        changes={"tags": ["boiler"], "due_at": datetime(2030, 1, 1, tzinfo=UTC)},
    )
    services.ticket_assign(actor=agent, ticket_id=ticket.pk, assignee_id=agent.pk)
    client = signed_in(agent)
    assert post(client, ticket, {"action": "tags", "tags": " "}).status_code == 302
    assert post(client, ticket, {"action": "due", "due_at": ""}).status_code == 302
    assert post(client, ticket, {"action": "assign", "assignee": ""}).status_code == 302
    ticket.refresh_from_db()
    assert list(ticket.tags.all()) == [] and ticket.due_at is None and ticket.assignee is None
    page = html(client.get(f"/ticket/{ticket.pk}"))
    assert "The ticket is now unassigned." in page


def test_the_page_shows_current_values(ticket: Ticket, agent: User) -> None:
    services.ticket_update(
        actor=agent,
        ticket_id=ticket.pk,
        changes={
            "priority": "high",
            "category": "bug",
            "tags": ["studio 2", "boiler"],
            "due_at": datetime(2030, 5, 1, 9, 30, tzinfo=UTC),
        },
    )
    page = html(signed_in(agent).get(f"/ticket/{ticket.pk}"))
    assert '<option value="high" selected>High</option>' in page
    assert '<option value="bug" selected>Bug</option>' in page
    assert 'name="tags" value="boiler, studio 2"' in page
    assert 'name="due_at" value="2030-05-01T09:30"' in page


def test_history_tells_each_change_in_words(ticket: Ticket, agent: User, other_agent: User) -> None:
    client = signed_in(agent)
    post(client, ticket, {"action": "priority", "priority": "urgent"})
    post(client, ticket, {"action": "assign", "assignee": str(other_agent.pk)})
    post(client, ticket, {"action": "tags", "tags": "boiler"})
    post(client, ticket, {"action": "status", "status": "in_progress"})
    page = html(client.get(f"/ticket/{ticket.pk}"))
    history = page.split('id="history-title"')[1].split("</section>")[0]
    lines = [
        re.sub(r"<[^>]+>", "", line).split(" · ")[0].strip()
        for line in re.findall(r"<li>(.*?)</li>", history, re.S)
    ]
    assert lines == [
        "John opened the ticket",
        "Alice changed priority from Medium to Urgent",
        "Alice assigned the ticket to Bob",
        "Alice changed status from New to Open",
        "Alice set tags to boiler",
        "Alice changed status from Open to In progress",
    ]
    # System messages say it in the conversation too.
    assert "This ticket has been assigned to Bob (ID: " in page


def test_history_tells_changes_to_the_conversation(ticket: Ticket, agent: User) -> None:
    note = services.message_post(
        actor=agent, ticket_id=ticket.pk, body="Ask about the boiler.", internal=True
    )
    services.message_edit(actor=agent, message_id=note.pk, body="Ask about the boiler first.")
    reply = services.message_post(actor=agent, ticket_id=ticket.pk, body="We are on it now.")
    file = SimpleUploadedFile("plan.txt", b"Studio plan", "text/plain")
    attachment = file_services.attachment_add(actor=agent, file=file, message_id=reply.pk)
    file_services.attachment_describe(
        actor=agent, attachment_id=attachment.pk, description="Floor 2"
    )
    file_services.attachment_delete(actor=agent, attachment_id=attachment.pk)
    services.message_delete(actor=agent, message_id=reply.pk)
    page = html(signed_in(agent).get(f"/ticket/{ticket.pk}"))
    history = page.split('id="history-title"')[1].split("</section>")[0]
    lines = [
        re.sub(r"<[^>]+>", "", line).split(" · ")[0].strip()
        for line in re.findall(r"<li>(.*?)</li>", history, re.S)
    ]
    assert lines[1:] == [
        "Alice edited an internal note",
        "Alice changed status from New to Open",  # the first answer takes it into work
        "Alice attached plan.txt",
        "Alice changed the description of plan.txt",
        "Alice removed the file plan.txt",
        "Alice deleted a reply",
    ]


def test_long_histories_fold_the_older_part(ticket: Ticket, agent: User) -> None:
    for priority in ["high", "low"] * 6:
        services.ticket_update(actor=agent, ticket_id=ticket.pk, changes={"priority": priority})
    page = html(signed_in(agent).get(f"/ticket/{ticket.pk}"))
    assert "Show 5 earlier changes" in page


# --- bad values: an error next to the control, nothing changed ----------------------------


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"action": "status", "status": "reopened"}, "status", "This ticket is already open."),
        ({"action": "status", "status": "sleeping"}, "status", "Unknown status"),
        ({"action": "priority", "priority": "whenever"}, "priority", "Unknown priority"),
        ({"action": "category", "category": "gossip"}, "category", "Unknown category"),
        ({"action": "tags", "tags": "ok, bad!tag"}, "tags", "Tag &#x27;bad!tag&#x27; is not valid"),
        ({"action": "due", "due_at": "next tuesday"}, "due_at", "Enter the due date as a date"),
        ({"action": "assign", "assignee": "bob"}, "assignee", "Choose an agent from the list."),
        ({"action": "assign", "assignee": "99999"}, "assignee", "Choose an agent from the list."),
        ({"action": "assign", "assignee": ""}, "assignee", "already unassigned"),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_bad_values_are_explained_and_change_nothing(
    ticket: Ticket, agent: User, data: dict[str, str], field: str, message: str, htmx: bool
) -> None:
    before = _changes(ticket)
    response = post(signed_in(agent), ticket, data, htmx=htmx)
    assert response.status_code == 400
    page = html(response)
    error = re.search(rf'id="id_{field}_error">(.*?)</p>', page, re.S)
    assert error is not None and message in error.group(1)
    assert 'aria-invalid="true"' in page
    assert _changes(ticket) == before
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW and ticket.priority == Priority.MEDIUM
    assert ticket.assignee is None and ticket.due_at is None
    if htmx:
        assert "<html" not in page and " autofocus" in page
    else:
        assert "There is a problem" in page


def test_typed_value_is_kept_after_an_error(ticket: Ticket, agent: User) -> None:
    page = html(post(signed_in(agent), ticket, {"action": "tags", "tags": "ok, bad!tag"}))
    assert 'name="tags" value="ok, bad!tag"' in page


def test_a_customer_assigned_the_ticket_is_refused(
    ticket: Ticket, agent: User, customer: User
) -> None:
    response = post(signed_in(agent), ticket, {"action": "assign", "assignee": str(customer.pk)})
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.assignee is None


# --- htmx: the sidebar in place, the conversation and head out of band --------------------


def test_htmx_control_answers_the_sidebar(ticket: Ticket, agent: User) -> None:
    response = post(signed_in(agent), ticket, {"action": "status", "status": "pending"}, htmx=True)
    assert response.status_code == 200
    page = html(response)
    assert "<html" not in page and "<header" not in page
    assert page.lstrip().startswith('<aside class="ticket-sidebar" id="ticket-sidebar"')
    assert '<div id="thread" hx-swap-oob="innerHTML">' in page
    assert '<div id="ticket-head" hx-swap-oob="innerHTML">' in page
    toast = '<div id="toast" hx-swap-oob="innerHTML"><p class="toast-message">'
    assert f"{toast}Status changed to Pending.</p>" in page
    head = page.split('id="ticket-head"')[1].split('id="thread"')[0]
    assert '<span class="badge badge--pending">' in head
    assert "This ticket has been marked as Pending by Alice" in page
    assert "Alice changed status from New to Pending" in re.sub(r"<[^>]+>", "", page)
    # No flash message waits for the next page: htmx said it already.
    assert "Status changed to Pending." not in html(signed_in(agent).get(f"/ticket/{ticket.pk}"))


def test_htmx_stale_status_change_is_explained(
    ticket: Ticket, agent: User, other_agent: User
) -> None:
    # Someone else closed it first: the service explains, in the sidebar.
    services.ticket_change_status(actor=other_agent, ticket_id=ticket.pk, status=Status.CLOSED)
    response = post(signed_in(agent), ticket, {"action": "status", "status": "closed"}, htmx=True)
    assert response.status_code == 400
    assert "This ticket is already closed." in html(response)


def test_the_head_buttons_answer_in_place_with_htmx(ticket: Ticket, agent: User) -> None:
    response = post(signed_in(agent), ticket, {"action": "claim"}, htmx=True)
    assert response.status_code == 200
    page = html(response)
    assert "You have claimed this ticket." in page
    assert "This ticket has been claimed by Alice" in page
    assert '<aside class="ticket-sidebar" id="ticket-sidebar"' in page


# --- customers cannot use the controls ------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"action": "status", "status": "pending"},
        {"action": "priority", "priority": "urgent"},
        {"action": "category", "category": "billing"},
        {"action": "tags", "tags": "vip"},
        {"action": "due", "due_at": "2030-01-01T10:00"},
        {"action": "assign", "assignee": "1"},
        {"action": "assign", "assignee": ""},
        {"action": "resolution", "resolution": "Fixed it myself", "resolution_public": "on"},
        {"action": "status", "status": "closed", "resolution": "Fixed it myself"},
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_customers_are_refused_every_control(
    ticket: Ticket, customer: User, agent: User, data: dict[str, str], htmx: bool
) -> None:
    data = {**data, "assignee": str(agent.pk)} if data.get("assignee") == "1" else data
    before = _changes(ticket)
    response = post(signed_in(customer), ticket, data, htmx=htmx)
    assert response.status_code == 403
    assert "opened the ticket" not in html(response)
    assert _changes(ticket) == before
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW and ticket.assignee is None and ticket.due_at is None


def test_customers_can_still_close_their_ticket(ticket: Ticket, customer: User) -> None:
    response = post(signed_in(customer), ticket, {"action": "status", "status": "closed"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_other_customers_get_nothing(ticket: Ticket, other_customer: User) -> None:
    response = post(signed_in(other_customer), ticket, {"action": "priority", "priority": "low"})
    assert response.status_code == 404
    ticket.refresh_from_db()
    assert ticket.priority == Priority.MEDIUM


# --- query counts ---------------------------------------------------------------------------


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_ticket_page_queries_do_not_grow_with_history(
    ticket: Ticket, agent: User, other_agent: User, customer: User, django_assert_num_queries: Any
) -> None:
    def work(start: int, stop: int) -> None:
        for number in range(start, stop):
            services.ticket_assign(
                actor=agent,
                ticket_id=ticket.pk,
                assignee_id=(other_agent if number % 2 else agent).pk,
            )
            services.ticket_update(
                actor=agent, ticket_id=ticket.pk, changes={"tags": [f"tag {number}"]}
            )
            services.message_post(
                actor=agent, ticket_id=ticket.pk, body=f"A note number {number}.", internal=True
            )
            services.message_post(actor=customer, ticket_id=ticket.pk, body="Any news yet?")

    client = signed_in(agent)
    client.get(f"/ticket/{ticket.pk}")  # the first visit also starts the read marker
    work(0, 3)
    baseline = _queries(client, f"/ticket/{ticket.pk}")
    work(3, 30)
    assert Message.objects.filter(ticket=ticket, kind=MessageKind.INTERNAL).count() == 30
    with django_assert_num_queries(baseline):
        client.get(f"/ticket/{ticket.pk}")


def test_htmx_control_queries_do_not_grow(
    ticket: Ticket, agent: User, other_agent: User, clock: Clock
) -> None:
    """A control's answer (the sidebar with its history, the head, the conversation) runs
    as many queries with 30 more history rows and notes as without them."""
    client = signed_in(agent)
    post(client, ticket, {"action": "priority", "priority": "low"}, htmx=True)  # warm
    with CaptureQueriesContext(connection) as small:
        post(client, ticket, {"action": "priority", "priority": "high"}, htmx=True)
    for number in range(30):
        services.ticket_update(actor=agent, ticket_id=ticket.pk, changes={"tags": [f"t{number}"]})
        services.message_post(
            actor=other_agent, ticket_id=ticket.pk, body=f"Note number {number}.", internal=True
        )
    client.get(f"/ticket/{ticket.pk}")  # read, as before the first count: the same marker work
    with CaptureQueriesContext(connection) as grown:
        post(client, ticket, {"action": "priority", "priority": "urgent"}, htmx=True)
    assert len(grown) == len(small), (len(small), len(grown))
