"""Real text on the product's own faces: the pages and the REST API take the titles and long
messages people write, refuse what would hide or garble them (400, nothing changed), and the
pages show a message as written: escaped, line breaks kept, web links clickable and safe.
The SupportMe API keeps the seed's limits at its face."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.tickets import services
from frontdesk.tickets.models import Message, Ticket
from frontdesk.tickets.validators import MESSAGE_HINT, TITLE_HINT
from frontdesk.web.templatetags.frontdesk_text import message_text
from tests.api.helpers import Api, error_of
from tests.conftest import open_ticket
from tests.supportme.helpers import post_json, send, token_for
from tests.web.conftest import html

pytestmark = pytest.mark.django_db

TITLES = ["Can't book Friday's class?", "Refund for 10-class pass \u2013 €80"]
CUSTOMER_MESSAGE = (  # 527 characters, in three paragraphs, with a link
    "Hello! My daughter Mia (10) has been booked into the Saturday 9:30 beginners' ballet "
    "class since September, but this week the booking page says the class is full and "
    "she's been moved to the waiting list.\n\n"
    "I paid for the whole term on 3 September (receipt attached) and never cancelled. "
    "Could you check what happened? The page I used: https://studio.example/book?class=ballet-1"
    "\n\nIf the class really is full, could she join the Sunday group instead, or could "
    "we get a refund for the remaining weeks? Thank you for your help, Anna"
)
AGENT_ANSWER = ("Thanks for your patience, Anna. " * 19)[:600]


def test_the_examples_have_their_length() -> None:
    assert len(CUSTOMER_MESSAGE) == 527 and len(AGENT_ANSWER) == 600


def browser(user: User) -> Client:
    """A signed-in browser whose posts must carry the CSRF token of the page they come from."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def token_of(page: Any) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert found is not None
    return found.group(1)


def post_form(client: Client, path: str, data: dict[str, Any]) -> Any:
    return client.post(path, {"csrfmiddlewaretoken": token_of(client.get(path)), **data})


# --- the pages ----------------------------------------------------------------------------


def test_the_new_ticket_page_tells_the_limits_before_submit(customer: User) -> None:
    page = html(browser(customer).get("/ticket/new"))
    assert TITLE_HINT in page and MESSAGE_HINT in page
    assert re.search(r'<input type="text" name="title" data-max-length="200"', page)
    assert re.search(r'<textarea name="message"[^>]*data-max-length="65536"', page)
    assert 'data-max-bytes="26214400"' in page and 'data-max-files="10"' in page
    assert "/static/frontdesk/composer-limits.js" in page


@pytest.mark.parametrize("title", TITLES)
def test_a_customer_opens_a_ticket_with_real_text(customer: User, title: str) -> None:
    client = browser(customer)
    response = post_form(
        client, "/ticket/new", {"title": title, "message": CUSTOMER_MESSAGE.replace("\n", "\r\n")}
    )
    assert response.status_code == 302, html(response)
    ticket = Ticket.objects.get()
    assert ticket.title == title
    # The form's \r\n line breaks are stored as \n.
    assert ticket.messages.get().body == CUSTOMER_MESSAGE
    page = html(client.get(response["Location"]))
    assert title.replace("'", "&#x27;") in page


def test_an_agent_answers_with_600_characters(ticket: Ticket, agent: User) -> None:
    response = post_form(
        browser(agent), f"/ticket/{ticket.pk}", {"action": "reply", "message": AGENT_ANSWER}
    )
    assert response.status_code == 302
    assert ticket.messages.last().body == AGENT_ANSWER  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "title", ["Fans \u202ebroken", "Fans \u2066broken\u2069", "Fans\x1bbroken", "Fans\u2028broken"]
)
def test_control_and_bidi_characters_in_a_title_are_a_form_error(
    customer: User, title: str
) -> None:
    response = post_form(
        browser(customer), "/ticket/new", {"title": title, "message": CUSTOMER_MESSAGE}
    )
    assert response.status_code == 400
    error = re.search(r'id="id_title_error">(.*?)</p>', html(response), re.S)
    assert error is not None and "text-direction overrides" in error.group(1)
    assert not Ticket.objects.exists() and not Message.objects.exists()


def test_a_title_edited_on_the_page_follows_the_same_rules(ticket: Ticket, agent: User) -> None:
    with pytest.raises(Exception, match="text-direction"):
        services.ticket_update(actor=agent, ticket_id=ticket.pk, changes={"title": "A\u202eB"})
    services.ticket_update(actor=agent, ticket_id=ticket.pk, changes={"title": f" {TITLES[1]} "})
    ticket.refresh_from_db()
    assert ticket.title == TITLES[1]


# --- the REST API -------------------------------------------------------------------------


@pytest.mark.parametrize("title", TITLES)
def test_rest_takes_real_titles_and_long_messages(customer: User, agent: User, title: str) -> None:
    response = Api(customer).post("/tickets/", {"subject": title, "description": CUSTOMER_MESSAGE})
    assert response.status_code == 201, response.content
    assert response.json()["subject"] == title
    ticket_id = response.json()["id"]
    answer = Api(agent).post(f"/tickets/{ticket_id}/add_comment/", {"content": AGENT_ANSWER})
    assert answer.status_code == 201
    assert answer.json()["content"] == AGENT_ANSWER  # raw text, no HTML


