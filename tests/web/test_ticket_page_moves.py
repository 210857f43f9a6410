"""A ticket page's moves, posted as a browser does with CSRF checked: the split send button,
claiming by replying, taking over, the note-mode guard, the next ticket after sending, and
what htmx gets (the changed parts) against what a page without JavaScript gets (a redirect)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.tickets import services
from frontdesk.tickets.models import Message, MessageKind, Status, Ticket
from tests.conftest import Clock, open_ticket
from tests.web.conftest import html

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
BODY = "The engineer comes at nine tomorrow."
CLAIMABLE = quote("view=claimable", safe="")


def browser(user: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def post(client: Client, path: str, data: dict[str, str], *, htmx: bool = False) -> Any:
    """Post a page's form with the token its page carries."""
    page = html(client.get(path))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, "the page has no CSRF token"
    return client.post(
        path, {"csrfmiddlewaretoken": token.group(1), **data}, **(HTMX if htmx else {})
    )


@pytest.fixture
def queue(customer: User, clock: Clock) -> list[Ticket]:
    tickets = []
    for title in ("First of the queue", "Second of the queue"):
        tickets.append(open_ticket(customer, title))
        clock.advance(60)
    return tickets


def test_a_post_without_the_token_is_refused(agent: User, queue: list[Ticket]) -> None:
    response = browser(agent).post(
        f"/ticket/{queue[0].pk}", {"action": "reply", "message": BODY}, HTTP_ACCEPT="text/html"
    )
    assert response.status_code == 403
    assert not Message.objects.filter(body=BODY).exists()


@pytest.mark.parametrize("htmx", [False, True], ids=["no js", "htmx"])
def test_send_and_close_goes_to_the_next_ticket_of_the_list(
    agent: User, queue: list[Ticket], htmx: bool
) -> None:
    first, second = queue
    path = f"/ticket/{first.pk}?from={CLAIMABLE}"
    response = post(browser(agent), path, {"action": "reply_close", "message": BODY}, htmx=htmx)
    target = f"/ticket/{second.pk}?from={CLAIMABLE}"
    if htmx:
        assert response.status_code == 200 and response["HX-Redirect"] == target
    else:
        assert response.status_code == 302 and response["Location"] == target
    first.refresh_from_db()
    assert first.status == Status.CLOSED and first.assignee == agent


def test_staying_is_the_agents_choice(agent: User, queue: list[Ticket]) -> None:
    client = browser(agent)
    assert post(client, "/profile", {}).status_code in (200, 400)  # a page with a token
    token = client.cookies["csrftoken"].value
    client.post("/profile/after-send", {"csrfmiddlewaretoken": token, "after_send": "stay"})
    agent.refresh_from_db()
    assert agent.after_send == "stay"
    path = f"/ticket/{queue[0].pk}?from={CLAIMABLE}"
    response = post(client, path, {"action": "reply_pending", "message": BODY})
    assert response["Location"] == path
    queue[0].refresh_from_db()
    assert queue[0].status == Status.PENDING


def test_without_a_list_the_page_stays(agent: User, queue: list[Ticket]) -> None:
    path = f"/ticket/{queue[0].pk}"
    response = post(browser(agent), path, {"action": "reply", "message": BODY})
    assert response["Location"] == path


def test_htmx_reply_answers_the_changed_parts(agent: User, queue: list[Ticket]) -> None:
    User.objects.filter(pk=agent.pk).update(after_send="stay")
    path = f"/ticket/{queue[0].pk}"
    response = post(browser(agent), path, {"action": "reply", "message": BODY}, htmx=True)
    page = html(response)
    assert response.status_code == 200
    assert '<div id="composer-box" hx-swap-oob="innerHTML">' in page  # emptied
    assert '<div id="thread" hx-swap-oob="innerHTML">' in page
    assert BODY in page and "This ticket has been claimed by Alice" in page
    assert "Your reply has been sent." in page
    assert "<!doctype html>" not in page


