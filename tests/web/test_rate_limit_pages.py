"""Rate limits and the open-ticket cap on the pages (the form says it, status 429), the
admin's sign-in form, and the profile's API tokens section."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from frontdesk.accounts.api_tokens import api_token_create, api_token_user
from frontdesk.accounts.models import ApiToken, User
from tests.conftest import PASSWORD
from tests.web.conftest import html, signed_in, submit

TOO_MANY = re.compile(r"Too many requests\. Try again in \d+ seconds?\.")
TICKET = {"title": "Heating not working", "message": "The heating in studio 2 is off."}


@pytest.mark.limits
def test_the_sign_in_page_says_too_many(client: Client, customer: User) -> None:
    for _ in range(5):
        assert submit(client, "/login", {"username": "John", "password": "nope"}).status_code == 400
    response = submit(client, "/login", {"username": "John", "password": PASSWORD})
    assert response.status_code == 429
    assert TOO_MANY.search(html(response))
    assert int(response["Retry-After"]) >= 1
    assert "_auth_user_id" not in client.session


@pytest.mark.limits
def test_the_register_page_says_too_many(client: Client, db: None) -> None:
    for n in range(5):
        data = {
            "username": f"Person{n}",
            "email": f"p{n}@example.com",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        }
        assert submit(Client(), "/register", data).status_code == 302
    data = {**data, "username": "Person9", "email": "p9@example.com"}
    response = submit(client, "/register", data)
    assert response.status_code == 429
    assert TOO_MANY.search(html(response))
    assert response["Retry-After"]


@pytest.mark.limits
def test_the_new_ticket_page_says_too_many(settings: Settings, customer: User) -> None:
    settings.FRONTDESK_RATE_LIMITS = {
        **settings.FRONTDESK_RATE_LIMITS,
        "ticket_open_user": "1/hour",
    }
    client = signed_in(customer)
    assert submit(client, "/ticket/new", TICKET).status_code == 302
    response = submit(client, "/ticket/new", TICKET)
    assert response.status_code == 429
    assert TOO_MANY.search(html(response))


@pytest.mark.limits
def test_the_new_ticket_page_shows_the_cap(settings: Settings, customer: User) -> None:
    settings.FRONTDESK_MAX_OPEN_TICKETS = 1
    client = signed_in(customer)
    assert submit(client, "/ticket/new", TICKET).status_code == 302
    response = submit(client, "/ticket/new", TICKET)
    assert response.status_code == 400
    assert "You already have 1 open tickets." in html(response)


@pytest.mark.limits
def test_the_admin_sign_in_is_limited_too(client: Client, admin: User) -> None:
    for _ in range(5):
        response = client.post("/admin/login/", {"username": "Ada", "password": "nope"})
        assert response.status_code == 200
        assert not TOO_MANY.search(html(response))
    response = client.post("/admin/login/", {"username": "Ada", "password": PASSWORD})
    assert TOO_MANY.search(html(response))
    assert "_auth_user_id" not in client.session


@pytest.mark.limits
def test_a_successful_admin_sign_in_does_not_count(client: Client, admin: User) -> None:
    for _ in range(7):
        response = client.post("/admin/login/", {"username": "Ada", "password": PASSWORD})
        assert response.status_code == 302
        client.logout()


# --- API tokens on the profile page (agents and admins) ------------------------------------


def test_customers_see_no_token_section(customer: User) -> None:
    page = html(signed_in(customer).get("/profile"))
    assert "API tokens" not in page and 'action="/profile/tokens"' not in page


def test_the_profile_lists_tokens_without_secrets(agent: User) -> None:
    token, plaintext = api_token_create(
        user=agent, name="Reporting", scope="read", password=PASSWORD
    )
    page = html(signed_in(agent).get("/profile"))
    assert "API tokens" in page
    assert "Reporting" in page and f"fd_{token.prefix}" in page and "Read only" in page
    assert plaintext not in page and "Never" in page
    assert f'action="/profile/tokens/{token.pk}/revoke"' in page


def test_creating_shows_the_token_once(agent: User) -> None:
    client = signed_in(agent)
    data = {
        "name": "Laptop script",
        "scope": "read_write",
        "expires_in_days": "30",
        "password": PASSWORD,
    }
    response = submit(client, "/profile/tokens", data)
    assert response.status_code == 200
    page = html(response)
    plaintext = re.search(r"fd_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}", page)
    assert plaintext is not None
    assert "You won't see it again." in page
    found = api_token_user(plaintext.group())
    assert found is not None and found.user == agent and found.scope == "read_write"
    token = ApiToken.objects.get(user=agent)
    assert token.expires_at is not None
    assert plaintext.group() not in html(client.get("/profile"))


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"name": "", "scope": "read"}, "Give the token a name of 1 to 60 characters."),
        ({"name": "x", "scope": "admin"}, "Choose read or read and write."),
        ({"name": "x", "scope": "read", "expires_in_days": "0"}, "Enter at least 1 day."),
    ],
)
def test_creating_refuses_bad_input(agent: User, data: dict[str, str], error: str) -> None:
    response = submit(signed_in(agent), "/profile/tokens", {**data, "password": PASSWORD})
    assert response.status_code == 400
    assert error in html(response)
    assert not ApiToken.objects.exists()


def test_revoking_from_the_profile(agent: User, other_agent: User) -> None:
    token, plaintext = api_token_create(user=agent, name="Old", scope="read", password=PASSWORD)
    theirs, _ = api_token_create(user=other_agent, name="Theirs", scope="read", password=PASSWORD)
    client = signed_in(agent)
    assert submit(client, f"/profile/tokens/{theirs.pk}/revoke", {}).status_code == 404
    response = submit(client, f"/profile/tokens/{token.pk}/revoke", {})
    assert response.status_code == 302
    assert api_token_user(plaintext) is None
    assert "Old" not in html(client.get("/profile")).split("API tokens")[1].split("New token")[0]
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None


def test_token_pages_need_a_sign_in_and_a_post(client: Client, customer: User) -> None:
    assert client.post("/profile/tokens", {"name": "x", "scope": "read"}).status_code == 302
    assert signed_in(customer).get("/profile/tokens").status_code == 405
    assert not ApiToken.objects.exists()