@pytest.mark.parametrize("subject", ["Fans \u202ebroken", "Fans\x00broken", "Fans\nbroken", ""])
def test_rest_refuses_control_and_bidi_characters_and_changes_nothing(
    customer: User, subject: str
) -> None:
    response = Api(customer).post("/tickets/", {"subject": subject, "description": "Hello"})
    assert response.status_code == 400
    assert "subject" in error_of(response)["fields"]
    assert not Ticket.objects.exists()


def test_rest_documents_the_limits(customer: User) -> None:
    document = Api(customer).get("/api/ticketing/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert schemas["TicketCreateIn"]["properties"]["subject"]["maxLength"] == 200
    assert schemas["TicketCreateIn"]["properties"]["description"]["maxLength"] == 65_536
    assert schemas["AddCommentIn"]["properties"]["content"]["maxLength"] == 65_536
    assert "64" not in str(schemas["TicketCreateIn"]["properties"]["subject"])


# --- the SupportMe API keeps the seed's limits --------------------------------------------


@pytest.mark.parametrize("title", TITLES)
def test_supportme_still_refuses_what_the_seed_refused(
    client: Client, customer: User, title: str
) -> None:
    answer = post_json(
        client,
        "/ticket/new",
        {"ticket_title": title, "message": "A long enough message."},
        token=token_for(customer),
    )
    assert answer == (
        400,
        {"error": "Ticket title can only contain spaces and alphanumeric characters."},
    )
    ticket = open_ticket(customer)
    assert send(client, customer, ticket.pk, CUSTOMER_MESSAGE) == (
        400,
        {"error": "Message length cannot be more than 512 characters."},
    )
    assert not Ticket.objects.exclude(pk=ticket.pk).exists()
    assert ticket.messages.count() == 1


# --- showing a message --------------------------------------------------------------------


def test_line_breaks_are_kept_and_everything_is_escaped() -> None:
    assert message_text('<b>Hi</b> & "bye"\r\nnext\n\nlast') == (
        "&lt;b&gt;Hi&lt;/b&gt; &amp; &quot;bye&quot;<br>next<br><br>last"
    )


@pytest.mark.parametrize(
    ("text", "href", "shown", "after"),
    [
        ("See https://example.com/a?b=1&c=2.", "https://example.com/a?b=1&amp;c=2", None, "."),
        ("(www.example.com/page)", "https://www.example.com/page", "www.example.com/page", ")"),
        (
            "https://en.example.org/wiki/Foo_(bar)",
            "https://en.example.org/wiki/Foo_(bar)",
            None,
            "",
        ),
        ('http://x.example/"onclick=alert(1)', "http://x.example/", None, "&quot;onclick"),
    ],
)
def test_web_links_are_clickable_and_safe(
    text: str, href: str, shown: str | None, after: str
) -> None:
    rendered = str(message_text(text))
    link = (
        f'<a href="{href}" rel="noopener noreferrer nofollow" target="_blank" dir="ltr">'
        f"{shown or href}</a>{after}"
    )
    assert link in rendered


@pytest.mark.parametrize(
    "text",
    [
        "javascript:alert(document.cookie)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox",
        '<a href="javascript:alert(1)">click</a>',
        "file:///etc/passwd",
        "//evil.example/path",
    ],
)
def test_nothing_but_web_addresses_becomes_a_link(text: str) -> None:
    rendered = str(message_text(text))
    assert "<a " not in rendered and "<" not in rendered.replace("&lt;", "")


def test_javascript_before_a_web_address_does_not_become_part_of_the_link() -> None:
    rendered = str(message_text("javascript:https://example.com"))
    assert rendered.startswith('javascript:<a href="https://example.com"')


def test_the_ticket_page_shows_messages_and_resolutions_with_links(
    customer: User, agent: User
) -> None:
    ticket = open_ticket(customer, TITLES[0], CUSTOMER_MESSAGE)
    services.message_post(
        actor=agent,
        ticket_id=ticket.pk,
        body="Try <script>alert(1)</script> javascript:alert(1)\nor www.example.com",
    )
    services.ticket_change_status(
        actor=agent,
        ticket_id=ticket.pk,
        status="resolved",
        resolution="Moved to Sunday: https://studio.example/sunday",
        resolution_public=True,
    )
    for user in (customer, agent):
        page = html(browser(user).get(f"/ticket/{ticket.pk}"))
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt; javascript:alert(1)<br>or <a" in page
        assert 'href="javascript' not in page
        assert '<a href="https://studio.example/book?class=ballet-1" rel="noopener' in page
        assert '<a href="https://studio.example/sunday" rel="noopener noreferrer nofollow"' in page
        assert "since September, but" in page and "ballet-1</a><br><br>If the class" in page
