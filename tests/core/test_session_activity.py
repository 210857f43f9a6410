"""Only what a person does keeps their session alive; the browser's own requests do not."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from frontdesk.accounts.models import User
from frontdesk.accounts.sessions import ACTIVITY_RESOLUTION
from tests.conftest import Clock


def test_a_page_view_renews_the_session_cookie(
    client: Client, customer: User, clock: Clock
) -> None:
    client.force_login(customer)
    client.get("/home")
    clock.advance(ACTIVITY_RESOLUTION)
    response = client.get("/home")
    assert settings.SESSION_COOKIE_NAME in response.cookies


def test_page_views_close_together_write_nothing(
    client: Client, customer: User, clock: Clock
) -> None:
    """The deadline moves in steps: a page view within one changes no session, so it saves
    none (on SQLite a save is an fsync'ed commit)."""
    client.force_login(customer)
    client.get("/home")
    clock.advance(ACTIVITY_RESOLUTION - 1)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/home")
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert not any("UPDATE" in q["sql"] and "django_session" in q["sql"] for q in queries)


def test_passive_requests_do_not_renew_it(client: Client, customer: User) -> None:
    client.force_login(customer)
    refresh = client.get("/home", headers={"X-Frontdesk-Passive": "1"})
    assert refresh.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in refresh.cookies


def test_a_request_is_resolved_once_to_know_whether_it_is_passive(
    client: Client, customer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the view, the handler's own resolving says which view it was: the URL is not
    resolved a second time (one near the end of the URLconf cost a third of a request)."""
    from frontdesk.core import middleware

    calls: list[str] = []
    real = middleware.resolve

    def counted(path: str) -> Any:
        calls.append(path)
        return real(path)

    monkeypatch.setattr(middleware, "resolve", counted)
    client.force_login(customer)
    assert client.get("/api/session-status/").status_code == 200  # passive: kept as it was
    assert client.get("/home").status_code == 200
    assert calls == []
