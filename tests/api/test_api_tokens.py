"""Personal API tokens in the REST API: both header spellings, read-only scope refused on
every unsafe endpoint, never the SupportMe API or the pages; per-user request limits and the
open-ticket cap as the API answers them."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from frontdesk.accounts.api_tokens import api_token_create, api_token_revoke
from frontdesk.accounts.models import ApiToken, User
from tests.api.helpers import BASE, Api, error_of
from tests.conftest import PASSWORD, Clock, open_ticket

UNSAFE = ("post", "put", "patch", "delete")
READ_ONLY = "This token can only read."


class TokenApi(Api):
    def __init__(self, plaintext: str, scheme: str = "Bearer") -> None:
        super().__init__()
        self.headers = {"Authorization": f"{scheme} {plaintext}"}


def token_for(user: User, scope: str = "read_write", **fields: Any) -> str:
    name = f"token {user.api_tokens.count() + 1}"
    return api_token_create(user=user, name=name, scope=scope, password=PASSWORD, **fields)[1]


def unsafe_operations() -> list[tuple[str, str]]:
    """Every unsafe method and path the OpenAPI document lists (ids filled in with 1)."""
    document = json.loads(Client().get(f"{BASE}/openapi.json").content)
    operations = []
    for path, methods in document["paths"].items():
        for method in methods:
            if method in UNSAFE:
                operations.append((method, re.sub(r"\{[^}]+\}", "1", path)))
    return operations


@pytest.mark.parametrize("scheme", ["Bearer", "Token", "bearer", "token"])
def test_both_header_spellings_authenticate(customer: User, scheme: str) -> None:
    ticket = open_ticket(customer)
    api = TokenApi(token_for(customer, "read"), scheme)
    response = api.get("/tickets/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [ticket.pk]


def test_a_read_write_token_writes(customer: User) -> None:
    api = TokenApi(token_for(customer, "read_write"), "Token")
    response = api.post("/tickets/", {"subject": "Printer on fire", "description": "It smokes."})
    assert response.status_code == 201, response.content
    assert response.json()["customer"] == customer.pk


def test_the_openapi_document_has_unsafe_operations() -> None:
    # The read-only test below walks this list; make sure it is not trivially empty.
    operations = unsafe_operations()
    assert ("post", f"{BASE}/tickets/") in operations
    assert ("delete", f"{BASE}/tickets/1/") in operations


@pytest.mark.parametrize("scheme", ["Bearer", "Token"])
def test_a_read_token_is_refused_on_every_unsafe_endpoint(
    customer: User, admin: User, scheme: str
) -> None:
    ticket = open_ticket(customer)
    for user in (customer, admin):
        api = TokenApi(token_for(user, "read"), scheme)
        for method, path in unsafe_operations():
            path = path.replace("/1/", f"/{ticket.pk}/")
            response = api.call(method.upper(), path, {})
            assert response.status_code == 403, (method, path, response.content)
            assert error_of(response) == {"code": "forbidden", "message": READ_ONLY, "fields": {}}
    ticket.refresh_from_db()
    assert ticket.status == "new"


def test_a_read_token_reads_everything_its_user_may(customer: User, agent: User) -> None:
    ticket = open_ticket(customer)
    api = TokenApi(token_for(agent, "read"))
    for path in ("/tickets/", f"/tickets/{ticket.pk}/", "/comments/", "/history/"):
        assert api.get(path).status_code == 200, path


@pytest.mark.parametrize("scheme", ["Bearer", "Token"])
def test_revoked_expired_and_unknown_tokens_are_401(
    customer: User, clock: Clock, scheme: str
) -> None:
    revoked, revoked_text = api_token_create(
        user=customer, name="Revoked", scope="read", password=PASSWORD
    )
    api_token_revoke(actor=customer, token_id=revoked.pk)
    expiring = token_for(customer, "read", expires_at=clock.current + timedelta(days=1))
    clock.advance(86400)
    for raw in (revoked_text, expiring, "fd_AAAAAAAA_" + "x" * 43, "fd_"):
        response = TokenApi(raw, scheme).get("/tickets/")
        assert response.status_code == 401, raw
        assert error_of(response)["code"] == "unauthenticated"


def test_a_deactivated_users_token_is_401(customer: User) -> None:
    plaintext = token_for(customer)
    User.objects.filter(pk=customer.pk).update(is_active=False)
    assert TokenApi(plaintext).get("/tickets/").status_code == 401


def test_the_token_scheme_takes_only_personal_tokens(customer: User) -> None:
    jwt = Api(customer).headers["Authorization"].removeprefix("Bearer ")
    assert TokenApi(jwt, "Token").get("/tickets/").status_code == 401


def test_using_a_token_records_when(customer: User) -> None:
    token, plaintext = api_token_create(user=customer, name="Used", scope="read", password=PASSWORD)
    TokenApi(plaintext).get("/tickets/")
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_tokens_never_open_the_supportme_api(client: Client, customer: User) -> None:
    plaintext = token_for(customer)
    for scheme in ("Bearer", "Token"):
        headers = {"Authorization": f"{scheme} {plaintext}"}
        response = client.get(f"/get-open-tickets/{customer.pk}", headers=headers)
        assert response.status_code == 403
        assert response.json() == {"error": "User is not authenticated to make this request."}
        response = client.post(
            "/ticket/new",
            json.dumps({"ticket_title": "Printer on fire", "message": "It smokes a lot."}),
            content_type="application/json",
            headers=headers,
        )
        assert response.status_code == 403


def test_tokens_never_open_the_pages(client: Client, customer: User) -> None:
    headers = {"Authorization": f"Bearer {token_for(customer)}"}
    for path in ("/home", "/profile"):
        response = client.get(path, headers=headers)
        assert response.status_code == 302
        assert response["Location"].startswith("/login")


# --- limits as the API answers them ------------------------------------------------------


@pytest.mark.limits
def test_api_requests_are_limited_per_user_whatever_the_credentials(
    settings: Settings, customer: User, other_customer: User
) -> None:
    settings.FRONTDESK_RATE_LIMITS = {**settings.FRONTDESK_RATE_LIMITS, "api_user": "3/minute"}
    callers = [TokenApi(token_for(customer, "read")), TokenApi(token_for(customer)), Api(customer)]
    for api in callers:
        assert api.get("/tickets/").status_code == 200
    for api in callers:
        response = api.get("/tickets/")
        assert response.status_code == 429
        error = error_of(response)
        assert error["code"] == "rate_limited"
        assert re.fullmatch(r"Too many requests\. Try again in \d+ seconds?\.", error["message"])
        assert 1 <= int(response["Retry-After"]) <= 60
    assert Api(other_customer).get("/tickets/").status_code == 200


@pytest.mark.limits
def test_the_session_counts_against_the_same_budget(settings: Settings, customer: User) -> None:
    settings.FRONTDESK_RATE_LIMITS = {**settings.FRONTDESK_RATE_LIMITS, "api_user": "1/minute"}
    client = Client()
    client.force_login(customer)
    assert client.get(f"{BASE}/tickets/").status_code == 200
    assert client.get(f"{BASE}/tickets/").status_code == 429


@pytest.mark.limits
def test_opening_too_often_is_429(settings: Settings, customer: User) -> None:
    settings.FRONTDESK_RATE_LIMITS = {
        **settings.FRONTDESK_RATE_LIMITS,
        "ticket_open_user": "2/hour",
    }
    api = Api(customer)
    for _ in range(2):
        body = {"subject": "Printer on fire", "description": "It smokes a lot."}
        assert api.post("/tickets/", body).status_code == 201
    response = api.post("/tickets/", {"subject": "Printer on fire", "description": "Again, smoke."})
    assert response.status_code == 429
    assert error_of(response)["code"] == "rate_limited"
    assert int(response["Retry-After"]) >= 1


@pytest.mark.limits
def test_the_open_ticket_cap_is_400_for_customers_only(
    settings: Settings, customer: User, agent: User
) -> None:
    settings.FRONTDESK_MAX_OPEN_TICKETS = 2
    api = Api(customer)
    body = {"subject": "Printer on fire", "description": "It smokes a lot."}
    for _ in range(2):
        assert api.post("/tickets/", body).status_code == 201
    response = api.post("/tickets/", body)
    assert response.status_code == 400
    assert error_of(response) == {
        "code": "invalid",
        "message": "You already have 2 open tickets. "
        "Please wait for one to be closed before opening another.",
        "fields": {},
    }
    on_behalf = Api(agent).post("/tickets/", {**body, "customer": customer.pk})
    assert on_behalf.status_code == 201  # agents opening for a customer are not capped
