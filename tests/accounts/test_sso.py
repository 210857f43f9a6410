"""Single sign-on through OpenID Connect, against a real provider on loopback
(tests/accounts/oidc_provider.py): the code flow end to end, who the provider's person is at
the desk, their role from the provider's groups, and every token the desk must refuse."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.contrib.messages import get_messages
from django.test import Client
from pytest_django.fixtures import Settings

from frontdesk.accounts import sso
from frontdesk.accounts.models import Role, SsoIdentity, User, UserSession
from frontdesk.accounts.oidc import FAILED
from frontdesk.accounts.services import LAST_ADMIN
from tests.accounts.oidc_provider import Provider, provider_running
from tests.accounts.test_two_factor import code_now, enrol
from tests.conftest import Clock, make_user

AGENTS = "support-agents"
ADMINS = "support-admins"
MARIA = {
    "sub": "maria-0001",
    "email": "maria@studio.example",
    "email_verified": True,
    "preferred_username": "maria",
    "groups": [AGENTS],
}


@pytest.fixture
def provider(settings: Settings, db: None) -> Iterator[Provider]:
    with provider_running() as running:
        for name, value in running.settings().items():
            setattr(settings, name, value)
        settings.FRONTDESK_OIDC_AGENT_VALUES = [AGENTS]
        settings.FRONTDESK_OIDC_ADMIN_VALUES = [ADMINS]
        settings.FRONTDESK_OIDC_CUSTOMERS = False
        running.person = dict(MARIA)
        yield running


def sign_in(client: Client, provider: Provider, start: str = "/login/sso") -> tuple[int, str]:
    """The browser's round trip: to the provider, through its sign-in, back to the desk.
    Returns the desk's last answer: its status and where it sends the browser."""
    to_provider = client.get(start)
    assert to_provider.status_code == 302
    assert to_provider["Location"].startswith(f"{provider.base_url}/authorize?")
    at_provider = requests.get(to_provider["Location"], allow_redirects=False, timeout=5)
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["Location"])
    assert back.path == "/login/sso/callback"
    answer = client.get(f"{back.path}?{back.query}")
    return answer.status_code, answer.get("Location", "")


def maria_already(role: str) -> User:
    """An account the desk had before single sign-on, with Maria's address."""
    user = make_user("mlopez", role)
    User.objects.filter(pk=user.pk).update(email=MARIA["email"])
    user.refresh_from_db()
    return user