def test_the_note_mode_guard_sends_nothing(agent: User, queue: list[Ticket]) -> None:
    path = f"/ticket/{queue[0].pk}"
    data = {"action": "reply_close", "mode": "note", "message": "Card 4242 charged twice."}
    for htmx in (False, True):
        response = post(browser(agent), path, data, htmx=htmx)
        assert response.status_code == 400
        page = html(response)
        assert "You are writing an internal note: nothing was sent" in page
        assert "Card 4242 charged twice." in page  # kept in the box
    assert not Message.objects.filter(body__startswith="Card").exists()
    response = post(browser(agent), path, {**data, "action": "note"})
    assert Message.objects.get(body__startswith="Card").kind == MessageKind.INTERNAL


def test_claim_shows_only_where_it_can_succeed(
    agent: User, other_agent: User, queue: list[Ticket]
) -> None:
    path = f"/ticket/{queue[0].pk}"
    page = html(browser(agent).get(path))
    assert 'id="claim-button"' in page and "Take over" not in page
    services.ticket_claim(actor=other_agent, ticket_id=queue[0].pk)
    page = html(browser(agent).get(path))
    assert 'id="claim-button"' not in page
    assert "Yes, take over from Bob" in page


@pytest.mark.parametrize("htmx", [False, True], ids=["no js", "htmx"])
def test_take_over_from_the_page(
    agent: User, other_agent: User, queue: list[Ticket], htmx: bool
) -> None:
    services.ticket_claim(actor=other_agent, ticket_id=queue[0].pk)
    path = f"/ticket/{queue[0].pk}"
    data = {"action": "take_over", "take_from": str(other_agent.pk)}
    response = post(browser(agent), path, data, htmx=htmx)
    assert response.status_code == (200 if htmx else 302)
    assert Ticket.objects.get(pk=queue[0].pk).assignee == agent
    # Confirmed against Bob, but Alice has it now: the admin is told, nothing changes.
    response = post(browser(other_agent), path, data, htmx=htmx)
    assert response.status_code == 409
    assert "meanwhile gone to Alice" in html(response)


def test_a_long_thread_folds_on_the_server(customer: User, agent: User) -> None:
    ticket = open_ticket(customer, "A long story", "Message number 0")
    for number in range(1, 20):
        services.message_post(actor=customer, ticket_id=ticket.pk, body=f"Message number {number}")
    page = html(browser(agent).get(f"/ticket/{ticket.pk}"))
    assert page.count("data-message-id=") == 7
    assert "13 earlier messages" in page and "Message number 5<" not in page
    page = html(browser(agent).get(f"/ticket/{ticket.pk}?all=1"))
    assert page.count("data-message-id=") == 20


def test_the_live_fragment_is_the_new_messages_for_that_viewer(customer: User, agent: User) -> None:
    ticket = open_ticket(customer, "Heating broken", "Cold again.")
    last = Message.objects.get(ticket=ticket).pk
    services.message_post(actor=agent, ticket_id=ticket.pk, body="Secret note", internal=True)
    services.message_post(actor=agent, ticket_id=ticket.pk, body=BODY)
    for viewer, expected in ((customer, 1), (agent, 2)):
        fragment = html(browser(viewer).get(f"/ticket/{ticket.pk}/thread?after={last}"))
        assert fragment.count("data-message-id=") == expected
        assert BODY in fragment and "<html" not in fragment
        assert ("Secret note" in fragment) == (viewer == agent)
    other = browser(User.objects.create_user("Jane", "jane@example.com", "x" * 12))
    assert other.get(f"/ticket/{ticket.pk}/thread?after={last}").status_code == 404
    parts = html(browser(customer).get(f"/ticket/{ticket.pk}/thread?parts=ticket"))
    assert 'id="ticket-head"' in parts and 'id="ticket-sidebar"' in parts
    assert "Cold again." not in parts  # not the conversation
