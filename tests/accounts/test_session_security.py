"""Session security (issue 4): the inactivity deadline, the audit trail, the device list and
its revoke services, the new-location notice and the admin's read-only views."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory
from pytest_django.fixtures import Settings

from frontdesk.accounts import sessions
from frontdesk.accounts.models import SessionEvent, SessionEventKind, User, UserSession
from frontdesk.core.errors import InvalidInput, NotFound
from tests.conftest import PASSWORD, Clock

FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME_LINUX = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
HOME_IP = "198.51.100.7"
OTHER_IP = "203.0.113.9"


def sign_in(
    user: User, *, ip: str = HOME_IP, agent: str = CHROME_LINUX, client: Client | None = None
) -> Client:
    """Sign in through the login page, as a browser at ``ip`` does."""
    client = client or Client()
    response = client.post(
        "/login",
        {"csrfmiddlewaretoken": "x" * 64, "username": user.username, "password": PASSWORD},
        REMOTE_ADDR=ip,
        HTTP_USER_AGENT=agent,
    )
    assert response.status_code == 302, response.content
    return client


def session_key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def events(kind: str) -> list[SessionEvent]:
    return list(SessionEvent.objects.filter(kind=kind).order_by("id"))


def is_signed_in(client: Client) -> bool:
    status = client.get("/api/session-status/").json()
    return bool(status["authenticated"])


# --- audit trail --------------------------------------------------------------------------


def test_sign_in_is_recorded_with_address_browser_and_a_hashed_key(customer: User) -> None:
    client = sign_in(customer, agent=FIREFOX_WINDOWS)
    [event] = events(SessionEventKind.SIGN_IN)
    key = session_key(client)
    assert event.user == customer
    assert event.ip == HOME_IP
    assert event.user_agent == FIREFOX_WINDOWS
    assert event.session_key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert not event.new_location  # a first sign-in is nowhere "new"
    stored = json.dumps(
        list(SessionEvent.objects.values()) + list(UserSession.objects.values()), default=str
    )
    assert key not in stored
    [browser] = UserSession.objects.all()
    assert (browser.user, browser.device, browser.ip) == (customer, "Firefox on Windows", HOME_IP)


def test_sign_out_is_recorded_and_drops_the_device(customer: User) -> None:
    client = sign_in(customer)
    client.post("/logout", {"csrfmiddlewaretoken": "x" * 64}, REMOTE_ADDR=HOME_IP)
    [event] = events(SessionEventKind.SIGN_OUT)
    assert (event.user, event.ip) == (customer, HOME_IP)
    assert not UserSession.objects.exists()


def test_failed_page_sign_in_is_recorded_for_a_known_user(customer: User) -> None:
    response = Client().post(
        "/login",
        {"csrfmiddlewaretoken": "x" * 64, "username": "john", "password": "wrong"},
        REMOTE_ADDR=OTHER_IP,
        HTTP_USER_AGENT=FIREFOX_WINDOWS,
    )
    assert response.status_code == 400
    [event] = events(SessionEventKind.FAILED_SIGN_IN)
    assert (event.user, event.username_tried, event.ip) == (customer, "john", OTHER_IP)
    assert event.user_agent == FIREFOX_WINDOWS


def test_failed_sign_in_of_an_unknown_user_keeps_the_name_tried(db: None) -> None:
    Client().post(
        "/login", {"csrfmiddlewaretoken": "x" * 64, "username": "nobody", "password": "x" * 12}
    )
    [event] = events(SessionEventKind.FAILED_SIGN_IN)
    assert event.user is None
    assert event.username_tried == "nobody"


def test_failed_json_sign_in_is_recorded(customer: User) -> None:
    response = Client().post(
        "/login",
        {"username": "John", "password": "wrong"},
        content_type="application/json",
        REMOTE_ADDR=OTHER_IP,
    )
    assert response.status_code == 400
    [event] = events(SessionEventKind.FAILED_SIGN_IN)
    assert (event.user, event.ip) == (customer, OTHER_IP)


def test_failed_admin_sign_in_is_recorded(admin: User) -> None:
    Client().post("/admin/login/", {"username": "Ada", "password": "wrong"}, REMOTE_ADDR=OTHER_IP)
    [event] = events(SessionEventKind.FAILED_SIGN_IN)
    assert (event.user, event.username_tried, event.ip) == (admin, "Ada", OTHER_IP)


def test_user_agent_is_cut_at_300_characters(customer: User) -> None:
    sign_in(customer, agent="A" * 1000)
    [event] = events(SessionEventKind.SIGN_IN)
    assert event.user_agent == "A" * 300


@pytest.mark.parametrize(("behind_proxy", "expected"), [(False, "10.0.0.2"), (True, "203.0.113.9")])
def test_forwarded_for_is_trusted_only_behind_a_proxy(
    settings: Settings, behind_proxy: bool, expected: str
) -> None:
    settings.FRONTDESK_BEHIND_PROXY = behind_proxy
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.9"
    )
    assert sessions.client_ip(request) == expected


def test_a_forged_forwarded_for_falls_back_to_the_peer(settings: Settings) -> None:
    settings.FRONTDESK_BEHIND_PROXY = True
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="evil")
    assert sessions.client_ip(request) == "10.0.0.2"


@pytest.mark.parametrize(
    ("agent", "label"),
    [
        (FIREFOX_WINDOWS, "Firefox on Windows"),
        (CHROME_LINUX, "Chrome on Linux"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Safari/605.1.15",
            "Safari on macOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        (CHROME_LINUX + " Edg/126.0", "Edge on Linux"),
        ("curl/8.5.0", "Unknown device"),
    ],
)
def test_device_labels(agent: str, label: str) -> None:
    assert sessions.device_label(agent) == label


# --- the inactivity deadline ----------------------------------------------------------------


def test_activity_moves_the_deadline(customer: User, clock: Clock) -> None:
    client = sign_in(customer)
    for _ in range(3):
        clock.advance(20 * 60)
        assert client.get("/home").status_code == 200  # 60 minutes in all, never 30 idle
    assert client.get("/api/session-status/").json()["seconds_left"] == 1800


def test_passive_requests_do_not_move_it(customer: User, clock: Clock, settings: Settings) -> None:
    settings.FRONTDESK_LIVE_STREAM_SECONDS = 0.1
    settings.FRONTDESK_LIVE_HEARTBEAT_SECONDS = 0.05
    client = sign_in(customer)
    clock.advance(20 * 60)
    assert client.get("/api/session-status/").json()["seconds_left"] == 600
    stream = client.get("/live/events")
    assert stream.status_code == 200
    b"".join(stream.streaming_content)  # type: ignore[attr-defined]
    assert client.get("/home", headers={"X-Frontdesk-Passive": "1"}).status_code == 200
    assert client.get("/api/session-status/").json()["seconds_left"] == 600
    clock.advance(10 * 60)
    assert not is_signed_in(client)
    assert len(events(SessionEventKind.EXPIRED)) == 1


def test_an_idle_session_ends_even_if_the_browser_kept_the_cookie(
    customer: User, clock: Clock
) -> None:
    client = sign_in(customer, agent=FIREFOX_WINDOWS)
    key = session_key(client)
    clock.advance(30 * 60)
    response = client.get("/home", REMOTE_ADDR=HOME_IP, HTTP_USER_AGENT=FIREFOX_WINDOWS)
    assert response.status_code == 302
    assert response["Location"].startswith("/login")
    assert not Session.objects.filter(session_key=key).exists()
    assert not UserSession.objects.exists()
    [event] = events(SessionEventKind.EXPIRED)
    assert (event.user, event.ip, event.user_agent) == (customer, HOME_IP, FIREFOX_WINDOWS)
    assert not events(SessionEventKind.SIGN_OUT)
    page = client.get(response["Location"])
    assert "You were signed out after 30 minutes without activity." in page.content.decode()


def test_just_before_the_deadline_the_session_lives(customer: User, clock: Clock) -> None:
    client = sign_in(customer)
    clock.advance(30 * 60 - 1)
    assert client.get("/api/session-status/").json()["seconds_left"] == 1
    assert client.get("/home").status_code == 200


def test_the_timeout_follows_the_setting(customer: User, clock: Clock, settings: Settings) -> None:
    settings.FRONTDESK_SESSION_TIMEOUT = 600
    client = sign_in(customer)
    clock.advance(600)
    assert client.get("/home").status_code == 302
    page = client.get("/login")
    assert "signed out after 10 minutes without activity" in page.content.decode()


# --- new-location notice ----------------------------------------------------------------------


def test_a_sign_in_from_a_new_address_is_flagged_and_shown_elsewhere(
    customer: User, clock: Clock
) -> None:
    laptop = sign_in(customer, ip=HOME_IP)
    clock.advance(120)
    phone = sign_in(customer, ip=OTHER_IP, agent=FIREFOX_WINDOWS)
    flagged = SessionEvent.objects.get(kind=SessionEventKind.SIGN_IN, ip=OTHER_IP)
    assert flagged.new_location
    clock.advance(61)
    laptop.get("/home", REMOTE_ADDR=HOME_IP)  # notices the sign-in...
    page = laptop.get("/home", REMOTE_ADDR=HOME_IP).content.decode()  # ...and shows it
    assert "New sign-in from 203.0.113.9 (Firefox on Windows)." in page
    assert "End that session on your profile." in page
    assert "New sign-in" not in laptop.get("/home").content.decode()  # once only
    phone.get("/home")
    assert "New sign-in" not in phone.get("/home").content.decode()


def test_a_known_address_is_not_flagged(customer: User) -> None:
    sign_in(customer, ip=HOME_IP)
    sign_in(customer, ip=HOME_IP)
    assert not SessionEvent.objects.filter(new_location=True).exists()


# --- the device list and revoking -------------------------------------------------------------


def test_active_sessions_are_the_users_own_and_recent(
    customer: User, other_customer: User, clock: Clock
) -> None:
    sign_in(customer, ip=HOME_IP)
    sign_in(customer, ip=OTHER_IP)
    sign_in(other_customer)
    assert {row.ip for row in sessions.sessions_active_for(customer)} == {HOME_IP, OTHER_IP}
    clock.advance(31 * 60 + 60)
    assert sessions.sessions_active_for(customer) == []


def test_activity_is_written_at_most_once_a_minute(customer: User, clock: Clock) -> None:
    client = sign_in(customer)
    first = UserSession.objects.get().last_seen_at
    clock.advance(30)
    client.get("/home")
    assert UserSession.objects.get().last_seen_at == first
    clock.advance(31)
    client.get("/home")
    assert UserSession.objects.get().last_seen_at == clock.current


def test_revoking_a_session_signs_that_browser_out(customer: User) -> None:
    laptop = sign_in(customer, ip=HOME_IP)
    phone = sign_in(customer, ip=OTHER_IP)
    row = UserSession.objects.get(ip=OTHER_IP)
    sessions.session_revoke(actor=customer, user_session_id=row.pk)
    assert not is_signed_in(phone)
    assert is_signed_in(laptop)
    [event] = events(SessionEventKind.REVOKED)
    assert (event.user, event.actor, event.ip) == (customer, customer, OTHER_IP)
    assert event.session_key_hash == row.session_key_hash


def test_nobody_revokes_someone_elses_session(customer: User, other_customer: User) -> None:
    theirs = sign_in(other_customer)
    row = UserSession.objects.get(user=other_customer)
    with pytest.raises(NotFound):
        sessions.session_revoke(actor=customer, user_session_id=row.pk)
    assert is_signed_in(theirs)
    assert not events(SessionEventKind.REVOKED)


def test_an_admin_may_revoke_anyones(admin: User, customer: User) -> None:
    theirs = sign_in(customer)
    row = UserSession.objects.get(user=customer)
    sessions.session_revoke(actor=admin, user_session_id=row.pk)
    assert not is_signed_in(theirs)
    [event] = events(SessionEventKind.REVOKED)
    assert (event.user, event.actor) == (customer, admin)


def test_the_current_session_is_not_revoked_but_logged_out(customer: User) -> None:
    client = sign_in(customer)
    row = UserSession.objects.get()
    with pytest.raises(InvalidInput):
        sessions.session_revoke(
            actor=customer, user_session_id=row.pk, current_key=session_key(client)
        )


def test_revoke_others_keeps_the_current_one(customer: User, other_customer: User) -> None:
    laptop = sign_in(customer, ip=HOME_IP)
    phone = sign_in(customer, ip=OTHER_IP)
    tablet = sign_in(customer, ip="192.0.2.5")
    theirs = sign_in(other_customer)
    ended = sessions.sessions_revoke_others(actor=customer, current_key=session_key(laptop))
    assert ended == 2
    assert is_signed_in(laptop) and is_signed_in(theirs)
    assert not is_signed_in(phone) and not is_signed_in(tablet)
    assert len(events(SessionEventKind.REVOKED)) == 2


# --- admin -------------------------------------------------------------------------------------


def test_admins_read_the_audit_trail(admin: User, customer: User) -> None:
    sign_in(customer, ip=OTHER_IP)
    client = Client()
    client.force_login(admin)
    page = client.get("/admin/accounts/sessionevent/")
    assert page.status_code == 200
    assert OTHER_IP in page.content.decode()
    assert client.get("/admin/accounts/sessionevent/?kind=sign_in&q=John").status_code == 200
    event = SessionEvent.objects.filter(user=customer).first()
    assert event is not None
    assert client.get("/admin/accounts/sessionevent/add/").status_code == 403
    detail = client.get(f"/admin/accounts/sessionevent/{event.pk}/change/")
    assert detail.status_code == 200  # a read-only view
    assert client.post(f"/admin/accounts/sessionevent/{event.pk}/delete/").status_code == 403


@pytest.mark.parametrize("who", ["agent", "customer"])
def test_others_cannot_open_the_audit_trail(who: str, request: pytest.FixtureRequest) -> None:
    client = Client()
    client.force_login(request.getfixturevalue(who))
    response = client.get("/admin/accounts/sessionevent/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_admins_end_sessions_from_the_admin(admin: User, customer: User) -> None:
    theirs = sign_in(customer)
    row = UserSession.objects.get(user=customer)
    client = Client()
    client.force_login(admin)
    assert client.get("/admin/accounts/usersession/").status_code == 200
    response: Any = client.post(
        "/admin/accounts/usersession/",
        {"action": "_end_sessions", "_selected_action": [row.pk]},
    )
    assert response.status_code == 302
    assert not is_signed_in(theirs)
    [event] = events(SessionEventKind.REVOKED)
    assert event.actor == admin
