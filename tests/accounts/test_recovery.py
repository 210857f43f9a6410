"""Forgot password: the request page, the mailed link, the reset page, and claiming accounts
that have no password yet (accounts/recovery.py)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from frontdesk.accounts import recovery, services
from frontdesk.accounts.models import PasswordResetToken, SessionEvent, SessionEventKind, User
from frontdesk.notifications.models import OutboxMail
from tests.conftest import PASSWORD, Clock
from tests.mailservers import SmtpSink
from tests.web.conftest import html

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "brand-new-pass"
LINK = re.compile(r"http://testserver/password/reset/([A-Za-z0-9_-]+)")

Commits = Callable[..., AbstractContextManager[Any]]


@pytest.fixture(autouse=True)
def _site(settings: Any) -> None:
    settings.FRONTDESK_SITE_URL = "http://testserver"
    settings.FRONTDESK_SUPPORT_ADDRESSES = ["help@desk.example"]


@pytest.fixture
def commits(django_capture_on_commit_callbacks: Commits) -> Callable[[], Any]:
    """The request's transaction commits: the queued job and the mail run."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def browser() -> Client:
    return Client(enforce_csrf_checks=True)


def csrf(client: Client, path: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html(client.get(path)))
    assert found is not None
    return found.group(1)


def ask(client: Client, login: str, **extra: str) -> Any:
    token = csrf(client, "/password/forgot")
    return client.post("/password/forgot", {"csrfmiddlewaretoken": token, "login": login}, **extra)


def link_in_last_mail() -> str:
    found = LINK.search(mail.outbox[-1].body)
    assert found is not None, mail.outbox[-1].body
    return found.group(1)


def requested(customer: User, commits: Callable[[], Any], login: str = "") -> str:
    with commits():
        response = ask(browser(), login or customer.email)
    assert response.status_code == 302
    return link_in_last_mail()


def set_password(token: str, password: str = NEW_PASSWORD) -> Any:
    client = browser()
    path = f"/password/reset/{token}"
    # The token comes from another page: a link that no longer works shows no form.
    data = {"csrfmiddlewaretoken": csrf(client, "/password/forgot"), "password": password}
    return client.post(path, {**data, "password_confirm": password})


# --- the way in ---------------------------------------------------------------------------


def test_sign_in_page_links_to_forgot_password(client: Client) -> None:
    page = html(client.get("/login"))
    assert '<a href="/password/forgot">Forgot your password?</a>' in page
    assert client.get("/password/forgot").status_code == 200


# --- the same answer either way -------------------------------------------------------------


def _answer(response: Any) -> tuple[int, str, bytes]:
    return response.status_code, response.get("Location", ""), response.content


def test_same_answer_for_known_and_unknown_accounts(
    customer: User, commits: Callable[[], Any]
) -> None:
    with commits():
        known = ask(browser(), customer.email)
    with commits():
        unknown = ask(browser(), "nobody@example.com")
    with commits():
        unknown_name = ask(browser(), "Nobody")
    assert _answer(known) == _answer(unknown) == _answer(unknown_name)
    assert known.status_code == 302 and known["Location"] == "/password/forgot?sent=1"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [customer.email]
    page = html(browser().get(known["Location"]))
    assert "If an account uses that address or username, we have sent a link" in page


def test_request_does_the_same_work_either_way(
    customer: User,
    monkeypatch: pytest.MonkeyPatch,
    commits: Callable[[], Any],
) -> None:
    """The request itself (the job aside, which runs in the worker): the same queries and one
    queued job for a known and an unknown account."""
    queued: list[int] = []
    monkeypatch.setattr(recovery, "reset_mail_job", queued.append)
    counts = []
    for login in (customer.email, "nobody@example.com"):
        with commits(), CaptureQueriesContext(connection) as context:
            recovery.reset_request(login=login)
        counts.append([query["sql"].split()[0] for query in context.captured_queries])
    assert counts[0] == counts[1]
    assert counts[0].count("INSERT") == 1  # the audit row, nothing else
    assert queued == [customer.pk, 0]


