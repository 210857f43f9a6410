"""What each kind of mail reads like (notifications/rendering.py and the template files): the
subject with the ticket's number, the plain text as written, the HTML escaped with its line
breaks, times in the recipient's zone, the unsubscribe headers, and nothing staff-only in a
customer's mail."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core import signing
from pytest_django import DjangoAssertNumQueries

from frontdesk.accounts.models import User
from frontdesk.notifications.models import OutboxMail
from frontdesk.notifications.preferences import UNSUBSCRIBE_SALT
from frontdesk.notifications.rendering import RenderedMail, context_for, render
from frontdesk.tickets import services
from frontdesk.tickets.models import Status, Ticket
from tests.conftest import Clock, open_ticket

pytestmark = pytest.mark.django_db

HOSTILE_TITLE = "<script>alert('t')</script> & co"
HOSTILE_BODY = 'Line one <img src=x onerror=alert(1)>\nLine two & "three"'


def _rendered(kind: str, **filters: object) -> tuple[OutboxMail, RenderedMail]:
    mail = OutboxMail.objects.filter(kind=kind, **filters).latest("id")
    return mail, render(mail)


def _unsubscribe_payload(rendered: RenderedMail) -> object:
    header = rendered.headers["List-Unsubscribe"]
    assert header.startswith("<https://desk.example.org/unsubscribe/")
    token = header.strip("<>").rsplit("/", 1)[1]
    return signing.loads(token, salt=UNSUBSCRIBE_SALT)


@pytest.fixture(autouse=True)
def _site(settings: object) -> None:
    settings.FRONTDESK_SITE_URL = "https://desk.example.org"  # type: ignore[attr-defined]


def test_ticket_received(customer: User, agent: User) -> None:
    ticket = open_ticket(customer, HOSTILE_TITLE)
    _, rendered = _rendered("ticket_received")
    assert rendered.subject == f"[{ticket.number}] We received your request: {HOSTILE_TITLE}"
    assert HOSTILE_TITLE in rendered.text  # plain text: as written
    assert f"https://desk.example.org/ticket/{ticket.pk}" in rendered.text
    assert "Reply to this mail to answer" in rendered.text
    assert "<script>" not in rendered.html
    assert "&lt;script&gt;" in rendered.html
    assert "Reply to this mail to answer" in rendered.html
    assert rendered.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert _unsubscribe_payload(rendered) == {"u": customer.pk, "k": "ticket_received"}
    link = rendered.headers["List-Unsubscribe"].strip("<>")
    assert link.startswith("https://desk.example.org/unsubscribe/")
    assert f"Turn them off: {link}" in rendered.text
    assert f'<a href="{link}"' in rendered.html


def test_public_reply_in_the_recipients_time_zone_with_the_text_as_written(
    customer: User, agent: User, clock: Clock
) -> None:
    clock.current = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    User.objects.filter(pk=customer.pk).update(time_zone="Asia/Tokyo")
    customer.refresh_from_db()
    ticket = open_ticket(customer, "Heating")
    services.message_post(actor=agent, ticket_id=ticket.pk, body=HOSTILE_BODY)
    _, rendered = _rendered("public_reply")
    assert rendered.subject == f"[{ticket.number}] Re: Heating"
    assert HOSTILE_BODY in rendered.text
    assert "15 Jan 2026, 21:00 JST" in rendered.text
    assert "15 Jan 2026, 21:00 JST" in rendered.html
    assert "<img" not in rendered.html
    assert "Line one &lt;img src=x onerror=alert(1)&gt;<br>Line two &amp; &quot;three&quot;" in (
        rendered.html
    )
    assert "Alice answered your request" in rendered.text
    assert "Reply to this mail to answer" in rendered.text


def test_status_changed_shows_a_public_resolution_only(customer: User, agent: User) -> None:
    ticket = open_ticket(customer, "Heating")
    services.ticket_change_status(
        actor=agent,
        ticket_id=ticket.pk,
        status=Status.RESOLVED,
        resolution="Internal: refunded by mistake",
        resolution_public=False,
    )
    _, rendered = _rendered("status_changed")
    assert rendered.subject == f"[{ticket.number}] Resolved: Heating"
    assert "as resolved" in rendered.text
    assert "refunded" not in rendered.text and "refunded" not in rendered.html
    services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.REOPENED)
    services.ticket_change_status(
        actor=agent,
        ticket_id=ticket.pk,
        status=Status.CLOSED,
        resolution="We replaced the <valve>.\nAll good.",
        resolution_public=True,
    )
    _, rendered = _rendered("status_changed")
    assert rendered.subject == f"[{ticket.number}] Closed: Heating"
    assert "We replaced the <valve>.\nAll good." in rendered.text
    assert "We replaced the &lt;valve&gt;.<br>All good." in rendered.html


def test_pending_asks_for_the_customers_reply(customer: User, agent: User) -> None:
    ticket = open_ticket(customer, "Heating", assignee=agent)
    services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.PENDING)
    _, rendered = _rendered("status_changed")
    assert rendered.subject == f"[{ticket.number}] Waiting for your reply: Heating"
    assert "waiting for your reply" in rendered.text


def test_a_customers_mail_never_shows_an_internal_note(customer: User, agent: User) -> None:
    ticket = open_ticket(customer, "Heating", assignee=agent)
    services.message_post(
        actor=agent, ticket_id=ticket.pk, body="SECRET: customer is rude", internal=True
    )
    services.message_post(actor=agent, ticket_id=ticket.pk, body="We are on it.")
    for mail in OutboxMail.objects.filter(recipient=customer):
        rendered = render(mail)
        assert "SECRET" not in rendered.text + rendered.html + rendered.subject


def test_customer_replied(customer: User, agent: User, other_agent: User) -> None:
    ticket = open_ticket(customer, "Heating", assignee=agent, staff=other_agent)
    services.message_post(actor=customer, ticket_id=ticket.pk, body=HOSTILE_BODY)
    _, rendered = _rendered("customer_replied")
    assert rendered.subject == f"[{ticket.number}] John replied: Heating"
    assert HOSTILE_BODY in rendered.text
    assert "<img" not in rendered.html
    assert "Reply to this mail" not in rendered.text  # agents answer on the page
    assert _unsubscribe_payload(rendered) == {"u": agent.pk, "k": "customer_replied"}


def test_ticket_assigned(ticket: Ticket, agent: User, other_agent: User) -> None:
    services.ticket_assign(actor=agent, ticket_id=ticket.pk, assignee_id=other_agent.pk)
    _, rendered = _rendered("ticket_assigned")
    assert rendered.subject == f"[{ticket.number}] Assigned to you: {ticket.title}"
    assert "Alice assigned" in rendered.text
    assert "john@example.com" in rendered.text


def test_mentioned_shows_the_note_marked_internal(
    ticket: Ticket, agent: User, other_agent: User
) -> None:
    services.message_post(
        actor=agent, ticket_id=ticket.pk, body="@bob <b>look</b> at this", internal=True
    )
    _, rendered = _rendered("mentioned")
    assert rendered.subject == f"[{ticket.number}] Alice mentioned you: {ticket.title}"
    assert "@bob <b>look</b> at this" in rendered.text
    assert "@bob &lt;b&gt;look&lt;/b&gt; at this" in rendered.html
    assert "Internal note" in rendered.html


def test_new_ticket_shows_the_opening_message(customer: User, agent: User) -> None:
    ticket = open_ticket(customer, HOSTILE_TITLE, HOSTILE_BODY)
    _, rendered = _rendered("new_ticket", recipient=agent)
    assert rendered.subject == f"[{ticket.number}] New ticket: {HOSTILE_TITLE}"
    assert HOSTILE_BODY in rendered.text
    assert "<script>" not in rendered.html and "<img" not in rendered.html


def test_new_ticket_reads_the_opening_message_with_its_author_in_one_query(
    customer: User, agent: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    ticket = open_ticket(customer, "Printer", "It prints nothing.")
    services.message_post(actor=agent, ticket_id=ticket.pk, body="Looking at it.")
    mail = (  # with the people the worker reads with each batch
        OutboxMail.objects.select_related(
            "recipient", "ticket__requester", "message__author", "event__actor"
        )
        .filter(kind="new_ticket", recipient=agent)
        .latest("id")
    )
    with django_assert_num_queries(1):
        opening = context_for(mail)["opening"]
        assert (opening.body, opening.author.username) == ("It prints nothing.", "John")


def test_a_deleted_message_renders_a_placeholder(ticket: Ticket, agent: User) -> None:
    message = services.message_post(actor=agent, ticket_id=ticket.pk, body="Oops")
    mail = OutboxMail.objects.get(kind="public_reply")
    services.message_delete(actor=agent, message_id=message.pk)
    mail.refresh_from_db()
    rendered = render(mail)
    assert "(This message has since been deleted.)" in rendered.text


def test_a_reply_sent_with_a_status_tells_both(ticket: Ticket, agent: User) -> None:
    services.ticket_reply(
        actor=agent, ticket_id=ticket.pk, body="Fixed it.", then_status=Status.PENDING
    )
    _, rendered = _rendered("public_reply")
    assert "Fixed it." in rendered.text
    assert "We are waiting for your reply" in rendered.text
    assert "waiting for your reply</strong>" in rendered.html
