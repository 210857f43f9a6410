"""The faces of followers and CC: the ticket page's cards (CSRF enforced, errors beside the
field) and the REST endpoints, which only parse and call following/services.py."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.following.models import CcPerson, Follower
from frontdesk.following.services import ticket_cc_add, ticket_follow
from frontdesk.tickets.models import Ticket
from tests.api.helpers import Api

pytestmark = pytest.mark.django_db

_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _browser(user: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _token(client: Client, ticket: Ticket) -> str:
    page = client.get(f"/ticket/{ticket.pk}")
    assert page.status_code == 200
    found = _TOKEN.search(page.content.decode())
    assert found is not None
    return found.group(1)


def test_an_agent_follows_from_the_page(ticket: Ticket, agent: User) -> None:
    client = _browser(agent)
    assert client.post(f"/ticket/{ticket.pk}/followers", {"action": "follow"}).status_code == 403
    assert not Follower.objects.exists()  # no token, no change
    token = _token(client, ticket)
    answer = client.post(
        f"/ticket/{ticket.pk}/followers", {"action": "follow", "csrfmiddlewaretoken": token}
    )
    assert answer.status_code == 302 and answer["Location"] == f"/ticket/{ticket.pk}"
    assert Follower.objects.filter(ticket=ticket, user=agent).exists()
    page = client.get(f"/ticket/{ticket.pk}").content.decode()
    assert 'id="followers-title"' in page and 'id="unfollow"' in page
    client.post(
        f"/ticket/{ticket.pk}/followers", {"action": "unfollow", "csrfmiddlewaretoken": token}
    )
    assert not Follower.objects.exists()


def test_a_customer_sees_no_followers_and_cannot_follow(
    ticket: Ticket, customer: User, agent: User
) -> None:
    ticket_follow(actor=agent, ticket_id=ticket.pk)
    client = _browser(customer)
    page = client.get(f"/ticket/{ticket.pk}").content.decode()
    assert "followers-title" not in page and "Alice" not in page.split('id="cc-title"')[1]
    token = _token(client, ticket)
    answer = client.post(
        f"/ticket/{ticket.pk}/followers", {"action": "follow", "csrfmiddlewaretoken": token}
    )
    assert answer.status_code == 403


def test_the_requester_adds_and_removes_cc_from_the_page(ticket: Ticket, customer: User) -> None:
    client = _browser(customer)
    token = _token(client, ticket)
    answer = client.post(
        f"/ticket/{ticket.pk}/cc",
        {
            "action": "add",
            "cc": "landlord@example.org, neighbour@example.org",
            "csrfmiddlewaretoken": token,
        },
    )
    assert answer.status_code == 302
    page = client.get(f"/ticket/{ticket.pk}").content.decode()
    assert "landlord@example.org" in page and "neighbour@example.org" in page
    person = User.objects.get(email="neighbour@example.org")
    client.post(
        f"/ticket/{ticket.pk}/cc",
        {"action": "remove", "person": str(person.pk), "csrfmiddlewaretoken": token},
    )
    assert list(CcPerson.objects.values_list("person__email", flat=True)) == [
        "landlord@example.org"
    ]


def test_a_bad_address_comes_back_beside_the_field(ticket: Ticket, customer: User) -> None:
    client = _browser(customer)
    token = _token(client, ticket)
    answer = client.post(
        f"/ticket/{ticket.pk}/cc",
        {"action": "add", "cc": "landlord@example.org, nonsense", "csrfmiddlewaretoken": token},
    )
    assert answer.status_code == 400
    page = answer.content.decode()
    assert 'id="id_cc_error"' in page and "is not an email address" in page
    assert 'value="landlord@example.org, nonsense"' in page  # what was typed is kept
    assert not CcPerson.objects.exists()


def test_a_stranger_gets_404_from_the_cards(
    ticket: Ticket, other_customer: User, customer: User
) -> None:
    client = _browser(other_customer)
    client.get("/")  # a CSRF cookie
    token = client.cookies["csrftoken"].value if "csrftoken" in client.cookies else ""
    answer = client.post(
        f"/ticket/{ticket.pk}/cc",
        {"action": "add", "cc": "x@example.org", "csrfmiddlewaretoken": token},
    )
    assert answer.status_code in (403, 404)
    assert not CcPerson.objects.exists()


# --- REST ------------------------------------------------------------------------------------


def test_rest_followers(ticket: Ticket, agent: User, other_agent: User, customer: User) -> None:
    answer = Api(agent).post(f"/tickets/{ticket.pk}/followers/", {})
    assert answer.status_code == 200
    assert [row["username"] for row in answer.json()] == ["Alice"]
    answer = Api(agent).post(f"/tickets/{ticket.pk}/followers/", {"user_id": other_agent.pk})
    assert [row["username"] for row in answer.json()] == ["Alice", "Bob"]
    bad = Api(agent).post(f"/tickets/{ticket.pk}/followers/", {"user_id": customer.pk})
    assert bad.status_code == 400
    assert Api(customer).post(f"/tickets/{ticket.pk}/followers/", {}).status_code == 403
    assert Api(customer).get(f"/tickets/{ticket.pk}/followers/").json() == []
    gone = Api(agent).call("DELETE", f"/tickets/{ticket.pk}/followers/{agent.pk}/")
    assert gone.status_code == 204
    names = [row["username"] for row in Api(agent).get(f"/tickets/{ticket.pk}/followers/").json()]
    assert names == ["Bob"]
    assert Api(agent).get("/tickets/987654/followers/").status_code == 404


def test_rest_cc(ticket: Ticket, customer: User, other_customer: User) -> None:
    answer = Api(customer).post(f"/tickets/{ticket.pk}/cc/", {"emails": ["jane@example.com"]})
    assert answer.status_code == 201
    assert answer.json() == [
        {"id": other_customer.pk, "username": "Jane", "email": "jane@example.com"}
    ]
    # The CC person sees the list, without addresses.
    seen = Api(other_customer).get(f"/tickets/{ticket.pk}/cc/").json()
    assert seen == [{"id": other_customer.pk, "username": "Jane", "email": ""}]
    bad = Api(customer).post(f"/tickets/{ticket.pk}/cc/", {"emails": ["nope"]})
    assert bad.status_code == 400 and "not an email address" in bad.content.decode()
    removed = Api(other_customer).call("DELETE", f"/tickets/{ticket.pk}/cc/{other_customer.pk}/")
    assert removed.status_code == 204
    assert Api(other_customer).get(f"/tickets/{ticket.pk}/cc/").status_code == 404


def test_rest_cc_is_in_the_openapi_document(agent: User) -> None:
    paths = Api(agent).get("/openapi.json").json()["paths"]
    assert "/api/ticketing/tickets/{ticket_id}/followers/" in paths
    assert "/api/ticketing/tickets/{ticket_id}/cc/{person_id}/" in paths


def test_a_cc_persons_list_shows_the_ticket(
    ticket: Ticket, customer: User, other_customer: User
) -> None:
    ticket_cc_add(actor=customer, ticket_id=ticket.pk, emails=[other_customer.email])
    home = _browser(other_customer).get("/").content.decode()
    assert ticket.title in home


def _new_ticket_token(client: Client) -> str:
    page = client.get("/ticket/new")
    found = _TOKEN.search(page.content.decode())
    assert found is not None
    return found.group(1)


def test_a_customer_opens_a_ticket_with_cc(customer: User) -> None:
    client = _browser(customer)
    token = _new_ticket_token(client)
    answer = client.post(
        "/ticket/new",
        {
            "title": "Leak",
            "message": "Water everywhere.",
            "cc": "landlord@example.org; flatmate@example.org",
            "csrfmiddlewaretoken": token,
        },
    )
    assert answer.status_code == 302
    ticket = Ticket.objects.get()
    assert sorted(
        CcPerson.objects.filter(ticket=ticket).values_list("person__email", flat=True)
    ) == [
        "flatmate@example.org",
        "landlord@example.org",
    ]


def test_a_bad_cc_opens_no_ticket_and_says_why(customer: User) -> None:
    client = _browser(customer)
    token = _new_ticket_token(client)
    answer = client.post(
        "/ticket/new",
        {
            "title": "Leak",
            "message": "Water.",
            "cc": "john@example.com",
            "csrfmiddlewaretoken": token,
        },
    )
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "requester of this ticket already" in page and 'id="id_cc_error"' in page
    assert not Ticket.objects.exists()
    answer = client.post(
        "/ticket/new",
        {"title": "Leak", "message": "Water.", "cc": "bogus@", "csrfmiddlewaretoken": token},
    )
    assert answer.status_code == 400 and "is not an email address" in answer.content.decode()
    assert not Ticket.objects.exists()


def test_the_history_says_who_followed_and_who_was_copied(
    ticket: Ticket, customer: User, agent: User, other_agent: User
) -> None:
    ticket_follow(actor=agent, ticket_id=ticket.pk)
    ticket_follow(actor=agent, ticket_id=ticket.pk, user_id=other_agent.pk)
    ticket_cc_add(actor=customer, ticket_id=ticket.pk, emails=["landlord@example.org"])
    page = _browser(agent).get(f"/ticket/{ticket.pk}").content.decode()
    assert "Alice</span> followed the ticket" in page
    assert "made Bob follow the ticket" in page
    assert "copied landlord@example.org on the ticket (CC)" in page
