"""Only what a person does keeps their session alive; the browser's own requests do not."""

from __future__ import annotations

from django.conf import settings
from django.test import Client

from frontdesk.accounts.models import User


def test_a_page_view_renews_the_session_cookie(client: Client, customer: User) -> None:
    client.force_login(customer)
    response = client.get("/home")
    assert settings.SESSION_COOKIE_NAME in response.cookies


def test_passive_requests_do_not_renew_it(client: Client, customer: User) -> None:
    client.force_login(customer)
    refresh = client.get("/home", headers={"X-Frontdesk-Passive": "1"})
    assert refresh.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in refresh.cookies
