"""Friendly error pages instead of Django's defaults (DEBUG is off under test)."""

from __future__ import annotations

import pytest
from django.test import Client

from frontdesk.accounts.models import User
from tests.web.conftest import html, signed_in

pytestmark = pytest.mark.django_db


def test_unknown_path_is_a_friendly_404(client: Client) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    page = html(response)
    assert "We couldn't find that page" in page
    assert 'href="/home"' in page


def test_404_keeps_the_signed_in_header(customer: User) -> None:
    page = html(signed_in(customer).get("/no/such/page"))
    assert "Log out" in page and "John" in page


@pytest.mark.parametrize("path", ["/", "/home"])
def test_pages_refuse_other_methods_in_json(customer: User, path: str) -> None:
    response = signed_in(customer).put(path)
    assert response.status_code == 405
    assert response.json() == {"error": "Method not allowed."}
    assert response["Allow"] == "GET, HEAD, POST"


@pytest.mark.parametrize("path", ["/login", "/register", "/profile", "/ticket/new", "/ticket/1"])
def test_other_methods_on_shared_paths_are_405(customer: User, path: str) -> None:
    response = signed_in(customer).put(path)
    assert response.status_code == 405
    assert set(response.json()) == {"error"}
