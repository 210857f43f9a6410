"""A bearer request without cookies passes by the cookie machinery (core.middleware.
is_bearer_only): it is anonymous to the pages, never gets a session, and a request that also
carries a session cookie is a cookie request, CSRF check included."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from frontdesk.accounts.models import User
from frontdesk.accounts.tokens import access_token_issue
from frontdesk.core.middleware import ActivitySessionMiddleware, is_bearer_only
from tests.api.helpers import BASE

pytestmark = pytest.mark.django_db
BODY = {"subject": "Cannot sign in", "description": "The login page says no."}


def _bearer(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token_issue(user)}"}


def test_only_a_bearer_request_without_cookies_is_bearer_only(customer: User) -> None:
    factory = RequestFactory()
    assert is_bearer_only(factory.get("/", headers=_bearer(customer)))
    assert not is_bearer_only(factory.get("/"))
    assert not is_bearer_only(factory.get("/", headers={"Authorization": "Token fd_x"}))
    with_cookie = factory.get("/", headers=_bearer(customer))
    with_cookie.COOKIES["csrftoken"] = "x"
    assert not is_bearer_only(with_cookie)


def test_a_bearer_request_never_gets_a_session(customer: User) -> None:
    def writes_the_session(request: HttpRequest) -> HttpResponse:
        request.session["note"] = "written by a view"
        return HttpResponse("ok")

    middleware = ActivitySessionMiddleware(writes_the_session)
    request = RequestFactory().get("/", headers=_bearer(customer))
    response = middleware(request)
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert not Session.objects.exists()
    # The same view without a bearer token does get one: the test can fail.
    response = middleware(RequestFactory().get("/"))
    assert settings.SESSION_COOKIE_NAME in response.cookies


def test_supportme_read_with_a_bearer_token_sets_no_cookie(customer: User) -> None:
    response = Client().get(f"/get-open-tickets/{customer.pk}", headers=_bearer(customer))
    assert response.status_code == 200
    assert not response.cookies


def test_a_page_asked_with_a_bearer_token_is_anonymous(customer: User) -> None:
    response = Client().get("/home", headers=_bearer(customer))
    assert response.status_code == 302
    assert response["Location"].startswith("/login")
    assert settings.SESSION_COOKIE_NAME not in response.cookies


def test_a_session_request_with_a_bearer_header_still_needs_csrf(customer: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    headers = {"Authorization": "Bearer not-a-valid-token"}
    response = client.post(
        f"{BASE}/tickets/", BODY, content_type="application/json", headers=headers
    )
    assert response.status_code == 403
