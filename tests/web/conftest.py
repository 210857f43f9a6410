"""Helpers for the page tests: signed-in clients and form posts (the ``ticket`` fixture is the
root conftest's)."""

from __future__ import annotations

from typing import Any

from django.test import Client

from frontdesk.accounts.models import User


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def submit(client: Client, path: str, data: dict[str, str]) -> Any:
    """Send a page's form as a browser does: urlencoded, with the CSRF field (the test client
    skips the check itself unless built with enforce_csrf_checks). Without that field the
    dispatcher would route the POST to the JSON API."""
    return client.post(path, {"csrfmiddlewaretoken": "x" * 64, **data})


def html(response: Any) -> str:
    """The page's HTML, with the no-break spaces of "3\xa0hours" read as plain spaces."""
    return str(response.content.decode()).replace("\xa0", " ")
