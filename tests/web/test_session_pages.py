"""The session endpoints, the cookies' flags, the warning script and the profile's device list."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client
from pytest_django.fixtures import Settings

from frontdesk.accounts.models import SessionEvent, SessionEventKind, User, UserSession
from frontdesk.accounts.sessions import ACTIVITY_RESOLUTION
from tests.conftest import PASSWORD, Clock
from tests.web.conftest import html, signed_in, submit

ADDRESS = "198.51.100.7"


def csrf_client(user: User | None = None) -> tuple[Client, str]:
    """A client that enforces CSRF, with the token a page gave it (what session.js sends)."""
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    client.get("/login" if user is None else "/profile")
    return client, client.cookies[settings.CSRF_COOKIE_NAME].value


def browser_sign_in(user: User, *, ip: str = ADDRESS) -> Client:
    """Sign in through the login form from ``ip``."""
    client = Client()
    response = client.post(
        "/login",
        {"csrfmiddlewaretoken": "x" * 64, "username": user.username, "password": PASSWORD},
        REMOTE_ADDR=ip,
    )
    assert response.status_code == 302
    return client


# --- GET /api/session-status/ -------------------------------------------------------------


def test_status_for_anonymous(client: Client) -> None:
    response = client.get("/api/session-status/")
    assert response.status_code == 200
    assert response.json() == {
        "authenticated": False,
        "seconds_left": 0,
        "warning_threshold": 300,
        "timeout": 1800,
    }


def test_status_when_signed_in(customer: User, clock: Clock) -> None:
    client = signed_in(customer)
    client.get("/home")
    clock.advance(100)
    response = client.get("/api/session-status/")
    assert response.json() == {
        "authenticated": True,
        "seconds_left": 1700,
        "warning_threshold": 300,
        "timeout": 1800,
    }
    assert response["Cache-Control"].startswith("max-age=0")


def test_status_is_passive(customer: User) -> None:
    client = signed_in(customer)
    response = client.get("/api/session-status/")
    assert settings.SESSION_COOKIE_NAME not in response.cookies  # not renewed


def test_status_follows_the_settings(customer: User, settings: Settings) -> None:
    settings.FRONTDESK_SESSION_TIMEOUT = 900
    settings.FRONTDESK_SESSION_WARNING = 120
    client = signed_in(customer)
    client.get("/home")
    status = client.get("/api/session-status/").json()
    assert (status["timeout"], status["warning_threshold"]) == (900, 120)


def test_status_only_answers_get(client: Client) -> None:
    response = client.post("/api/session-status/")
    assert response.status_code == 405
    assert response.json() == {"error": "Method not allowed."}


# --- GET and DELETE /api/session/ -----------------------------------------------------------


def test_details_need_a_session(client: Client) -> None:
    response = client.get("/api/session/")
    assert response.status_code == 401
    assert response.json() == {"error": "You are not signed in."}


def test_details_when_signed_in(agent: User, clock: Clock) -> None:
    client = Client()
    client.post(
        "/login",
        {"csrfmiddlewaretoken": "x" * 64, "username": "Alice", "password": PASSWORD},
        REMOTE_ADDR=ADDRESS,
    )
    clock.advance(60)
    details = client.get("/api/session/", REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT="Probe/1").json()
    signed_in_at = clock.current.timestamp() - 60
    assert details["user_id"] == agent.pk
    assert details["username"] == "Alice"
    assert details["role"] == "agent"
    assert details["ip"] == ADDRESS
    assert details["user_agent"] == "Probe/1"
    assert details["seconds_left"] == 1740
    from datetime import datetime

    assert datetime.fromisoformat(details["created_at"]).timestamp() == pytest.approx(signed_in_at)
    assert datetime.fromisoformat(details["expires_at"]).timestamp() == pytest.approx(
        signed_in_at + 1800
    )
    assert "last_activity" in details


def test_delete_logs_out_and_is_recorded(customer: User) -> None:
    client, token = csrf_client(customer)
    response = client.delete("/api/session/", headers={"X-CSRFToken": token})
    assert response.status_code == 204
    assert client.get("/api/session-status/").json()["authenticated"] is False
    assert SessionEvent.objects.filter(kind=SessionEventKind.SIGN_OUT, user=customer).exists()


def test_delete_without_the_csrf_token_is_refused(customer: User) -> None:
    client, _ = csrf_client(customer)
    response = client.delete("/api/session/")
    assert response.status_code == 403
    assert response.json()["error"].startswith("CSRF check failed")
    assert client.get("/api/session-status/").json()["authenticated"] is True


def test_delete_when_anonymous(db: None) -> None:
    client, token = csrf_client()
    response = client.delete("/api/session/", headers={"X-CSRFToken": token})
    assert response.status_code == 401


def test_session_only_answers_its_methods(customer: User) -> None:
    client, token = csrf_client(customer)
    response = client.put("/api/session/", headers={"X-CSRFToken": token})
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, DELETE"


# --- POST /api/session/extend/ ----------------------------------------------------------------


def test_extend_restarts_the_countdown(customer: User, clock: Clock) -> None:
    client, token = csrf_client(customer)
    clock.advance(25 * 60)
    assert client.get("/api/session-status/").json()["seconds_left"] == 300
    response = client.post("/api/session/extend/", headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert response.json() == {"seconds_left": 1800, "timeout": 1800}
    clock.advance(25 * 60)
    assert client.get("/api/session-status/").json()["seconds_left"] == 300


def test_extend_needs_the_csrf_token(customer: User, clock: Clock) -> None:
    client, _ = csrf_client(customer)
    clock.advance(25 * 60)
    response = client.post("/api/session/extend/")
    assert response.status_code == 403
    assert "error" in response.json()
    assert client.get("/api/session-status/").json()["seconds_left"] == 300


def test_extend_cannot_revive_an_expired_session(customer: User, clock: Clock) -> None:
    client, token = csrf_client(customer)
    clock.advance(30 * 60)
    response = client.post("/api/session/extend/", headers={"X-CSRFToken": token})
    assert response.status_code == 401
    assert SessionEvent.objects.filter(kind=SessionEventKind.EXPIRED).count() == 1


def test_extend_only_answers_post(customer: User) -> None:
    assert signed_in(customer).get("/api/session/extend/").status_code == 405


# --- cookies ----------------------------------------------------------------------------------


def later_page(customer: User, clock: Clock, **options: object) -> HttpResponse:
    """A page some time after signing in: one that renews the session cookie (the deadline
    moves in steps of ACTIVITY_RESOLUTION seconds)."""
    client = signed_in(customer)
    clock.advance(ACTIVITY_RESOLUTION)
    response: HttpResponse = client.get("/home", **options)  # type: ignore[arg-type]
    return response


def test_cookies_are_httponly_and_lax(customer: User, clock: Clock) -> None:
    client = Client()
    response = client.get("/login")
    csrf = response.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["httponly"] is True
    assert csrf["samesite"] == "Lax"
    page = later_page(customer, clock)
    session = page.cookies[settings.SESSION_COOKIE_NAME]
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"


def test_cookies_are_not_secure_over_http(customer: User, clock: Clock) -> None:
    assert not Client().get("/login").cookies[settings.CSRF_COOKIE_NAME]["secure"]
    assert not later_page(customer, clock).cookies[settings.SESSION_COOKIE_NAME]["secure"]


def test_cookies_are_secure_over_https(customer: User, clock: Clock) -> None:
    assert Client().get("/login", secure=True).cookies[settings.CSRF_COOKIE_NAME]["secure"]
    page = later_page(customer, clock, secure=True)
    assert page.cookies[settings.SESSION_COOKIE_NAME]["secure"] is True


def test_cookies_are_secure_behind_an_https_proxy(
    customer: User, settings: Settings, clock: Clock
) -> None:
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxied = {"X-Forwarded-Proto": "https"}
    assert Client().get("/login", headers=proxied).cookies[settings.CSRF_COOKIE_NAME]["secure"]
    page = later_page(customer, clock, headers=proxied)
    assert page.cookies[settings.SESSION_COOKIE_NAME]["secure"] is True


def test_the_proxy_header_counts_only_behind_a_proxy(customer: User, clock: Clock) -> None:
    assert settings.SECURE_PROXY_SSL_HEADER is None  # FRONTDESK_BEHIND_PROXY is off
    page = later_page(customer, clock, headers={"X-Forwarded-Proto": "https"})
    assert not page.cookies[settings.SESSION_COOKIE_NAME]["secure"]


# --- the warning script and the sign-in page ---------------------------------------------------


def test_signed_in_pages_load_the_warning_script(customer: User) -> None:
    assert "frontdesk/session.js" in html(signed_in(customer).get("/home"))
    assert "frontdesk/session.js" not in html(Client().get("/login"))


def test_the_warning_script_is_served(client: Client) -> None:
    response = client.get("/static/frontdesk/session.js")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    assert 'role", "alertdialog"' in body
    assert "/api/session/extend/" in body
    assert "X-CSRFToken" in body


def test_the_sign_in_page_explains_an_expired_session(client: Client) -> None:
    page = html(client.get("/login?expired=1&next=/home"))
    assert page.count("You were signed out after 30 minutes without activity.") == 1


def test_the_explanation_is_not_said_twice(customer: User, clock: Clock) -> None:
    client = signed_in(customer)
    client.get("/home")
    clock.advance(31 * 60)
    page = html(client.get("/login?expired=1"))  # the cookie still came: expired here
    assert page.count("You were signed out after 30 minutes without activity.") == 1


# --- the profile's device list -----------------------------------------------------------------


def test_profile_lists_the_users_sessions(customer: User, other_customer: User) -> None:
    browser_sign_in(customer, ip="203.0.113.9")
    browser_sign_in(other_customer, ip="192.0.2.99")
    client = browser_sign_in(customer)
    page = html(client.get("/profile"))
    assert "Where you're signed in" in page
    assert "203.0.113.9" in page and ADDRESS in page
    assert "192.0.2.99" not in page
    assert page.count("This device") == 1
    assert "End all other sessions" in page


def test_ending_another_session(customer: User) -> None:
    phone = browser_sign_in(customer, ip="203.0.113.9")
    client = browser_sign_in(customer)
    row = UserSession.objects.get(ip="203.0.113.9")
    response = submit(client, f"/profile/sessions/{row.pk}/end", {})
    assert response.status_code == 302
    assert response["Location"] == "/profile#sessions"
    assert phone.get("/api/session-status/").json()["authenticated"] is False
    assert "Signed out" in html(client.get("/profile"))


def test_ending_someone_elses_session_is_not_found(customer: User, other_customer: User) -> None:
    theirs = browser_sign_in(other_customer)
    row = UserSession.objects.get(user=other_customer)
    client = browser_sign_in(customer)
    assert submit(client, f"/profile/sessions/{row.pk}/end", {}).status_code == 404
    assert submit(client, "/profile/sessions/999999/end", {}).status_code == 404
    assert theirs.get("/api/session-status/").json()["authenticated"] is True


def test_ending_this_session_from_the_list_is_refused(customer: User) -> None:
    client = browser_sign_in(customer)
    row = UserSession.objects.get()
    response = submit(client, f"/profile/sessions/{row.pk}/end", {})
    assert response.status_code == 302
    assert "log out to end it" in html(client.get("/profile"))
    assert client.get("/api/session-status/").json()["authenticated"] is True


def test_ending_all_other_sessions(customer: User) -> None:
    others = [browser_sign_in(customer, ip=ip) for ip in ("203.0.113.9", "192.0.2.5")]
    client = browser_sign_in(customer)
    response = submit(client, "/profile/sessions/end-others", {})
    assert response.status_code == 302
    assert "Signed out 2 other session(s)." in html(client.get("/profile"))
    assert all(not c.get("/api/session-status/").json()["authenticated"] for c in others)
    assert client.get("/api/session-status/").json()["authenticated"] is True


def test_ending_sessions_needs_post_csrf_and_a_sign_in(customer: User) -> None:
    client = browser_sign_in(customer)
    row = UserSession.objects.get()
    assert client.get(f"/profile/sessions/{row.pk}/end").status_code == 405
    strict, _ = csrf_client(customer)
    assert strict.post("/profile/sessions/end-others").status_code == 403
    anonymous = Client().post("/profile/sessions/end-others")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/login")
