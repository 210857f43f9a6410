"""429 and the open-ticket cap: additions to the SupportMe contract (docs/supportme-compat.md).
Sign-in is limited per address and per name tried; only failures count; windows reset."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from frontdesk.accounts.models import User
from tests.conftest import PASSWORD, Clock
from tests.supportme.helpers import LOGIN_FAILED, bearer, token_for

pytestmark = pytest.mark.limits
TOO_MANY = re.compile(r"\AToo many requests\. Try again in (\d+) seconds?\.\Z")


def post(
    client: Client, path: str, body: dict[str, str], ip: str = "198.51.100.7", **kw: str
) -> Any:
    return client.post(
        path, json.dumps(body), content_type="application/json", REMOTE_ADDR=ip, **kw
    )


def login(client: Client, username: str, password: str, ip: str = "198.51.100.7") -> Any:
    return post(client, "/login", {"username": username, "password": password}, ip)


@pytest.fixture
def minute_start(clock: Clock) -> Clock:
    clock.current = clock.current.replace(minute=0, second=0, microsecond=0)
    return clock


def test_failed_logins_per_username_get_429_with_retry_after(
    client: Client, customer: User, minute_start: Clock
) -> None:
    for attempt in range(5):
        response = login(client, "John", "wrong password", ip=f"198.51.100.{attempt}")
        assert (response.status_code, response.json()) == (400, {"error": LOGIN_FAILED})
    minute_start.advance(15)
    response = login(client, "john", PASSWORD, ip="198.51.100.99")  # right, but too late
    assert response.status_code == 429
    assert response.json() == {"error": "Too many requests. Try again in 45 seconds."}
    assert response["Retry-After"] == "45"
    assert response["Content-Type"].startswith("application/json")


def test_the_window_resets(client: Client, customer: User, minute_start: Clock) -> None:
    for _ in range(5):
        login(client, "John", "wrong password")
    assert login(client, "John", PASSWORD).status_code == 429
    minute_start.advance(60)
    response = login(client, "John", PASSWORD)
    assert response.status_code == 200
    assert "access_token" in response.json()


def test_failed_logins_per_address(client: Client, customer: User, minute_start: Clock) -> None:
    for n in range(10):
        assert login(client, f"nobody{n}", "wrong password").status_code == 400
    response = login(client, "John", PASSWORD)
    assert response.status_code == 429
    assert TOO_MANY.match(response.json()["error"])
    assert login(client, "John", PASSWORD, ip="198.51.100.200").status_code == 200


def test_successful_logins_do_not_count(client: Client, customer: User) -> None:
    for _ in range(12):
        assert login(client, "John", PASSWORD).status_code == 200


def test_registrations_per_address(client: Client, db: None, minute_start: Clock) -> None:
    def register(n: int, ip: str = "198.51.100.7") -> Any:
        body = {"username": f"User{n}", "email": f"u{n}@example.com", "password": PASSWORD}
        return post(client, "/register", body, ip)

    bad = {"username": "Bad name!", "email": "x@example.com", "password": PASSWORD}
    assert post(client, "/register", bad).status_code == 400  # refused by a rule: not counted
    for n in range(5):
        assert register(n).status_code == 200
    response = register(5)
    assert response.status_code == 429
    assert response.json() == {"error": "Too many requests. Try again in 3600 seconds."}
    assert response["Retry-After"] == "3600"
    assert not User.objects.filter(username="User5").exists()
    assert register(6, ip="198.51.100.8").status_code == 200


def test_opening_tickets_per_customer(
    client: Client, settings: Settings, customer: User, agent: User
) -> None:
    settings.FRONTDESK_MAX_OPEN_TICKETS = 0
    auth = {"HTTP_AUTHORIZATION": bearer(token_for(customer))}
    body = {"ticket_title": "Printer is broken", "message": "It does not print."}
    for _ in range(20):
        assert post(client, "/ticket/new", body, **auth).status_code == 200
    response = post(client, "/ticket/new", body, **auth)
    assert response.status_code == 429
    assert TOO_MANY.match(response.json()["error"])
    assert int(response["Retry-After"]) >= 1


def test_the_open_ticket_cap(client: Client, settings: Settings, customer: User) -> None:
    settings.FRONTDESK_MAX_OPEN_TICKETS = 3
    auth = {"HTTP_AUTHORIZATION": bearer(token_for(customer))}
    body = {"ticket_title": "Printer is broken", "message": "It does not print."}
    ids = [post(client, "/ticket/new", body, **auth).json()["ticket_id"] for _ in range(3)]
    response = post(client, "/ticket/new", body, **auth)
    assert (response.status_code, response.json()) == (
        400,
        {
            "error": "You already have 3 open tickets. "
            "Please wait for one to be closed before opening another."
        },
    )
    # A closed ticket frees a place.
    assert post(client, f"/ticket/{ids[0]}", {"message": "!close"}, **auth).status_code == 200
    assert post(client, "/ticket/new", body, **auth).status_code == 200


def test_the_default_cap_is_ten(client: Client, customer: User) -> None:
    auth = {"HTTP_AUTHORIZATION": bearer(token_for(customer))}
    body = {"ticket_title": "Printer is broken", "message": "It does not print."}
    for _ in range(10):
        assert post(client, "/ticket/new", body, **auth).status_code == 200
    assert post(client, "/ticket/new", body, **auth).status_code == 400
