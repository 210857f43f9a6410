"""Limits on guessing passwords: the profile's current-password check shares the sign-in
limits and is audited; a name and an address of one account are one bucket; behind proxies
the client address is the one the trusted proxy saw; rates of 0 in any unit are off."""

from __future__ import annotations

import json
import os
import re
from typing import Any

import pytest
from django.contrib.auth.hashers import get_hasher
from django.test import Client, RequestFactory
from pytest_django.fixtures import Settings

from frontdesk.accounts import services as accounts
from frontdesk.accounts import sessions
from frontdesk.accounts.models import SessionEvent, SessionEventKind, User
from frontdesk.accounts.tokens import access_token_issue
from frontdesk.core import ratelimit
from frontdesk.core.env import ConfigError, env_rate
from frontdesk.core.errors import RateLimited
from tests.conftest import PASSWORD, Clock

pytestmark = pytest.mark.limits
TOO_MANY = re.compile(r"\AToo many requests\. Try again in (\d+) seconds?\.\Z")
IP = "198.51.100.7"


@pytest.fixture
def minute_start(clock: Clock) -> Clock:
    clock.current = clock.current.replace(minute=0, second=0, microsecond=0)
    return clock


def browser(user: User) -> tuple[Client, str]:
    """A signed-in browser that checks CSRF, and the token its profile page gave it."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    page = client.get("/profile").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    return client, token.group(1)


def profile_post(client: Client, token: str, old_password: str, ip: str = IP) -> Any:
    return client.post(
        "/profile",
        {"csrfmiddlewaretoken": token, "profile_icon": "blue", "old_password": old_password},
        REMOTE_ADDR=ip,
    )


def supportme_profile(user: User, old_password: str, ip: str = IP) -> Any:
    body = {
        "old_password": old_password,
        "new_password": "",
        "profile_icon": "/profile-icons/blue.png",
    }
    return Client(enforce_csrf_checks=True).post(
        "/profile",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {access_token_issue(user)}",
        REMOTE_ADDR=ip,
    )


# --- the current password on the profile ------------------------------------------------


def test_profile_page_guesses_hit_the_sign_in_limit(customer: User, minute_start: Clock) -> None:
    client, token = browser(customer)
    for attempt in range(5):  # FRONTDESK_RATE_SIGN_IN_USERNAME: 5/minute per account
        response = profile_post(client, token, f"guess-{attempt}", ip=f"203.0.113.{attempt}")
        assert response.status_code == 400
    minute_start.advance(10)
    response = profile_post(client, token, PASSWORD, ip="203.0.113.99")  # right, but too late
    assert response.status_code == 429
    assert response["Retry-After"] == "50"
    assert "Too many requests. Try again in 50 seconds." in response.content.decode()
    customer.refresh_from_db()
    assert customer.profile_icon == "red"


def test_profile_page_without_csrf_is_refused(customer: User) -> None:
    client, _ = browser(customer)
    response = client.post("/profile", {"profile_icon": "blue", "old_password": PASSWORD})
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.profile_icon == "red"


def test_supportme_profile_guesses_get_supportmes_429(customer: User, minute_start: Clock) -> None:
    for attempt in range(5):
        response = supportme_profile(customer, f"guess-{attempt}", ip=f"203.0.113.{attempt}")
        assert response.status_code == 403, response.content
        assert response.json() == {"error": accounts.WRONG_PASSWORD}
    response = supportme_profile(customer, PASSWORD, ip="203.0.113.99")
    assert response.status_code == 429
    assert response.json() == {"error": "Too many requests. Try again in 60 seconds."}
    assert response["Retry-After"] == "60"
    assert response["Content-Type"].startswith("application/json")


def test_profile_guesses_and_sign_ins_share_the_address_limit(
    customer: User, other_customer: User
) -> None:
    for attempt in range(5):
        supportme_profile(customer, f"guess-{attempt}")
    for attempt in range(5):
        response = Client().post(
            "/login",
            json.dumps({"username": "Jane", "password": f"guess-{attempt}"}),
            content_type="application/json",
            REMOTE_ADDR=IP,
        )
        assert response.status_code == 400
    response = supportme_profile(other_customer, PASSWORD)  # 11th failure-or-try from IP
    assert response.status_code == 429


def test_a_limited_guess_is_refused_before_any_hashing(
    customer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    for attempt in range(5):
        supportme_profile(customer, f"guess-{attempt}", ip=f"203.0.113.{attempt}")
    hasher = get_hasher()
    calls: list[str] = []
    real_verify = type(hasher).verify

    def counting(self: Any, password: str, encoded: str) -> bool:
        calls.append(password)
        return bool(real_verify(self, password, encoded))

    monkeypatch.setattr(type(hasher), "verify", counting)
    with pytest.raises(RateLimited):
        accounts.user_update_profile(
            user=customer, old_password="x" * 20, new_password="", profile_icon="blue"
        )
    assert calls == []


def test_a_right_password_gives_its_reservation_back(customer: User) -> None:
    for _ in range(8):
        assert supportme_profile(customer, PASSWORD).status_code == 200


def test_wrong_current_passwords_are_audited(customer: User) -> None:
    supportme_profile(customer, "not-my-password", ip="203.0.113.5")
    client, token = browser(customer)
    profile_post(client, token, "also-not-it", ip="203.0.113.6")
    events = SessionEvent.objects.filter(kind=SessionEventKind.PASSWORD_CHECK_FAILED)
    assert sorted((event.user_id, event.ip) for event in events) == [
        (customer.pk, "203.0.113.5"),
        (customer.pk, "203.0.113.6"),
    ]


# --- one bucket per account ---------------------------------------------------------------


def test_username_and_email_are_one_bucket(customer: User, minute_start: Clock) -> None:
    names = ["John", "john@example.com", "JOHN", "John@Example.com", " john "]
    for attempt, name in enumerate(names):
        client = sessions.ClientInfo(ip=f"203.0.113.{attempt}")
        with pytest.raises(accounts.InvalidInput):
            accounts.user_authenticate(username=name, password="wrong", client=client)
    with pytest.raises(RateLimited):
        accounts.user_authenticate(
            username="john@example.com",
            password=PASSWORD,
            client=sessions.ClientInfo(ip="203.0.113.99"),
        )


def test_names_of_no_account_are_counted_apart(db: None) -> None:
    for attempt in range(5):
        with pytest.raises(accounts.InvalidInput):
            accounts.user_authenticate(
                username="ghost", password="x", client=sessions.ClientInfo(ip=f"10.0.0.{attempt}")
            )
    with pytest.raises(accounts.InvalidInput):  # another name: its own bucket
        accounts.user_authenticate(
            username="ghost@example.com", password="x", client=sessions.ClientInfo(ip="10.0.1.1")
        )


# --- the client address behind proxies ------------------------------------------------------


def address(settings: Settings, forwarded: str, *, proxies: int = 1, peer: str = "10.0.0.2") -> Any:
    settings.FRONTDESK_BEHIND_PROXY = True
    settings.FRONTDESK_TRUSTED_PROXIES = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)
    return sessions.client_ip(request)


def test_a_forged_leftmost_entry_is_ignored(settings: Settings) -> None:
    # The client sent "X-Forwarded-For: 192.0.2.1"; the proxy appended what it saw.
    assert address(settings, "192.0.2.1, 203.0.113.9") == "203.0.113.9"


def test_two_trusted_proxies_count_two_from_the_right(settings: Settings) -> None:
    forwarded = "192.0.2.1, 203.0.113.9, 10.0.0.1"
    assert address(settings, forwarded, proxies=2) == "203.0.113.9"
    assert address(settings, forwarded, proxies=1) == "10.0.0.1"


def test_fewer_entries_than_proxies_give_the_leftmost(settings: Settings) -> None:
    assert address(settings, "203.0.113.9", proxies=3) == "203.0.113.9"


def test_a_garbage_entry_gives_the_peer(settings: Settings) -> None:
    assert address(settings, "203.0.113.9, not-an-address") == "10.0.0.2"
    assert address(settings, "") == "10.0.0.2"


def test_forging_addresses_does_not_escape_the_sign_in_limit(
    customer: User, settings: Settings
) -> None:
    settings.FRONTDESK_BEHIND_PROXY = True
    client = Client()
    for attempt in range(10):
        response = client.post(
            "/login",
            json.dumps({"username": f"nobody{attempt}", "password": "x"}),
            content_type="application/json",
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}, 203.0.113.9",
        )
        assert response.status_code == 400
    response = client.post(
        "/login",
        json.dumps({"username": "nobody-else", "password": "x"}),
        content_type="application/json",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="192.0.2.200, 203.0.113.9",
    )
    assert response.status_code == 429
    assert TOO_MANY.match(response.json()["error"])


# --- 0 is off -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "0/second", "0/minute", "0/hours", "0/day", " 0 / minute "])
def test_zero_in_any_unit_is_off(
    value: str, monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    monkeypatch.setitem(os.environ, "FRONTDESK_RATE_TEST", value)
    rate = env_rate("FRONTDESK_RATE_TEST", "10/minute")
    assert ratelimit.Rate.parse(rate).count == 0
    settings.FRONTDESK_RATE_LIMITS = {**settings.FRONTDESK_RATE_LIMITS, ratelimit.SIGN_IN_IP: rate}
    for _ in range(50):
        assert ratelimit.limits_hit((ratelimit.SIGN_IN_IP, IP)) == []


def test_zero_alone_is_off_when_set_directly(settings: Settings) -> None:
    settings.FRONTDESK_RATE_LIMITS = {**settings.FRONTDESK_RATE_LIMITS, ratelimit.SIGN_IN_IP: "0"}
    for _ in range(20):
        ratelimit.limits_hit((ratelimit.SIGN_IN_IP, IP))


@pytest.mark.parametrize("value", ["10", "0/fortnight", "ten/minute", "-1/minute", "0/"])
def test_other_rates_still_stop_the_start_up(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(os.environ, "FRONTDESK_RATE_TEST", value)
    with pytest.raises(ConfigError):
        env_rate("FRONTDESK_RATE_TEST", "10/minute")
