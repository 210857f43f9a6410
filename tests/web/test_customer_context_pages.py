"""The customer context on the pages, with CSRF enforced as a browser meets it: the customer
panel and its note, adding a caller without an account, organisations, the news count, time
zones, and plain words for customers."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from frontdesk.accounts.models import CustomerNote, Organisation, User
from frontdesk.accounts.services import customer_note_set
from frontdesk.tickets import services
from frontdesk.tickets.models import Status, Ticket
from tests.conftest import open_ticket
from tests.web.conftest import html

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def browser(user: User | None = None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def token(client: Client, path: str = "/profile") -> str:
    found = CSRF.search(html(client.get(path)))
    assert found is not None
    return found.group(1)


def post(client: Client, path: str, data: dict[str, str], **headers: Any) -> Any:
    """A form post as the page sends it: the token from the page, in the form."""
    return client.post(path, {"csrfmiddlewaretoken": token(client), **data}, headers=headers)


@pytest.fixture
def acme(customer: User) -> Organisation:
    organisation = Organisation.objects.create(name="Acme Dance", domain="acme.example")
    customer.organisation = organisation
    customer.save(update_fields=["organisation"])
    return organisation


# --- the customer panel -------------------------------------------------------------------


def test_agents_see_the_customer_panel(agent: User, customer: User, acme: Organisation) -> None:
    older = open_ticket(customer, "Mirror cracked in studio 1")
    ticket = open_ticket(customer)
    customer_note_set(actor=agent, customer=customer, text="Teaches salsa on Mondays.")
    page = html(browser(agent).get(f"/ticket/{ticket.pk}"))
    panel = page.split('id="customer-panel"')[1].split("</section>")[0]
    assert "John" in panel and "john@example.com" in panel
    assert f'href="/organisations/{acme.pk}"' in panel and "Acme Dance" in panel
    assert "Member since" in panel
    assert "Teaches salsa on Mondays." in panel and "Last changed by Alice" in panel
    assert f'href="/ticket/{older.pk}"' in panel and f'href="/ticket/{ticket.pk}"' not in panel


def test_customers_never_see_the_panel_or_the_note(agent: User, customer: User) -> None:
    ticket = open_ticket(customer)
    customer_note_set(actor=agent, customer=customer, text="Pays late, be firm.")
    page = html(browser(customer).get(f"/ticket/{ticket.pk}"))
    assert "customer-panel" not in page and "Pays late" not in page


def test_the_note_saves_in_place_with_htmx(agent: User, customer: User) -> None:
    ticket = open_ticket(customer)
    client = browser(agent)
    response = post(
        client,
        f"/customers/{customer.pk}/note",
        {"text": "Call after 6 pm.", "next": f"/ticket/{ticket.pk}"},
        HX_Request="true",
    )
    assert response.status_code == 200
    fragment = html(response)
    assert fragment.lstrip().startswith('<form class="customer-note"')
    assert "Note saved." in fragment and "Call after 6 pm." in fragment
    note = CustomerNote.objects.get(customer=customer)
    assert (note.text, note.updated_by) == ("Call after 6 pm.", agent)


def test_the_note_saves_without_javascript_and_goes_back(agent: User, customer: User) -> None:
    ticket = open_ticket(customer)
    client = browser(agent)
    back = f"/ticket/{ticket.pk}"
    response = post(client, f"/customers/{customer.pk}/note", {"text": "VIP", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    assert "Note saved." in html(client.get(back))
    outside = post(
        client, f"/customers/{customer.pk}/note", {"text": "x", "next": "//evil.example/"}
    )
    assert outside["Location"] == "/home"


def test_a_note_too_long_is_shown_beside_the_field(agent: User, customer: User) -> None:
    response = post(
        browser(agent), f"/customers/{customer.pk}/note", {"text": "x" * 5001}, HX_Request="true"
    )
    assert response.status_code == 400
    assert "at most 5000 characters" in html(response)
    assert not CustomerNote.objects.exists()


def test_customers_cannot_write_notes_and_csrf_is_checked(customer: User, agent: User) -> None:
    assert (
        post(browser(customer), f"/customers/{customer.pk}/note", {"text": "I'm VIP"}).status_code
        == 403
    )
    no_token = browser(agent).post(f"/customers/{customer.pk}/note", {"text": "x"})
    assert no_token.status_code == 403
    assert browser(agent).get(f"/customers/{customer.pk}/note").status_code == 405
    assert post(browser(agent), "/customers/987654/note", {"text": "x"}).status_code == 404
    assert not CustomerNote.objects.exists()


# --- phone-in -------------------------------------------------------------------------------


def _open_for_caller(client: Client, **fields: str) -> Any:
    data = {
        "requester": "",
        "title": "Lost property in studio 2",
        "message": "Left a blue water bottle after the 7 pm class.",
        "caller-name": "María López",
        "caller-email": "maria@example.org",
        **fields,
    }
    return post(client, "/ticket/new", data)


def test_an_agent_opens_a_ticket_for_a_caller_without_an_account(agent: User) -> None:
    response = _open_for_caller(browser(agent))
    assert response.status_code == 302
    person = User.objects.get(email="maria@example.org")
    assert person.username == "MariaLopez" and not person.has_usable_password()
    ticket = Ticket.objects.get()
    assert ticket.requester == person and ticket.created_by == agent
    assert response["Location"] == f"/ticket/{ticket.pk}"


def test_a_caller_refused_keeps_what_was_typed_and_makes_nothing(
    agent: User, customer: User
) -> None:
    response = _open_for_caller(browser(agent), **{"caller-email": "JOHN@example.com"})
    assert response.status_code == 400
    page = html(response)
    assert "A user is already registered with that email address." in page
    assert 'value="María López"' in page and '<details class="phone-in" open>' in page
    assert not Ticket.objects.exists()


def test_a_ticket_refused_leaves_no_account_behind(agent: User) -> None:
    response = _open_for_caller(browser(agent), title="")
    assert response.status_code == 400
    assert not User.objects.filter(email="maria@example.org").exists()


def test_the_username_is_still_asked_when_no_caller_is_filled(agent: User) -> None:
    response = _open_for_caller(browser(agent), **{"caller-name": "", "caller-email": ""})
    assert response.status_code == 400
    assert "Enter the username of the customer this ticket is for." in html(response)


def test_customers_get_no_caller_fields(customer: User) -> None:
    page = html(browser(customer).get("/ticket/new"))
    assert "caller-name" not in page
    response = _open_for_caller(browser(customer))
    assert response.status_code == 302
    assert Ticket.objects.get().requester == customer  # the caller fields were ignored
    assert not User.objects.filter(email="maria@example.org").exists()


# --- organisations ------------------------------------------------------------------------


def test_the_organisations_pages_for_agents(
    agent: User, customer: User, acme: Organisation
) -> None:
    ticket = open_ticket(customer)
    client = browser(agent)
    listing = html(client.get("/organisations"))
    assert f'href="/organisations/{acme.pk}"' in listing and "Acme Dance" in listing
    detail = html(client.get(f"/organisations/{acme.pk}"))
    assert "John" in detail and f'href="/ticket/{ticket.pk}"' in detail
    assert client.get("/organisations/987654").status_code == 404


def test_customers_get_no_organisations_pages(customer: User, acme: Organisation) -> None:
    client = browser(customer)
    assert client.get("/organisations").status_code == 403
    assert client.get(f"/organisations/{acme.pk}").status_code == 403


# --- news ---------------------------------------------------------------------------------


def test_news_answers_the_count_and_the_tickets(agent: User, customer: User) -> None:
    ticket = open_ticket(customer)
    data = browser(agent).get("/api/news/").json()
    assert data["count"] == 1 and data["more"] is False
    assert data["tickets"] == [
        {
            "id": ticket.pk,
            "number": ticket.number,
            "title": ticket.title,
            "reason": "new",
            "url": f"/ticket/{ticket.pk}",
        }
    ]
    assert browser().get("/api/news/").status_code == 401
    assert browser(agent).post("/api/news/").status_code in (403, 405)


# --- time zones ---------------------------------------------------------------------------


def test_times_show_in_the_users_zone(agent: User, customer: User, clock: Any) -> None:
    clock.current = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    ticket = open_ticket(customer)
    client = browser(customer)
    assert "15 Jan 2026, 12:00 UTC" in html(client.get(f"/ticket/{ticket.pk}"))
    response = post(client, "/profile/time-zone", {"time_zone": "Asia/Tokyo"})
    assert response.status_code == 302
    assert "15 Jan 2026, 21:00 JST" in html(client.get(f"/ticket/{ticket.pk}"))
    # The REST API keeps answering in UTC whatever the page setting.
    api = client.get(f"/api/ticketing/tickets/{ticket.pk}/").json()
    assert api["created_at"].startswith("2026-01-15T12:00:00")


def test_the_browser_zone_is_kept_only_until_one_is_chosen(customer: User) -> None:
    client = browser(customer)
    assert 'data-time-zone="unset"' in html(client.get("/profile"))
    auto = post(client, "/profile/time-zone", {"time_zone": "Europe/Paris", "auto": "1"})
    assert auto.status_code == 200 and auto.json() == {"time_zone": "Europe/Paris"}
    assert 'data-time-zone="unset"' not in html(client.get("/profile"))
    post(client, "/profile/time-zone", {"time_zone": "Asia/Tokyo", "auto": "1"})
    customer.refresh_from_db()
    assert customer.time_zone == "Europe/Paris"


def test_an_unknown_zone_is_refused_beside_the_field(customer: User) -> None:
    response = post(browser(customer), "/profile/time-zone", {"time_zone": "Mars/Olympus"})
    assert response.status_code == 400
    assert "Choose a time zone from the list." in html(response)
    auto = post(browser(customer), "/profile/time-zone", {"time_zone": "Mars/Olympus", "auto": "1"})
    assert auto.status_code == 400


# --- a customer's words -------------------------------------------------------------------


def test_customers_read_names_not_ids_and_their_own_status_words(
    agent: User, customer: User
) -> None:
    ticket = open_ticket(customer)
    services.ticket_claim(actor=agent, ticket_id=ticket.pk)
    services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.PENDING)
    customer_page = html(browser(customer).get(f"/ticket/{ticket.pk}"))
    assert "This ticket has been claimed by Alice." in customer_page
    assert "(ID:" not in customer_page
    assert "Waiting for your reply" in customer_page and ">Pending<" not in customer_page
    agent_page = html(browser(agent).get(f"/ticket/{ticket.pk}"))
    assert f"claimed by Alice (ID: {agent.pk})" in agent_page
    assert "Waiting for your reply" not in agent_page


def test_a_customers_command_answers_in_plain_words(customer: User) -> None:
    ticket = open_ticket(customer)
    client = browser(customer)
    post(client, f"/ticket/{ticket.pk}", {"action": "reply", "message": "!close"})
    page = html(client.get(f"/ticket/{ticket.pk}"))
    assert "This ticket has been closed by John." in page and "(ID:" not in page