def test_deactivated_and_system_accounts_get_no_mail(
    customer: User, commits: Callable[[], Any]
) -> None:
    User.objects.filter(pk=customer.pk).update(is_active=False)
    with commits():
        assert ask(browser(), customer.email).status_code == 302
    with commits():
        assert ask(browser(), "System").status_code == 302
    assert mail.outbox == []
    assert not PasswordResetToken.objects.exists()


def test_empty_request_is_refused_clearly(client: Client) -> None:
    response = client.post("/password/forgot", {"login": "  "})
    assert response.status_code == 400
    assert "Enter your email address or username." in html(response)


# --- the token ------------------------------------------------------------------------------


def test_token_is_long_and_stored_only_hashed(customer: User, commits: Callable[[], Any]) -> None:
    token = requested(customer, commits)
    assert len(token) >= 43  # 32 random bytes, URL-safe base64: 256 bits
    row = PasswordResetToken.objects.get(user=customer)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert row.used_at is None
    # Nowhere else at rest: not in the row, and no longer in the sent mail's outbox row.
    outbox = OutboxMail.objects.get(kind="password_reset")
    assert outbox.status == OutboxMail.Status.SENT
    assert token not in str(outbox.data)
    for values in (PasswordResetToken.objects.values(), SessionEvent.objects.values()):
        assert token not in str(list(values))


def test_mail_has_link_expiry_and_how_to_report(customer: User, commits: Callable[[], Any]) -> None:
    requested(customer, commits, login="JOHN")  # the username, any case
    sent = mail.outbox[-1]
    assert sent.to == [customer.email]
    assert sent.subject == "Reset your Frontdesk password"
    assert "works once, for 60 minutes: until" in sent.body
    assert "If you did not ask for this, ignore this mail and tell us at help@desk.example" in (
        sent.body
    )
    assert "Unsubscribe" not in str(sent.extra_headers)  # a security mail: no way to turn it off
    html_body = sent.alternatives[0][0]
    assert "http://testserver/password/reset/" in html_body and "help@desk.example" in html_body


def test_reset_sets_the_password_and_sends_to_sign_in(
    customer: User, commits: Callable[[], Any]
) -> None:
    token = requested(customer, commits)
    page = browser().get(f"/password/reset/{token}")
    assert page.status_code == 200 and page["Referrer-Policy"] == "same-origin"
    assert "Choose a new password" in html(page)
    response = set_password(token)
    assert response.status_code == 302 and response["Location"] == "/login"
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)
    assert services.user_check_credentials(username="John", password=NEW_PASSWORD) == customer
    kinds = set(SessionEvent.objects.filter(user=customer).values_list("kind", flat=True))
    assert {SessionEventKind.RESET_REQUESTED, SessionEventKind.RESET_USED} <= kinds


def test_link_works_once(customer: User, commits: Callable[[], Any]) -> None:
    token = requested(customer, commits)
    assert set_password(token).status_code == 302
    again = set_password(token, "another-pass-1")
    assert again.status_code == 404
    assert "Ask for a new one." in html(again)
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)
    assert browser().get(f"/password/reset/{token}").status_code == 404


def test_using_one_link_ends_the_others(customer: User, commits: Callable[[], Any]) -> None:
    first = requested(customer, commits)
    second = requested(customer, commits)
    assert set_password(second).status_code == 302
    assert set_password(first, "another-pass-1").status_code == 404


def test_link_expires_after_an_hour(
    customer: User, commits: Callable[[], Any], clock: Clock
) -> None:
    token = requested(customer, commits)
    clock.advance(3599)
    assert browser().get(f"/password/reset/{token}").status_code == 200
    clock.advance(1)
    assert browser().get(f"/password/reset/{token}").status_code == 404
    assert set_password(token).status_code == 404
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_link_ends_when_the_password_changes(customer: User, commits: Callable[[], Any]) -> None:
    token = requested(customer, commits)
    services.user_set_password(actor=None, user=customer, new_password="changed-meanwhile")
    assert set_password(token).status_code == 404
    customer.refresh_from_db()
    assert customer.check_password("changed-meanwhile")


