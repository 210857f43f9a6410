"""Two-factor on every way in: the sign-in page's second step, the admin, SupportMe ``POST
/login``, the set-up page, and FRONTDESK_2FA_REQUIRED_FOR. Browsers post with CSRF enforced."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from pytest_django.fixtures import Settings

from frontdesk.accounts import two_factor
from frontdesk.accounts.admin import TWO_FACTOR_SIGN_IN
from frontdesk.accounts.models import SessionEvent, SessionEventKind, User
from frontdesk.accounts.tokens import access_token_user
from tests.accounts.test_two_factor import STEP, code_now, enrol
from tests.conftest import PASSWORD, Clock


def browser(path: str = "/login") -> Client:
    client = Client(enforce_csrf_checks=True)
    client.get(path)
    return client


def post(client: Client, path: str, data: dict[str, str]) -> Any:
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    return client.post(path, {"csrfmiddlewaretoken": token, **data})


def password_step(client: Client, user: User, path: str = "/login") -> Any:
    return post(client, path, {"username": user.username, "password": PASSWORD})


def signed_in_user(client: Client) -> Any:
    return client.get("/api/session/").json().get("username")


def kinds(user: User) -> list[str]:
    return list(SessionEvent.objects.filter(user=user).values_list("kind", flat=True))


# --- the sign-in page -------------------------------------------------------------------


def test_without_two_factor_the_password_signs_in_as_before(customer: User) -> None:
    client = browser()
    response = password_step(client, customer)
    assert response.status_code == 302 and response["Location"] == "/home"
    assert signed_in_user(client) == "John"


def test_the_password_alone_does_not_sign_in(customer: User, clock: Clock) -> None:
    enrol(customer, clock)
    client = browser("/login?next=/ticket/new")
    response = password_step(client, customer, "/login?next=/ticket/new")
    assert response.status_code == 302
    assert response["Location"] == "/login/code?next=%2Fticket%2Fnew"
    assert signed_in_user(client) is None
    assert client.get("/home")["Location"].startswith("/login")
    page = client.get(response["Location"])
    assert page.status_code == 200 and "authenticator app" in page.content.decode()
    assert SessionEventKind.SIGN_IN not in kinds(customer)


def test_a_wrong_code_is_refused_and_audited(customer: User, clock: Clock) -> None:
    enrol(customer, clock)
    client = browser()
    password_step(client, customer)
    response = post(client, "/login/code", {"code": "000000"})
    assert response.status_code == 400
    assert two_factor.CODE_WRONG in response.content.decode()
    assert signed_in_user(client) is None
    assert kinds(customer).count(SessionEventKind.TWO_FACTOR_FAILED) == 1


def test_the_right_code_signs_in_and_goes_where_asked(customer: User, clock: Clock) -> None:
    secret, _ = enrol(customer, clock)
    client = browser("/login?next=/ticket/new")
    password_step(client, customer, "/login?next=/ticket/new")
    before = client.cookies[settings.SESSION_COOKIE_NAME].value
    response = post(client, "/login/code?next=/ticket/new", {"code": code_now(secret, clock)})
    assert response.status_code == 302 and response["Location"] == "/ticket/new"
    assert signed_in_user(client) == "John"
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != before  # a new session key
    assert kinds(customer)[0] == SessionEventKind.SIGN_IN


def test_the_same_code_cannot_sign_in_twice(customer: User, clock: Clock) -> None:
    secret, _ = enrol(customer, clock)
    code = code_now(secret, clock)
    first = browser()
    password_step(first, customer)
    assert post(first, "/login/code", {"code": code}).status_code == 302
    second = browser()
    password_step(second, customer)
    assert post(second, "/login/code", {"code": code}).status_code == 400
    assert signed_in_user(second) is None


def test_a_recovery_code_signs_in_once(customer: User, clock: Clock) -> None:
    _, codes = enrol(customer, clock)
    client = browser()
    password_step(client, customer)
    assert post(client, "/login/code", {"code": codes[3]}).status_code == 302
    assert signed_in_user(client) == "John"
    assert SessionEventKind.RECOVERY_CODE_USED in kinds(customer)
    again = browser()
    password_step(again, customer)
    assert post(again, "/login/code", {"code": codes[3]}).status_code == 400
    assert signed_in_user(again) is None


def test_the_code_step_expires(customer: User, clock: Clock) -> None:
    secret, _ = enrol(customer, clock)
    client = browser()
    password_step(client, customer)
    clock.advance(two_factor.PENDING_SECONDS + 1)
    response = post(client, "/login/code", {"code": code_now(secret, clock)})
    assert response.status_code == 302 and response["Location"] == "/login"
    assert signed_in_user(client) is None


def test_the_code_step_needs_the_password_step_first(customer: User, clock: Clock) -> None:
    secret, _ = enrol(customer, clock)
    client = browser()
    assert client.get("/login/code")["Location"] == "/login"
    response = post(client, "/login/code", {"code": code_now(secret, clock)})
    assert response.status_code == 302 and signed_in_user(client) is None


def test_the_code_step_checks_csrf(customer: User, clock: Clock) -> None:
    secret, _ = enrol(customer, clock)
    client = browser()
    password_step(client, customer)
    response = client.post("/login/code", {"code": code_now(secret, clock)})
    assert response.status_code == 403
    assert signed_in_user(client) is None


@pytest.mark.limits
def test_wrong_codes_on_the_page_end_in_a_429(customer: User, clock: Clock) -> None:
    secret, _ = enrol(customer, clock)
    client = browser()
    password_step(client, customer)
    for _ in range(10):
        assert post(client, "/login/code", {"code": "000000"}).status_code == 400
    response = post(client, "/login/code", {"code": code_now(secret, clock)})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many wrong codes" in response.content.decode()
    assert signed_in_user(client) is None


# --- the admin ----------------------------------------------------------------------------


def test_the_admin_login_goes_through_the_two_steps(admin: User, clock: Clock) -> None:
    secret, _ = enrol(admin, clock)
    client = browser()
    response = client.get("/admin/")
    assert response["Location"].startswith("/admin/login/")
    response = client.get(response["Location"])
    assert response["Location"] == "/login?next=%2Fadmin%2F"
    # The admin's own form, posted to directly, does not take a password alone.
    posted = post(client, "/admin/login/", {"username": admin.username, "password": PASSWORD})
    assert posted.status_code == 200 and TWO_FACTOR_SIGN_IN in posted.content.decode()
    assert client.get("/admin/").status_code == 302
    password_step(client, admin, "/login?next=/admin/")
    assert client.get("/admin/").status_code == 302  # password alone: still out
    response = post(client, "/login/code?next=/admin/", {"code": code_now(secret, clock)})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_admin_form_still_signs_in_an_admin_without_two_factor(admin: User) -> None:
    client = browser("/login")
    response = post(client, "/admin/login/", {"username": admin.username, "password": PASSWORD})
    assert response.status_code == 302 and client.get("/admin/").status_code == 200


def test_the_admin_login_refuses_a_signed_in_non_admin(agent: User) -> None:
    client = Client()
    client.force_login(agent)
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 403


# --- SupportMe POST /login ----------------------------------------------------------------


def api_login(body: dict[str, str]) -> Any:
    return Client().post("/login", json.dumps(body), content_type="application/json")


def test_supportme_login_without_two_factor_is_unchanged(customer: User) -> None:
    response = api_login({"username": "John", "password": PASSWORD})
    assert response.status_code == 200 and set(response.json()) == {"access_token"}


def test_supportme_login_asks_for_the_code(customer: User, clock: Clock) -> None:
    enrol(customer, clock)
    response = api_login({"username": "John", "password": PASSWORD})
    assert response.status_code == 401
    assert response.json() == {"error": two_factor.CODE_NEEDED, "two_factor_required": True}
    # A wrong password still gets the seed's answer: nothing is said about two-factor.
    wrong = api_login({"username": "John", "password": "not the password"})
    assert wrong.status_code == 400 and "two_factor_required" not in wrong.json()


def test_supportme_login_with_the_code_gives_a_token(customer: User, clock: Clock) -> None:
    secret, _ = enrol(customer, clock)
    wrong = api_login({"username": "John", "password": PASSWORD, "otp": "000000"})
    assert wrong.status_code == 401 and wrong.json()["two_factor_required"] is True
    assert SessionEventKind.TWO_FACTOR_FAILED in kinds(customer)
    code = code_now(secret, clock)
    response = api_login({"username": "John", "password": PASSWORD, "otp": code})
    assert response.status_code == 200
    assert access_token_user(f"Bearer {response.json()['access_token']}") == customer
    replayed = api_login({"username": "John", "password": PASSWORD, "otp": code})
    assert replayed.status_code == 401


def test_supportme_login_takes_a_recovery_code(customer: User, clock: Clock) -> None:
    _, codes = enrol(customer, clock)
    response = api_login({"username": "John", "password": PASSWORD, "otp": codes[0]})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"username": "John", "password": PASSWORD, "otp": ""}, 400),
        ({"username": "John", "password": PASSWORD, "code": "123456"}, 400),
        ({"username": "John", "password": PASSWORD, "otp": 123456}, 400),
        ({"username": "John", "otp": "123456"}, 400),
    ],
)
def test_supportme_login_refuses_a_malformed_otp(
    customer: User, body: dict[str, Any], status: int
) -> None:
    assert api_login(body).status_code == status


@pytest.mark.limits
def test_supportme_wrong_codes_end_in_a_429(customer: User, clock: Clock) -> None:
    secret, _ = enrol(customer, clock)
    for _ in range(10):
        api_login({"username": "John", "password": PASSWORD, "otp": "000000"})
    response = api_login({"username": "John", "password": PASSWORD, "otp": code_now(secret, clock)})
    assert response.status_code == 429 and "Too many wrong codes" in response.json()["error"]


def test_personal_api_tokens_need_no_code(agent: User, clock: Clock) -> None:
    from frontdesk.accounts.api_tokens import api_token_create

    enrol(agent, clock)
    _, token = api_token_create(
        user=agent, name="script", scope="read", expires_at=None, password=PASSWORD
    )
    response = Client().get("/api/ticketing/tickets/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200


# --- the set-up page ----------------------------------------------------------------------


def test_setting_up_on_the_page(customer: User, clock: Clock) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    page = client.get("/profile/two-factor")
    content = page.content.decode()
    assert page.status_code == 200 and "<svg" in content
    secret = two_factor.two_factor_enrol_start(user=customer).secret
    assert two_factor.Enrolment(secret=secret, uri="").secret_grouped in content
    wrong = post(client, "/profile/two-factor", {"code": "000000"})
    assert wrong.status_code == 400 and not two_factor.two_factor_is_on(customer)
    assert client.post("/profile/two-factor", {"code": code_now(secret, clock)}).status_code == 403
    right = post(client, "/profile/two-factor", {"code": code_now(secret, clock)})
    assert right.status_code == 200 and two_factor.two_factor_is_on(customer)
    shown = right.content.decode()
    assert shown.count("<li><code>") == 10 and "won't see them again" in shown
    # Shown once: the page afterwards shows the state, not the codes.
    after = client.get("/profile/two-factor").content.decode()
    assert "<li><code>" not in after and "10 unused recovery codes left" in after
    assert "Manage two-factor" in client.get("/profile").content.decode()


def test_turning_off_and_new_codes_on_the_page(customer: User, clock: Clock) -> None:
    enrol(customer, clock)
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    client.get("/profile/two-factor")
    refused = post(client, "/profile/two-factor/disable", {"off-password": "wrong one"})
    assert refused.status_code == 403 and two_factor.two_factor_is_on(customer)
    codes = post(client, "/profile/two-factor/recovery-codes", {"codes-password": PASSWORD})
    assert codes.status_code == 200 and codes.content.decode().count("<li><code>") == 10
    off = post(client, "/profile/two-factor/disable", {"off-password": PASSWORD})
    assert off.status_code == 302 and not two_factor.two_factor_is_on(customer)


# --- FRONTDESK_2FA_REQUIRED_FOR -----------------------------------------------------------


def test_required_for_agents_sends_them_to_set_up(
    agent: User, customer: User, clock: Clock, settings: Settings
) -> None:
    settings.FRONTDESK_2FA_REQUIRED_FOR = ["agent"]
    client = browser()
    assert password_step(client, agent).status_code == 302
    for path in ("/home", "/profile", "/ticket/new", "/admin/"):
        assert client.get(path)["Location"] == "/profile/two-factor", path
    refused = client.get("/api/ticketing/tickets/")
    assert refused.status_code == 403 and refused.json()["two_factor_setup_required"] is True
    assert post(client, "/profile/after-send", {"after_send": "stay"}).status_code == 403
    page = client.get("/profile/two-factor")
    assert page.status_code == 200 and "must use two-factor" in page.content.decode()
    secret = two_factor.two_factor_enrol_start(user=agent).secret
    assert post(client, "/profile/two-factor", {"code": code_now(secret, clock)}).status_code == 200
    assert client.get("/home").status_code == 200
    # Customers are not concerned.
    other = browser()
    password_step(other, customer)
    assert other.get("/home").status_code == 200


def test_required_for_agents_gives_no_supportme_token_without_it(
    agent: User, settings: Settings
) -> None:
    settings.FRONTDESK_2FA_REQUIRED_FOR = ["agent", "admin"]
    response = api_login({"username": agent.username, "password": PASSWORD})
    assert response.status_code == 403
    assert response.json()["two_factor_setup_required"] is True


def test_required_roles_turning_it_off_go_straight_back_to_set_up(
    agent: User, clock: Clock, settings: Settings
) -> None:
    settings.FRONTDESK_2FA_REQUIRED_FOR = ["agent"]
    secret, _ = enrol(agent, clock)
    client = browser()
    password_step(client, agent)
    post(client, "/login/code", {"code": code_now(secret, clock)})
    assert client.get("/home").status_code == 200
    clock.advance(STEP)
    post(client, "/profile/two-factor/disable", {"off-code": code_now(secret, clock)})
    assert client.get("/home")["Location"] == "/profile/two-factor"
