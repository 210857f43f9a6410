"""Sign-out and expiry reach the audit trail on a real server (issue 12). There the session row
lapses (SESSION_COOKIE_AGE) at the same moment as the inactivity deadline, so Django loads the
session as empty and no request ever ends it: the clean-up job records ``expired``, once."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session

from frontdesk.accounts import tasks
from frontdesk.accounts.models import SessionEvent, SessionEventKind, User, UserSession
from frontdesk.accounts.sessions import key_hash
from tests.conftest import Clock
from tests.web.test_session_pages import browser_sign_in, csrf_client


@pytest.fixture
def server_clock(clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Clock:
    """One time for Frontdesk and for Django's session expiry, as on a real server."""
    monkeypatch.setattr("django.utils.timezone.now", clock)
    return clock


def expired_events() -> list[SessionEvent]:
    return list(SessionEvent.objects.filter(kind=SessionEventKind.EXPIRED))


def test_a_lapsed_session_is_recorded_as_expired_once(customer: User, server_clock: Clock) -> None:
    browser = browser_sign_in(customer)
    key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    server_clock.advance(settings.FRONTDESK_SESSION_TIMEOUT + 1)

    # The next request finds no session at all: nothing is recorded by it.
    response = browser.get("/home")
    assert response.status_code == 302 and response["Location"].startswith("/login")
    assert expired_events() == []

    later = browser_sign_in(customer)  # a live session is not touched
    server_clock.advance(120)
    tasks.sessions_clear_expired.call_local()
    [event] = expired_events()
    assert event.user == customer and event.session_key_hash == key_hash(key)
    assert event.ip is not None
    assert not Session.objects.filter(session_key=key).exists()
    assert list(
        UserSession.objects.filter(user=customer).values_list("session_key_hash", flat=True)
    ) == [key_hash(later.cookies[settings.SESSION_COOKIE_NAME].value)]

    tasks.sessions_clear_expired.call_local()
    assert len(expired_events()) == 1


def test_a_session_signed_in_moments_ago_is_not_expired(customer: User, clock: Clock) -> None:
    browser_sign_in(customer)
    Session.objects.all().delete()  # as if the response had not saved it yet
    tasks.sessions_clear_expired.call_local()
    assert expired_events() == []


def test_sign_out_is_recorded_and_never_expires_later(customer: User, server_clock: Clock) -> None:
    browser, csrf = csrf_client(customer)
    key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    assert browser.post("/logout", {"csrfmiddlewaretoken": csrf}).status_code == 302
    [event] = SessionEvent.objects.filter(kind=SessionEventKind.SIGN_OUT)
    assert event.user == customer and event.session_key_hash == key_hash(key)
    server_clock.advance(settings.FRONTDESK_SESSION_TIMEOUT + 120)
    tasks.sessions_clear_expired.call_local()
    assert expired_events() == []


def test_sign_out_needs_the_csrf_token(customer: User) -> None:
    browser, _ = csrf_client(customer)
    assert browser.post("/logout", {}).status_code == 403
    assert not SessionEvent.objects.filter(kind=SessionEventKind.SIGN_OUT).exists()