def test_forged_or_unknown_token_is_refused(customer: User, commits: Callable[[], Any]) -> None:
    token = requested(customer, commits)
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert set_password(forged).status_code == 404
    assert browser().get("/password/reset/x").status_code == 404
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_new_password_follows_registration_rules(
    customer: User, commits: Callable[[], Any]
) -> None:
    token = requested(customer, commits)
    short = set_password(token, "short")
    assert short.status_code == 400
    assert "Password must be at least 8 characters." in html(short)
    client = browser()
    path = f"/password/reset/{token}"
    data = {"csrfmiddlewaretoken": csrf(client, path), "password": NEW_PASSWORD}
    differ = client.post(path, {**data, "password_confirm": "something-else"})
    assert differ.status_code == 400 and "Passwords do not match." in html(differ)
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)
    # Nothing was used up by the refusals: the link still works.
    assert set_password(token).status_code == 302


# --- limits ---------------------------------------------------------------------------------


@pytest.mark.limits
def test_requests_are_limited_per_account(customer: User, commits: Callable[[], Any]) -> None:
    for login in (customer.email, "JOHN", customer.email):  # one bucket, any way of asking
        with commits():
            assert ask(browser(), login, REMOTE_ADDR="10.0.0.1").status_code == 302
    with commits():
        refused = ask(browser(), customer.email, REMOTE_ADDR="10.0.0.2")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many requests. Try again in" in html(refused)
    assert len(mail.outbox) == 3


@pytest.mark.limits
def test_unknown_accounts_are_limited_the_same_way(commits: Callable[[], Any]) -> None:
    statuses = []
    for _ in range(4):
        with commits():
            statuses.append(ask(browser(), "nobody@example.com").status_code)
    assert statuses == [302, 302, 302, 429]


@pytest.mark.limits
def test_requests_are_limited_per_address(db: None, commits: Callable[[], Any]) -> None:
    statuses = []
    for number in range(11):
        with commits():
            response = ask(browser(), f"someone{number}@example.com", REMOTE_ADDR="10.0.0.9")
        statuses.append(response.status_code)
    assert statuses == [302] * 10 + [429]


# --- accounts without a password ------------------------------------------------------------


@pytest.fixture
def from_mail(db: None) -> User:
    return services.customer_create_from_mail(email="maria@example.org", name="María López")


@pytest.fixture
def phoned_in(agent: User) -> User:
    return services.customer_create_for_phone_in(
        actor=agent, name="Carl Caller", email="carl@example.org"
    )


@pytest.mark.parametrize("made", ["from_mail", "phoned_in"])
def test_accounts_without_password_are_claimed(
    made: str, request: pytest.FixtureRequest, commits: Callable[[], Any]
) -> None:
    user: User = request.getfixturevalue(made)
    assert not user.has_usable_password()
    token = requested(user, commits)
    sent = mail.outbox[-1]
    assert sent.subject == "Set a password for your Frontdesk account"
    assert "Set your password here:" in sent.body
    page = html(browser().get(f"/password/reset/{token}"))
    assert "<h1>Set a password</h1>" in page and "has no password yet" in page
    assert set_password(token).status_code == 302
    user.refresh_from_db()
    assert user.has_usable_password() and user.check_password(NEW_PASSWORD)
    assert services.user_check_credentials(username=user.email, password=NEW_PASSWORD) == user


# --- CSRF -----------------------------------------------------------------------------------


def test_every_post_needs_the_csrf_token(customer: User, commits: Callable[[], Any]) -> None:
    token = requested(customer, commits)
    client = browser()
    assert client.post("/password/forgot", {"login": customer.email}).status_code == 403
    data = {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    assert client.post(f"/password/reset/{token}", data).status_code == 403
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


# --- a real mail server -----------------------------------------------------------------------


def test_reset_mail_reaches_a_real_smtp_server(
    customer: User, smtp_sink: SmtpSink, commits: Callable[[], Any]
) -> None:
    with commits():
        assert ask(browser(), customer.email).status_code == 302
    [arrived] = smtp_sink.wait_for(1)
    assert arrived.envelope_to == [customer.email]
    text = arrived.message.get_body(preferencelist=("plain",)).get_content()
    assert "tell us at help@desk.example" in text
    found = LINK.search(text)
    assert found is not None
    assert set_password(found.group(1)).status_code == 302
