"""Opening a ticket and working on its page: replies, notes, claim, close, reopen."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.tickets import services
from frontdesk.tickets.models import Message, MessageKind, Status, Ticket
from frontdesk.tickets.validators import MESSAGE_HINT, TITLE_HINT
from tests.conftest import open_ticket
from tests.web.conftest import html, signed_in, submit

pytestmark = pytest.mark.django_db


# --- opening a ticket ---------------------------------------------------------------------


def test_new_ticket_form_shows_the_rules(customer: User) -> None:
    page = html(signed_in(customer).get("/ticket/new"))
    assert TITLE_HINT in page and MESSAGE_HINT in page
    assert 'name="requester"' not in page


def test_customer_opens_a_ticket(customer: User) -> None:
    client = signed_in(customer)
    response = submit(
        client, "/ticket/new", {"title": "Printer is jammed", "message": "It jams on page two."}
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/ticket/{ticket.pk}"
    assert ticket.requester == customer and ticket.title == "Printer is jammed"
    page = html(client.get(response["Location"]))
    assert f"Your ticket {ticket.number} has been opened." in page
    assert "It jams on page two." in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"title": "   ", "message": "It jams on page two."}, "title", "Give the ticket a title."),
        ({"title": "x" * 201, "message": "It jams."}, "title", "at most 200 characters"),
        ({"title": "Bad \u202etitle", "message": "It jams."}, "title", "text-direction"),
        ({"title": "Printer is jammed", "message": "   "}, "message", "be empty"),
    ],
)
def test_new_ticket_errors_keep_what_was_typed(
    customer: User, data: dict[str, str], field: str, message: str
) -> None:
    response = submit(signed_in(customer), "/ticket/new", data)
    assert response.status_code == 400
    page = html(response)
    error = re.search(rf'id="id_{field}_error">(.*?)</p>', page, re.S)
    assert error is not None and message in error.group(1)
    assert f'value="{data["title"]}"' in page
    assert Ticket.objects.count() == 0


def test_agent_sees_an_explanation_and_a_requester_field(agent: User) -> None:
    page = html(signed_in(agent).get("/ticket/new"))
    assert "Agents don't open tickets for themselves." in page
    assert 'name="requester"' in page


def test_agent_opens_a_ticket_on_behalf_of_a_customer(agent: User, customer: User) -> None:
    response = submit(
        signed_in(agent),
        "/ticket/new",
        {"requester": "john", "title": "Phoned about heating", "message": "Studio 2 is cold."},
    )
    ticket = Ticket.objects.get()
    assert response["Location"] == f"/ticket/{ticket.pk}"
    assert ticket.requester == customer and ticket.created_by == agent
    page = html(signed_in(customer).get(f"/ticket/{ticket.pk}"))
    assert "Logged by Alice on their behalf" in page


@pytest.mark.parametrize(
    ("requester", "message"),
    [
        ("", "Enter the username of the customer"),
        ("nobody", "No user with id or username"),
        ("Bob", "Tickets can only be opened for a customer."),
        ("Alice", "Tickets can only be opened for a customer."),
    ],
)
def test_agent_requester_errors(
    agent: User, other_agent: User, requester: str, message: str
) -> None:
    data = {"requester": requester, "title": "Phoned about heating", "message": "Studio 2."}
    response = submit(signed_in(agent), "/ticket/new", {**data, "message": "Studio 2 is cold."})
    assert response.status_code == 400
    error = re.search(r'id="id_requester_error">(.*?)</p>', html(response), re.S)
    assert error is not None and message in error.group(1)
    assert Ticket.objects.count() == 0


# --- reading a ticket ---------------------------------------------------------------------


def test_ticket_page_shows_the_ticket_and_conversation(ticket: Ticket, customer: User) -> None:
    response = signed_in(customer).get(f"/ticket/{ticket.pk}")
    assert response.status_code == 200
    page = html(response)
    assert "Heating not working" in page and ticket.number in page
    assert '<span class="badge badge--new">' in page
    assert "This ticket has not been claimed" in page
    assert "The heating in studio 2 is off." in page
    assert '<img class="avatar" src="/profile-icons/red.png" alt="John\'s profile picture"' in page
    assert '<span class="role role--customer">Customer</span>' in page
    assert ">Close ticket</button>" in page
    assert "Reopen ticket" not in page and "Claim ticket" not in page
    assert "Add internal note" not in page
    assert MESSAGE_HINT in page


def test_messages_are_escaped(customer: User) -> None:
    ticket = open_ticket(customer, "Script kiddie here", "<script>alert(1)</script>")
    page = html(signed_in(customer).get(f"/ticket/{ticket.pk}"))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_customer_cannot_see_another_customers_ticket(ticket: Ticket, other_customer: User) -> None:
    # Exactly as for a ticket that does not exist: the page does not say it exists.
    response = signed_in(other_customer).get(f"/ticket/{ticket.pk}")
    assert response.status_code == 404
    page = html(response)
    assert "There is no ticket with that number" in page
    assert "Heating not working" not in page
    assert "Traceback" not in page


def test_customer_cannot_post_into_another_customers_ticket(
    ticket: Ticket, other_customer: User
) -> None:
    response = submit(
        signed_in(other_customer),
        f"/ticket/{ticket.pk}",
        {"action": "reply", "message": "Let me in please."},
    )
    assert response.status_code == 404
    assert Message.objects.filter(ticket=ticket).count() == 1


@pytest.mark.parametrize("ticket_id", [999, 2**70])
def test_missing_ticket_is_a_friendly_404(customer: User, ticket_id: int) -> None:
    response = signed_in(customer).get(f"/ticket/{ticket_id}")
    assert response.status_code == 404
    assert "There is no ticket with that number." in html(response)


def test_internal_note_never_reaches_the_customer(
    ticket: Ticket, customer: User, agent: User
) -> None:
    response = submit(
        signed_in(agent),
        f"/ticket/{ticket.pk}",
        {"action": "note", "message": "Secret: boiler is on its last legs."},
    )
    assert response.status_code == 302
    note = Message.objects.get(kind=MessageKind.INTERNAL)
    assert note.body == "Secret: boiler is on its last legs."

    customer_page = html(signed_in(customer).get(f"/ticket/{ticket.pk}"))
    assert "boiler is on its last legs" not in customer_page
    assert "Internal — customers never see this" not in customer_page

    agent_page = html(signed_in(agent).get(f"/ticket/{ticket.pk}"))
    assert "boiler is on its last legs" in agent_page
    assert "Internal — customers never see this" in agent_page
    assert "message--internal" in agent_page


def test_customer_cannot_write_an_internal_note(ticket: Ticket, customer: User) -> None:
    response = submit(
        signed_in(customer),
        f"/ticket/{ticket.pk}",
        {"action": "note", "message": "Sneaky note attempt."},
    )
    assert response.status_code == 403
    assert not Message.objects.filter(kind=MessageKind.INTERNAL).exists()


# --- replying -----------------------------------------------------------------------------


def test_customer_replies(ticket: Ticket, customer: User) -> None:
    client = signed_in(customer)
    response = submit(
        client, f"/ticket/{ticket.pk}", {"action": "reply", "message": "Any news on this?"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/ticket/{ticket.pk}"
    assert Message.objects.filter(ticket=ticket, body="Any news on this?").exists()
    page = html(client.get(response["Location"]))
    assert "Your reply has been sent." in page
    assert page.index("The heating in studio 2 is off.") < page.index("Any news on this?")


def test_invalid_reply_is_shown_with_the_text_kept(ticket: Ticket, customer: User) -> None:
    response = submit(
        signed_in(customer), f"/ticket/{ticket.pk}", {"action": "reply", "message": "short\x01"}
    )
    assert response.status_code == 400
    page = html(response)
    assert re.search(r'id="id_message_error">.*control characters', page, re.S)
    assert "short\x01</textarea>" in page
    assert Message.objects.filter(ticket=ticket).count() == 1


def test_unknown_action_is_refused(ticket: Ticket, customer: User) -> None:
    response = submit(
        signed_in(customer), f"/ticket/{ticket.pk}", {"action": "explode", "message": ""}
    )
    assert response.status_code == 400
    assert "That action is not available." in html(response)


def test_reply_command_runs_and_says_what_happened(ticket: Ticket, agent: User) -> None:
    client = signed_in(agent)
    response = submit(client, f"/ticket/{ticket.pk}", {"action": "reply", "message": "!close"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert "This ticket has been closed by Alice" in html(client.get(f"/ticket/{ticket.pk}"))


# --- claim, close, reopen -----------------------------------------------------------------


def test_agent_claims_a_ticket(ticket: Ticket, agent: User) -> None:
    client = signed_in(agent)
    page = html(client.get(f"/ticket/{ticket.pk}"))
    assert ">Claim ticket</button>" in page and "Add internal note" in page
    response = submit(client, f"/ticket/{ticket.pk}", {"action": "claim"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee == agent
    page = html(client.get(f"/ticket/{ticket.pk}"))
    assert "You have claimed this ticket." in page
    assert "Claim ticket" not in page
    assert "This ticket has not been claimed" not in page
    assert 'class="system-line"' in page and "has been claimed by Alice" in page


def test_second_agent_claim_is_a_conflict(ticket: Ticket, agent: User, other_agent: User) -> None:
    services.ticket_claim(actor=agent, ticket_id=ticket.pk)
    response = submit(signed_in(other_agent), f"/ticket/{ticket.pk}", {"action": "claim"})
    assert response.status_code == 409
    assert "already been claimed by Alice" in html(response)
    ticket.refresh_from_db()
    assert ticket.assignee == agent


def test_customer_cannot_claim(ticket: Ticket, customer: User) -> None:
    response = submit(signed_in(customer), f"/ticket/{ticket.pk}", {"action": "claim"})
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.assignee is None


@pytest.mark.parametrize("who", ["agent", "customer"])
def test_close_and_reopen(ticket: Ticket, who: str, request: pytest.FixtureRequest) -> None:
    client = signed_in(request.getfixturevalue(who))
    assert submit(client, f"/ticket/{ticket.pk}", {"action": "close"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    page = html(client.get(f"/ticket/{ticket.pk}"))
    assert "The ticket has been closed." in page
    assert '<span class="badge badge--closed">' in page
    assert ">Reopen ticket</button>" in page and "Close ticket" not in page
    assert "Closed</dt>" in page

    assert submit(client, f"/ticket/{ticket.pk}", {"action": "reopen"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.REOPENED
    assert "The ticket has been reopened." in html(client.get(f"/ticket/{ticket.pk}"))


def test_closing_a_closed_ticket_explains_why_not(ticket: Ticket, customer: User) -> None:
    services.ticket_change_status(actor=customer, ticket_id=ticket.pk, status=Status.CLOSED)
    response = submit(signed_in(customer), f"/ticket/{ticket.pk}", {"action": "close"})
    assert response.status_code == 400
    assert "This ticket is already closed." in html(response)


def test_agent_reply_is_shown_as_staff(ticket: Ticket, agent: User) -> None:
    client = signed_in(agent)
    response = submit(
        client, f"/ticket/{ticket.pk}", {"action": "reply", "message": "On our way to fix it."}
    )
    assert response.status_code == 302
    page = html(client.get(f"/ticket/{ticket.pk}"))
    assert "On our way to fix it." in page
    assert 'class="message message--staff"' in page
    assert '<span class="role role--agent">Agent</span>' in page


def test_closed_ticket_says_a_reply_reopens_it(ticket: Ticket, customer: User) -> None:
    services.ticket_change_status(actor=customer, ticket_id=ticket.pk, status=Status.CLOSED)
    client = signed_in(customer)
    assert "This ticket is closed. Sending a reply reopens it." in html(
        client.get(f"/ticket/{ticket.pk}")
    )
    submit(client, f"/ticket/{ticket.pk}", {"action": "reply", "message": "It broke again."})
    ticket.refresh_from_db()
    assert ticket.status == Status.REOPENED


# --- the page's Jinja2 regions (docs/decisions.md, "Jinja2 for a ticket page's regions") -----


def test_every_form_of_a_ticket_page_carries_the_pages_one_csrf_token(
    agent: User, customer: User
) -> None:
    ticket = open_ticket(customer, title="Printer is jammed")
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    page = html(client.get(f"/ticket/{ticket.pk}"))
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert len(tokens) >= 8 and len(set(tokens)) == 1  # the sidebar's controls and the head
    # And it passes the real check, as the browser's post would.
    response = client.post(
        f"/ticket/{ticket.pk}",
        {"csrfmiddlewaretoken": tokens[0], "action": "priority", "priority": "high"},
    )
    assert response.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).priority == "high"


def test_quotes_in_a_ticket_are_escaped_as_django_escapes_them(agent: User, customer: User) -> None:
    ticket = open_ticket(customer, title='The "studio" door\'s code')
    escaped = "The &quot;studio&quot; door&#x27;s code"
    page = html(signed_in(agent).get(f"/ticket/{ticket.pk}"))
    assert escaped in page and "&#34;" not in page and "&#39;" not in page
    workspace = html(signed_in(agent).get("/home?view=open"))
    assert escaped in workspace and "&#34;" not in workspace


def test_a_resolved_ticket_is_called_resolved_not_closed(
    ticket: Ticket, customer: User, agent: User
) -> None:
    services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.RESOLVED)
    page = html(signed_in(agent).get(f"/ticket/{ticket.pk}"))
    assert "This ticket is resolved. Sending a reply reopens it." in page
    assert "This ticket is closed" not in page
