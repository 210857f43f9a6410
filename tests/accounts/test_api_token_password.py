"""Making a personal API token asks for the password again (issue 12): a wrong or missing one is
refused with a clear error, nothing is made, and it counts as a failed sign-in."""

from __future__ import annotations

import pytest
from django.test import Client

from frontdesk.accounts.api_tokens import PASSWORD_NEEDED, PASSWORD_WRONG, api_token_create
from frontdesk.accounts.models import ApiToken, SessionEvent, SessionEventKind, User
from frontdesk.accounts.sessions import ClientInfo
from frontdesk.core.errors import InvalidInput, NotAllowed, RateLimited
from tests.conftest import PASSWORD
from tests.web.test_session_pages import csrf_client


def create(client: Client, csrf: str, **fields: str) -> tuple[int, str]:
    data = {"csrfmiddlewaretoken": csrf, "name": "Reporting", "scope": "read", **fields}
    response = client.post("/profile/tokens", data)
    return response.status_code, response.content.decode()


def test_the_service_wants_the_password(agent: User) -> None:
    with pytest.raises(InvalidInput, match=PASSWORD_NEEDED):
        api_token_create(user=agent, name="Script", scope="read", password="")
    with pytest.raises(NotAllowed, match=PASSWORD_WRONG):
        api_token_create(user=agent, name="Script", scope="read", password="guess")
    assert not ApiToken.objects.exists()
    failed = SessionEvent.objects.get(kind=SessionEventKind.FAILED_SIGN_IN)
    assert failed.user == agent


def test_the_page_makes_a_token_with_the_password(agent: User) -> None:
    client, csrf = csrf_client(agent)
    assert 'name="password"' in client.get("/profile").content.decode()
    status, page = create(client, csrf, password=PASSWORD)
    assert status == 200 and "You won't see it again." in page
    assert ApiToken.objects.filter(user=agent).count() == 1


@pytest.mark.parametrize(
    ("password", "error"),
    [("", "Enter your password to make a token."), ("guess", PASSWORD_WRONG)],
)
def test_the_page_refuses_without_the_right_password(
    agent: User, password: str, error: str
) -> None:
    client, csrf = csrf_client(agent)
    status, page = create(client, csrf, password=password)
    assert status == 400
    assert error.replace("'", "&#x27;") in page
    assert not ApiToken.objects.exists()


def test_the_page_needs_the_csrf_token(agent: User) -> None:
    client, _ = csrf_client(agent)
    status, _ = create(client, "x" * 64, password=PASSWORD)
    assert status == 403
    assert not ApiToken.objects.exists()


@pytest.mark.limits
def test_wrong_passwords_share_the_sign_in_limits(agent: User, client: Client) -> None:
    where = ClientInfo(ip="198.51.100.20")
    for _ in range(5):
        with pytest.raises(NotAllowed):
            api_token_create(user=agent, name="S", scope="read", password="guess", client=where)
    with pytest.raises(RateLimited):  # even the right one, until the window passes
        api_token_create(user=agent, name="S", scope="read", password=PASSWORD, client=where)
    # ... and the sign-in page is limited for that account too
    response = client.post(
        "/login",
        {"csrfmiddlewaretoken": "x" * 64, "username": agent.username, "password": PASSWORD},
    )
    assert response.status_code == 429
    assert not ApiToken.objects.exists()
