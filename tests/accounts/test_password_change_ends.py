"""A password change (issue 12) ends every other browser session, every other SupportMe JWT and
the personal API tokens unless the user keeps them, and tells the user by mail; the session or
JWT that made it keeps working. A reset (accounts.services.user_set_password) ends them all."""

from __future__ import annotations

from typing import Any

from django.core import mail
from django.test import Client

from frontdesk.accounts import services
from frontdesk.accounts.api_tokens import api_token_create, api_token_user
from frontdesk.accounts.models import SessionEvent, SessionEventKind, User, UserSession
from frontdesk.notifications.kinds import KINDS, PASSWORD_CHANGED
from frontdesk.notifications.models import OutboxMail
from frontdesk.notifications.rendering import render
from tests.accounts.test_token_version import NEW_PASSWORD, change_password, sign_in, works
from tests.conftest import PASSWORD
from tests.web.test_session_pages import browser_sign_in, csrf_client

CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0.0.0 Safari/537.36"


def is_signed_in(client: Client) -> bool:
    return bool(client.get("/api/session-status/").json()["authenticated"])


def page_change(client: Client, csrf: str, **extra: str) -> Any:
    data = {
        "csrfmiddlewaretoken": csrf,
        "profile_icon": "red",
        "new_password": NEW_PASSWORD,
        "new_password_confirm": NEW_PASSWORD,
        "old_password": PASSWORD,
        **extra,
    }
    return client.post("/profile", data, HTTP_USER_AGENT=CHROME, REMOTE_ADDR="192.0.2.44")


def test_the_profile_page_ends_everything_else(
    customer: User, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    other_browser = browser_sign_in(customer)
    jwt_token = sign_in(client, customer)
    _, api_token = api_token_create(user=customer, name="Script", scope="read", password=PASSWORD)
    browser, csrf = csrf_client(customer)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):  # the mail goes once it commits
        response = page_change(browser, csrf)
    assert response.status_code == 302

    assert is_signed_in(browser)  # the session that changed it
    assert not is_signed_in(other_browser)
    assert not works(client, jwt_token, customer)  # a browser changed it: no JWT is kept
    assert api_token_user(api_token) is None
    assert UserSession.objects.filter(user=customer).count() == 1
    revoked = SessionEvent.objects.filter(user=customer, kind=SessionEventKind.REVOKED)
    assert revoked.count() == 1 and revoked.get().actor == customer

    [sent] = mail.outbox
    assert sent.to == [customer.email]
    assert sent.subject == "Your Frontdesk password was changed"
    assert "If this wasn't you, reset your password" in sent.body
    assert "Chrome on Linux" in sent.body and "192.0.2.44" in sent.body
    assert "your personal API tokens were revoked" in sent.body
    assert "List-Unsubscribe" not in sent.extra_headers


def test_keep_my_api_tokens(agent: User, customer: User) -> None:
    _, api_token = api_token_create(user=agent, name="Script", scope="read", password=PASSWORD)
    browser, csrf = csrf_client(agent)
    assert page_change(browser, csrf, keep_api_tokens="on").status_code == 302
    assert api_token_user(api_token) is not None
    [sent] = OutboxMail.objects.filter(kind=PASSWORD_CHANGED)
    assert "your personal API tokens were kept" in render(sent).text
    assert 'name="keep_api_tokens"' in browser.get("/profile").content.decode()
    # Customers have no API tokens section, so no box either (theirs are revoked, if any).
    customer_page, _ = csrf_client(customer)
    assert 'name="keep_api_tokens"' not in customer_page.get("/profile").content.decode()


def test_without_the_csrf_token_nothing_changes(customer: User) -> None:
    other_browser = browser_sign_in(customer)
    browser, _ = csrf_client(customer)
    response = page_change(browser, "wrong" * 10)
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD) and customer.token_version == 0
    assert is_signed_in(other_browser)
    assert not OutboxMail.objects.filter(kind=PASSWORD_CHANGED).exists()


def test_a_wrong_current_password_ends_nothing(customer: User, client: Client) -> None:
    other_browser = browser_sign_in(customer)
    jwt_token = sign_in(client, customer)
    browser, csrf = csrf_client(customer)
    response = page_change(browser, csrf, old_password="not-my-password")
    assert response.status_code == 400
    assert is_signed_in(other_browser) and works(client, jwt_token, customer)
    assert not OutboxMail.objects.filter(kind=PASSWORD_CHANGED).exists()


def test_supportme_keeps_its_token_and_revokes_api_tokens(customer: User, client: Client) -> None:
    browser = browser_sign_in(customer)
    changer = sign_in(client, customer)
    _, api_token = api_token_create(user=customer, name="Script", scope="read", password=PASSWORD)
    change_password(client, changer, PASSWORD, NEW_PASSWORD)
    assert works(client, changer, customer)
    assert not is_signed_in(browser)
    assert api_token_user(api_token) is None
    assert OutboxMail.objects.filter(kind=PASSWORD_CHANGED, recipient=customer).count() == 1


def test_a_reset_ends_every_session_and_tells_the_user(
    customer: User, django_capture_on_commit_callbacks: Any
) -> None:
    browsers = [browser_sign_in(customer), browser_sign_in(customer)]
    _, api_token = api_token_create(user=customer, name="Script", scope="read", password=PASSWORD)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.user_set_password(actor=None, user=customer, new_password=NEW_PASSWORD)
    assert not any(is_signed_in(browser) for browser in browsers)
    assert api_token_user(api_token) is None
    assert not UserSession.objects.filter(user=customer).exists()
    [sent] = mail.outbox
    assert "password of your Frontdesk account John was changed" in sent.body


def test_an_admin_setting_a_password_is_named_in_the_mail(customer: User, admin: User) -> None:
    services.user_set_password(actor=admin, user=customer, new_password=NEW_PASSWORD)
    [sent] = OutboxMail.objects.filter(kind=PASSWORD_CHANGED)
    assert "was changed by an administrator" in render(sent).text


def test_the_mail_cannot_be_turned_off(customer: User) -> None:
    assert PASSWORD_CHANGED not in KINDS  # so the profile page offers no switch for it
    services.user_set_password(actor=None, user=customer, new_password=NEW_PASSWORD)
    rendered = render(OutboxMail.objects.get(kind=PASSWORD_CHANGED))
    assert rendered.headers == {}
    assert (
        "it cannot be turned off" in rendered.text
        and "<strong>If this wasn't you</strong>" in rendered.html
    )


def test_deactivation_ends_browser_sessions(customer: User, admin: User) -> None:
    browser = browser_sign_in(customer)
    services.user_set_active(actor=admin, user=customer, active=False)
    assert not is_signed_in(browser)
    assert not UserSession.objects.filter(user=customer).exists()
