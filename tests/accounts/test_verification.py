"""Email verification: the link mailed at registration and on a change of address, its
expiry, single use and signature, "resend" and its limit, the banner (accounts/verification.py)."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.core import mail, signing
from django.test import Client

from frontdesk.accounts import recovery, services, verification
from frontdesk.accounts.models import User
from frontdesk.notifications.models import OutboxMail
from tests.conftest import PASSWORD, Clock
from tests.web.conftest import html

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver/email/verify/([A-Za-z0-9_:.-]+)")
BANNER = 'class="verify-banner"'


@pytest.fixture(autouse=True)
def _site(settings: Any) -> None:
    settings.FRONTDESK_SITE_URL = "http://testserver"
    settings.FRONTDESK_SUPPORT_ADDRESSES = ["help@desk.example"]


@pytest.fixture
def commits(
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[Any]],
) -> Callable[[], AbstractContextManager[Any]]:
    return lambda: django_capture_on_commit_callbacks(execute=True)


def browser(user: User | None = None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def csrf(client: Client, path: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html(client.get(path)))
    assert found is not None
    return found.group(1)


def link_in_last_mail() -> str:
    found = LINK.search(mail.outbox[-1].body)
    assert found is not None, mail.outbox[-1].body
    return found.group(1)


def confirm(token: str, client: Client | None = None) -> Any:
    client = client or browser()
    return client.post(
        f"/email/verify/{token}", {"csrfmiddlewaretoken": csrf(client, "/password/forgot")}
    )


def register(commits: Callable[[], AbstractContextManager[Any]]) -> tuple[Client, User]:
    client = browser()
    data = {
        "csrfmiddlewaretoken": csrf(client, "/register"),
        "username": "Newbie",
        "email": "newbie@example.com",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    }
    with commits():
        assert client.post("/register", data).status_code == 302
    return client, User.objects.get(username="Newbie")


@pytest.fixture
def registered(commits: Callable[[], AbstractContextManager[Any]]) -> User:
    return register(commits)[1]


# --- at registration ----------------------------------------------------------------------


def test_registration_page_mails_a_link_and_the_banner_shows(
    commits: Callable[[], AbstractContextManager[Any]],
) -> None:
    client, user = register(commits)
    assert user.email_verified_at is None
    sent = mail.outbox[-1]
    assert sent.to == ["newbie@example.com"]
    assert sent.subject == "Confirm your email address for Frontdesk"
    assert "works once, for 3 days" in sent.body and "tell us at help@desk.example" in sent.body
    page = html(client.get("/home"))
    assert BANNER in page and 'action="/email/verify/resend"' in page


def test_supportme_register_mails_a_link_and_answers_as_before(
    commits: Callable[[], AbstractContextManager[Any]],
) -> None:
    body = {"username": "Api", "email": "api@example.com", "password": PASSWORD}
    with commits():
        response = Client().post("/register", body, content_type="application/json")
    assert response.status_code == 200
    assert mail.outbox[-1].to == ["api@example.com"]
    assert User.objects.get(username="Api").email_verified_at is None


def test_link_confirms_the_address_once(registered: User) -> None:
    token = link_in_last_mail()
    page = browser().get(f"/email/verify/{token}")
    assert page.status_code == 200 and "Confirm newbie@example.com" in html(page)
    registered.refresh_from_db()
    assert registered.email_verified_at is None  # opening the link is not enough
    response = confirm(token)
    assert response.status_code == 302
    registered.refresh_from_db()
    assert registered.email_verified_at is not None
    assert BANNER not in html(browser(registered).get("/home"))
    again = confirm(token)
    assert again.status_code == 404 and "used already" in html(again)


def test_link_expires_after_three_days(registered: User, clock: Clock) -> None:
    token = link_in_last_mail()
    clock.advance(3 * 86400 + 1)
    assert confirm(token).status_code == 404
    registered.refresh_from_db()
    assert registered.email_verified_at is None


def test_forged_link_is_refused(registered: User, customer: User) -> None:
    token = link_in_last_mail()
    value, _, signature = token.rpartition(":")
    assert confirm(f"{value}:{signature[::-1]}").status_code == 404
    # A link signed with another key, naming another account.
    forged = signing.dumps({"u": customer.pk, "a": customer.email, "s": "x"}, key="not-ours")
    assert confirm(forged).status_code == 404
    assert confirm("nonsense").status_code == 404
    registered.refresh_from_db()
    assert registered.email_verified_at is None


# --- resend ---------------------------------------------------------------------------------


@pytest.mark.limits
def test_resend_is_limited_to_three_an_hour(
    registered: User, commits: Callable[[], AbstractContextManager[Any]]
) -> None:
    client = browser(registered)
    statuses = []
    for _ in range(4):
        with commits():
            token = csrf(client, "/home")
            response = client.post("/email/verify/resend", {"csrfmiddlewaretoken": token})
        statuses.append(response.status_code)
    assert statuses == [302, 302, 302, 429]
    assert "Too many requests. Try again in" in html(response)
    assert int(response["Retry-After"]) > 0
    assert len(mail.outbox) == 1 + 3
    # Any of the links works (they prove the same address in the same state) ...
    assert confirm(link_in_last_mail()).status_code == 302


def test_resend_when_confirmed_says_so(customer: User) -> None:
    User.objects.filter(pk=customer.pk).update(email_verified_at="2026-01-01T00:00:00Z")
    customer.refresh_from_db()
    client = browser(customer)
    response = client.post("/email/verify/resend", {"csrfmiddlewaretoken": csrf(client, "/home")})
    assert response.status_code == 302
    assert verification.NOTHING_TO_VERIFY in html(client.get(response["Location"]))


# --- a change of address --------------------------------------------------------------------


def change(client: Client, email: str, password: str = PASSWORD) -> Any:
    data = {"csrfmiddlewaretoken": csrf(client, "/profile/email"), "email": email}
    return client.post("/profile/email", {**data, "password": password})


def test_new_address_is_pending_until_confirmed(
    customer: User, commits: Callable[[], AbstractContextManager[Any]]
) -> None:
    client = browser(customer)
    with commits():
        assert change(client, "John.New@Example.com").status_code == 302
    customer.refresh_from_db()
    assert customer.email == "john@example.com" and customer.email_pending == "john.new@example.com"
    assert mail.outbox[-1].to == ["john.new@example.com"]
    assert "keeps its current address until you confirm" in mail.outbox[-1].body
    # Sign-in and resets still use the old address meanwhile.
    assert (
        services.user_check_credentials(username="john.new@example.com", password=PASSWORD) is None
    )
    assert services.user_check_credentials(username="john@example.com", password=PASSWORD)
    assert "Confirm your new address" in html(client.get("/home"))
    assert confirm(link_in_last_mail(), client).status_code == 302
    customer.refresh_from_db()
    assert customer.email == "john.new@example.com" and customer.email_pending == ""
    assert customer.email_verified_at is not None


def test_change_needs_the_password_and_a_free_valid_address(
    customer: User, other_customer: User
) -> None:
    client = browser(customer)
    wrong = change(client, "john.new@example.com", password="wrong-password")
    assert wrong.status_code == 403 and "Incorrect password was provided." in html(wrong)
    taken = change(client, other_customer.email.upper())
    assert taken.status_code == 400 and services.EMAIL_TAKEN in html(taken)
    invalid = change(client, "not-an-address")
    assert invalid.status_code == 400 and "The provided email was invalid." in html(invalid)
    customer.refresh_from_db()
    assert customer.email_pending == "" and customer.email == "john@example.com"
    assert mail.outbox == []


def test_pending_address_taken_meanwhile_is_refused(
    customer: User, other_customer: User, commits: Callable[[], AbstractContextManager[Any]]
) -> None:
    with commits():
        verification.email_change_request(
            user=customer, new_email="shared@example.com", password=PASSWORD
        )
    token = link_in_last_mail()
    User.objects.filter(pk=other_customer.pk).update(email="shared@example.com")
    response = confirm(token)
    assert response.status_code == 400 and services.EMAIL_TAKEN in html(response)
    customer.refresh_from_db()
    assert customer.email == "john@example.com"


def test_a_newer_change_ends_the_older_link(
    customer: User, commits: Callable[[], AbstractContextManager[Any]]
) -> None:
    with commits():
        verification.email_change_request(
            user=customer, new_email="a@example.com", password=PASSWORD
        )
    first = link_in_last_mail()
    with commits():
        verification.email_change_request(
            user=customer, new_email="b@example.com", password=PASSWORD
        )
    assert confirm(first).status_code == 404
    assert confirm(link_in_last_mail()).status_code == 302
    customer.refresh_from_db()
    assert customer.email == "b@example.com"


# --- accounts without a password, existing accounts ----------------------------------------


def test_mail_intake_accounts_are_verified_by_claiming(
    db: None, commits: Callable[[], AbstractContextManager[Any]]
) -> None:
    user = services.customer_create_from_mail(email="maria@example.org", name="Maria")
    assert user.email_verified_at is None  # a From line proves nothing
    with commits():
        recovery.reset_request(login=user.email)
    raw = re.search(r"/password/reset/([A-Za-z0-9_-]+)", mail.outbox[-1].body)
    assert raw is not None
    recovery.reset_complete(raw=raw.group(1), new_password="maria-pass-1")
    user.refresh_from_db()
    assert user.email_verified_at is not None


def test_admin_made_by_the_server_needs_no_link(db: None) -> None:
    admin = services.user_create_admin(username="Root", email="root@example.com", password=PASSWORD)
    assert admin.email_verified_at is not None
    assert not OutboxMail.objects.filter(kind="email_verify").exists()


def test_link_at_rest_is_gone_once_sent(registered: User) -> None:
    row = OutboxMail.objects.get(kind="email_verify")
    assert row.status == OutboxMail.Status.SENT
    assert "secret_url" not in row.data


# --- CSRF -----------------------------------------------------------------------------------


def test_every_post_needs_the_csrf_token(registered: User) -> None:
    token = link_in_last_mail()
    client = browser(registered)
    assert client.post(f"/email/verify/{token}").status_code == 403
    assert client.post("/email/verify/resend").status_code == 403
    data = {"email": "x@example.com", "password": PASSWORD}
    assert client.post("/profile/email", data).status_code == 403
    registered.refresh_from_db()
    assert registered.email_verified_at is None and registered.email_pending == ""


def test_accounts_from_before_count_as_verified_but_passwordless_ones_do_not(
    customer: User,
) -> None:
    """The migration's decision (0008_email_verification)."""
    from django.apps import apps

    migration = importlib.import_module("frontdesk.accounts.migrations.0008_email_verification")
    claimable = services.customer_create_from_mail(email="maria@example.org", name="Maria")
    migration.existing_addresses_count_as_verified(apps, None)
    customer.refresh_from_db()
    claimable.refresh_from_db()
    assert customer.email_verified_at == customer.created_at
    assert claimable.email_verified_at is None
    assert User.objects.get(username="System").email_verified_at is None