def signed_in_as(client: Client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def said(client: Client) -> list[str]:
    return [str(message) for message in get_messages(client.get("/login").wsgi_request)]


def test_the_sign_in_page_offers_single_sign_on_only_when_it_is_set_up(
    client: Client, db: None, settings: Settings
) -> None:
    assert "Sign in with" not in client.get("/login").content.decode()
    assert client.get("/login/sso").status_code == 404
    assert client.get("/login/sso/callback?code=x&state=y").status_code == 404
    with provider_running() as running:
        for name, value in running.settings().items():
            setattr(settings, name, value)
        assert "Sign in with Studio Login" in client.get("/login").content.decode()


def test_a_first_sign_in_makes_an_agent_from_the_providers_group(
    client: Client, provider: Provider
) -> None:
    status, location = sign_in(client, provider)

    assert (status, location) == (302, "/home")
    maria = User.objects.get(email="maria@studio.example")
    assert maria.role == Role.AGENT and maria.username == "maria"
    assert not maria.has_usable_password()
    assert maria.email_verified_at is not None
    assert signed_in_as(client) == maria
    assert SsoIdentity.objects.filter(
        user=maria, issuer=provider.issuer, subject="maria-0001"
    ).exists()
    assert UserSession.objects.filter(user=maria).count() == 1  # the session audit trail
    assert "Claimable" in client.get("/home").content.decode()  # the agent's workspace


def test_the_page_asked_for_is_where_the_sign_in_ends(client: Client, provider: Provider) -> None:
    assert sign_in(client, provider, "/login/sso?next=/profile") == (302, "/profile")
    client.logout()
    # Never off the site.
    assert sign_in(client, provider, "/login/sso?next=https://evil.example/") == (302, "/home")


def test_the_same_person_is_the_same_account_when_their_address_changes(
    client: Client, provider: Provider
) -> None:
    sign_in(client, provider)
    client.logout()
    provider.person["email"] = "maria.lopez@studio.example"
    sign_in(client, provider)

    assert User.objects.filter(role=Role.AGENT).count() == 1
    assert signed_in_as(client) == User.objects.get(email="maria@studio.example")


def test_an_existing_account_is_linked_only_when_the_provider_verified_the_address(
    client: Client, provider: Provider
) -> None:
    existing = maria_already(Role.CUSTOMER)
    provider.person["email_verified"] = False

    status, location = sign_in(client, provider)

    assert (status, location) == (302, "/login")
    assert signed_in_as(client) is None
    assert not SsoIdentity.objects.exists()
    assert any("has not verified" in text for text in said(client))
    existing.refresh_from_db()
    assert existing.role == Role.CUSTOMER

    provider.person["email_verified"] = True
    assert sign_in(client, provider) == (302, "/home")
    existing.refresh_from_db()
    assert signed_in_as(client) == existing and existing.role == Role.AGENT


def test_the_role_follows_the_providers_groups_at_every_sign_in(
    client: Client, provider: Provider, settings: Settings
) -> None:
    make_user("boss", Role.ADMIN)  # so Maria is not the last admin
    provider.person["groups"] = [AGENTS, ADMINS]
    sign_in(client, provider)
    maria = User.objects.get(email="maria@studio.example")
    assert maria.role == Role.ADMIN

    client.logout()
    provider.person["groups"] = ["dancers"]
    assert sign_in(client, provider) == (302, "/login")
    assert any("does not give you access" in text for text in said(client))
    maria.refresh_from_db()
    assert maria.role == Role.ADMIN  # refused, nothing changed

    settings.FRONTDESK_OIDC_CUSTOMERS = True
    assert sign_in(client, provider) == (302, "/home")
    maria.refresh_from_db()
    assert maria.role == Role.CUSTOMER and signed_in_as(client) == maria


def test_the_last_admin_is_not_demoted_by_the_provider(client: Client, provider: Provider) -> None:
    provider.person["groups"] = [ADMINS]
    sign_in(client, provider)
    client.logout()
    provider.person["groups"] = [AGENTS]

    assert sign_in(client, provider) == (302, "/login")
    assert LAST_ADMIN in said(client)
    assert User.objects.get(email="maria@studio.example").role == Role.ADMIN


def test_a_deactivated_account_stays_out(client: Client, provider: Provider) -> None:
    sign_in(client, provider)
    client.logout()
    User.objects.filter(email="maria@studio.example").update(is_active=False)

    assert sign_in(client, provider) == (302, "/login")
    assert signed_in_as(client) is None
    assert sso.DEACTIVATED in said(client)


def test_with_no_role_claim_roles_stay_the_desks_own(
    client: Client, provider: Provider, settings: Settings
) -> None:
    settings.FRONTDESK_OIDC_ROLE_CLAIM = ""
    agent = maria_already(Role.AGENT)
    provider.person["groups"] = [ADMINS]  # not read
    assert sign_in(client, provider) == (302, "/home")
    agent.refresh_from_db()
    assert agent.role == Role.AGENT

    client.logout()
    provider.person = {"sub": "ana-2", "email": "ana@studio.example", "email_verified": True}
    assert sign_in(client, provider) == (302, "/login")  # a stranger, and no customers here
    assert not User.objects.filter(email="ana@studio.example").exists()

    settings.FRONTDESK_OIDC_CUSTOMERS = True
    assert sign_in(client, provider) == (302, "/home")
    assert User.objects.get(email="ana@studio.example").role == Role.CUSTOMER


@pytest.mark.parametrize(
    "forgery",
    [
        {"token_overrides": {"aud": "another-app"}},
        {"token_overrides": {"aud": ["frontdesk-desk", "another-app"], "azp": "another-app"}},
        {"token_overrides": {"iss": "https://impostor.example"}},
        {"token_overrides": {"exp": 1_000_000_000}},
        {"token_overrides": {"nonce": "a-nonce-from-another-sign-in"}},
        {"signing_key": rsa.generate_private_key(65537, 2048)},
        {"userinfo_overrides": {"sub": "someone-else"}},
    ],
    ids=["audience", "other-azp", "issuer", "expired", "nonce", "forged-signature", "userinfo"],
)
def test_a_token_the_desk_must_not_trust_signs_nobody_in(
    client: Client, provider: Provider, forgery: dict[str, object]
) -> None:
    for name, value in forgery.items():
        setattr(provider, name, value)

    assert sign_in(client, provider) == (302, "/login")
    assert signed_in_as(client) is None
    assert not User.objects.filter(email="maria@studio.example").exists()
    assert FAILED.format(name="Studio Login") in said(client)


def test_a_callback_the_desk_did_not_start_signs_nobody_in(
    client: Client, provider: Provider
) -> None:
    # No sign-in was started in this browser: back to the page, and the provider never asked.
    answer = client.get("/login/sso/callback?code=stolen&state=guessed")
    assert (answer.status_code, answer["Location"]) == (302, "/login")
    # Started, but another state comes back: refused as tampering.
    client.get("/login/sso")
    assert client.get("/login/sso/callback?code=stolen&state=guessed").status_code == 400
    assert provider.token_requests == 0 and signed_in_as(client) is None


def test_a_provider_that_does_not_answer_sends_people_back_with_words(
    client: Client, provider: Provider, settings: Settings
) -> None:
    settings.OIDC_OP_TOKEN_ENDPOINT = "http://127.0.0.1:9/token"  # nothing listens there
    assert sign_in(client, provider) == (302, "/login")
    assert FAILED.format(name="Studio Login") in said(client)


def test_a_half_configured_provider_stops_the_start_with_what_is_missing() -> None:
    env = {
        **os.environ,
        "FRONTDESK_OIDC_CLIENT_ID": "desk",
        "FRONTDESK_OIDC_ISSUER": "https://id.example",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import frontdesk.settings"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "FRONTDESK_OIDC_CLIENT_SECRET" in result.stderr
    assert "FRONTDESK_OIDC_TOKEN_ENDPOINT" in result.stderr


def test_someone_with_two_factor_gives_their_code_after_the_provider_too(
    provider: Provider, clock: Clock
) -> None:
    client = Client(enforce_csrf_checks=True)
    sign_in(client, provider)
    maria = User.objects.get(email=MARIA["email"])
    client.logout()
    secret, _ = enrol(maria, clock)

    assert sign_in(client, provider, "/login/sso?next=/profile") == (
        302,
        "/login/code?next=%2Fprofile",
    )
    assert signed_in_as(client) is None
    client.get("/login/code")
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    answer = client.post(
        "/login/code?next=/profile",
        {"csrfmiddlewaretoken": token, "code": code_now(secret, clock)},
    )
    assert (answer.status_code, answer["Location"]) == (302, "/profile")
    assert signed_in_as(client) == maria


def test_the_admin_shows_whom_an_account_signs_in_through(
    client: Client, provider: Provider, admin: User
) -> None:
    sign_in(client, provider)
    maria = User.objects.get(email=MARIA["email"])
    client.force_login(admin)
    page = client.get(f"/admin/accounts/user/{maria.pk}/change/").content.decode()
    assert f"{provider.issuer} as maria-0001" in page
