"""The saved-replies pages, with CSRF checked as a browser's requests are: /replies (list,
create, change, delete) for the cast, the picker's list and render endpoints, and the ticket
page sending a message written from a saved reply, with its macro."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.replies import services
from frontdesk.replies.models import SavedReply
from frontdesk.tickets import services as tickets
from frontdesk.tickets.models import Message, Status, Ticket
from tests.conftest import open_ticket
from tests.web.conftest import html

pytestmark = pytest.mark.django_db


def browser(user: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def token(client: Client, path: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html(client.get(path)))
    assert found is not None
    return found.group(1)


def post(client: Client, path: str, data: dict[str, str], *, page: str = "/replies") -> Any:
    return client.post(path, {"csrfmiddlewaretoken": token(client, page), **data})


NEW = {
    "name": "Class booking",
    "shortcut": "book",
    "body": "Hi {{ customer.first_name }}, you are booked in. {{ agent.name }}",
    "set_status": "pending",
    "add_tag": "booking",
}


@pytest.fixture
def shared(admin: User) -> SavedReply:
    return services.saved_reply_create(
        actor=admin, name="Refund policy", body="Refunds within 14 days.", shared=True
    )


def test_an_agent_creates_a_reply_on_the_page(agent: User) -> None:
    client = browser(agent)
    response = post(client, "/replies", NEW)
    assert response.status_code == 302
    reply = SavedReply.objects.get()
    assert (reply.owner, reply.name, reply.set_status, reply.add_tag) == (
        agent,
        "Class booking",
        "pending",
        "booking",
    )
    page = html(client.get("/replies"))
    assert "Saved reply “Class booking” created." in page
    assert "/book" in page and "Sets Pending" in page
    assert 'name="shared"' not in page  # agents cannot share


def test_without_the_csrf_token_nothing_is_made(agent: User) -> None:
    response = browser(agent).post("/replies", NEW)
    assert response.status_code == 403
    assert not SavedReply.objects.exists()


def test_an_error_keeps_what_was_typed_and_lists_the_placeholders(agent: User) -> None:
    typed = "Dear {{ customer.first_name }}, your {{ settings.SECRET_KEY }} is ready."
    response = post(browser(agent), "/replies", {**NEW, "body": typed})
    assert response.status_code == 400
    page = html(response)
    assert "There is a problem" in page
    assert "is not a placeholder Frontdesk knows" in page
    assert "{{ ticket.number }}" in page
    assert "your {{ settings.SECRET_KEY }} is ready." in page  # the textarea keeps it
    assert not SavedReply.objects.exists()


def test_an_agent_changes_and_deletes_their_reply(agent: User) -> None:
    reply = services.saved_reply_create(actor=agent, name="Thanks", body="Thank you!")
    client = browser(agent)
    path = f"/replies/{reply.pk}"
    assert post(client, path, {**NEW, "name": "Thanks a lot"}, page=path).status_code == 302
    reply.refresh_from_db()
    assert reply.name == "Thanks a lot"
    assert post(client, f"{path}/delete", {}, page=path).status_code == 302
    assert not SavedReply.objects.exists()


def test_agents_read_shared_replies_and_admins_change_them(
    agent: User, admin: User, shared: SavedReply
) -> None:
    path = f"/replies/{shared.pk}"
    client = browser(agent)
    page = html(client.get(path))
    assert "Only admins can change shared replies" in page
    assert "Save changes" not in page
    tok = token(client, "/replies")
    refused = client.post(path, {"csrfmiddlewaretoken": tok, **NEW})
    assert refused.status_code == 403
    gone = client.post(f"{path}/delete", {"csrfmiddlewaretoken": tok})
    assert gone.status_code == 403
    assert SavedReply.objects.filter(pk=shared.pk).exists()

    admin_client = browser(admin)
    assert 'name="shared"' in html(admin_client.get(path))
    changed = post(admin_client, path, {**NEW, "shared": "on"}, page=path)
    assert changed.status_code == 302
    shared.refresh_from_db()
    assert shared.name == "Class booking" and shared.owner is None


def test_another_agents_reply_does_not_exist_for_you(agent: User, other_agent: User) -> None:
    reply = services.saved_reply_create(actor=other_agent, name="Mine", body="Hello there.")
    assert browser(agent).get(f"/replies/{reply.pk}").status_code == 404
    assert browser(agent).get(f"/replies/{reply.pk + 999}").status_code == 404


def test_customers_have_no_saved_replies_page(customer: User, shared: SavedReply) -> None:
    client = browser(customer)
    assert client.get("/replies").status_code == 403
    assert client.get(f"/replies/{shared.pk}").status_code == 403
    assert client.get("/replies/picker").status_code == 403
    assert "Saved replies" not in html(client.get("/home"))


def test_the_header_links_agents_to_their_replies(agent: User) -> None:
    assert '<a href="/replies"' in html(browser(agent).get("/home"))


# --- the picker -------------------------------------------------------------------------------


def test_the_picker_lists_matching_replies_as_options(agent: User, shared: SavedReply) -> None:
    services.saved_reply_create(actor=agent, name="Class booking", body="You are booked in.")
    client = browser(agent)
    listed = html(client.get("/replies/picker", {"q": "refund"}))
    assert listed.count('role="option"') == 1 and "Refund policy" in listed
    everything = html(client.get("/replies/picker"))
    assert everything.count('role="option"') == 2
    assert "No saved reply matches" in html(client.get("/replies/picker", {"q": "zzz"}))


def test_render_fills_in_the_placeholders_for_the_ticket(agent: User, customer: User) -> None:
    ticket = open_ticket(customer)
    reply = services.saved_reply_create(
        actor=agent,
        name="Hello",
        body="Hi {{ customer.first_name }} <b>{% now %}</b> {{ ticket.number }}",
        set_status="pending",
    )
    answer = browser(agent).get(f"/replies/{reply.pk}/render", {"ticket": ticket.pk})
    assert answer.status_code == 200
    assert answer.json() == {
        "id": reply.pk,
        "name": "Hello",
        "text": f"Hi John <b>{{% now %}}</b> {ticket.number}",  # plain text: the page escapes it
        "does": "sets the status to Pending",
    }
    assert browser(agent).get(f"/replies/{reply.pk}/render", {"ticket": "²"}).status_code == 400
    missing = browser(agent).get(f"/replies/{reply.pk}/render", {"ticket": ticket.pk + 99})
    assert missing.status_code == 404


# --- sending from the ticket page -------------------------------------------------------------


def test_the_composer_offers_the_picker_to_agents_only(agent: User, customer: User) -> None:
    ticket = open_ticket(customer)
    assert 'name="saved_reply"' in html(browser(agent).get(f"/ticket/{ticket.pk}"))
    assert 'name="saved_reply"' not in html(browser(customer).get(f"/ticket/{ticket.pk}"))


def _send(client: Client, ticket: Ticket, data: dict[str, str]) -> Any:
    path = f"/ticket/{ticket.pk}"
    return post(client, path, {"action": "reply", **data}, page=path)


def test_sending_a_saved_reply_applies_its_macro(agent: User, customer: User) -> None:
    ticket = open_ticket(customer)
    reply = services.saved_reply_create(
        actor=agent, name="Booking", body="You are booked.", set_status="pending", add_tag="booking"
    )
    client = browser(agent)
    response = _send(
        client, ticket, {"message": "Hi John, you are booked in.", "saved_reply": str(reply.pk)}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING
    assert list(ticket.tags.values_list("name", flat=True)) == ["booking"]
    page = html(client.get(f"/ticket/{ticket.pk}"))
    done = "Saved reply “Booking”: tag “booking” added, status set to Pending."
    assert f"Your reply has been sent. {done}" in page


def test_a_refused_macro_keeps_the_typed_text_and_sends_nothing(
    agent: User, customer: User
) -> None:
    ticket = open_ticket(customer)
    reply = services.saved_reply_create(
        actor=agent, name="Booking", body="You are booked.", set_status="pending"
    )
    client = browser(agent)
    tickets.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.CLOSED)
    before = Message.objects.count()
    typed = "A note only the team sees."
    path = f"/ticket/{ticket.pk}"
    response = post(
        client, path, {"action": "note", "message": typed, "saved_reply": str(reply.pk)}, page=path
    )
    assert response.status_code == 400
    page = html(response)
    assert "Saved reply “Booking”: A ticket that is closed cannot become pending." in page
    assert typed in page
    assert f'name="saved_reply" value="{reply.pk}"' in page
    assert Message.objects.count() == before


@pytest.mark.parametrize("value", ["²", "abc", "9" * 30])
def test_a_saved_reply_that_is_no_id_is_a_400(agent: User, customer: User, value: str) -> None:
    ticket = open_ticket(customer)
    response = _send(
        browser(agent), ticket, {"message": "Hello there, John.", "saved_reply": value}
    )
    assert response.status_code == 400
    assert "choose it again" in html(response)


def test_a_deleted_saved_reply_is_said_in_words(agent: User, customer: User) -> None:
    ticket = open_ticket(customer)
    reply = services.saved_reply_create(actor=agent, name="Gone", body="Soon gone.")
    services.saved_reply_delete(actor=agent, reply_id=reply.pk)
    response = _send(
        browser(agent), ticket, {"message": "Hello there, John.", "saved_reply": str(reply.pk)}
    )
    assert response.status_code == 400
    assert "has just been deleted" in html(response)


def test_a_plain_reply_still_works(agent: User, customer: User) -> None:
    ticket = open_ticket(customer)
    response = _send(browser(agent), ticket, {"message": "Hello there, John."})
    assert response.status_code == 302
    # The opening message, the reply, and the claim's line (a page's reply claims the ticket).
    bodies = list(ticket.messages.order_by("pk").values_list("body", flat=True))
    assert len(bodies) == 3
    assert "Hello there, John." in bodies
