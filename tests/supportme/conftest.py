"""The SupportMe contract is tested as its clients meet it: with Django's CSRF checks on, as
they are for every request that does not come from Django's test client, and through the
middleware chain the server gives each call (a bearer call takes the shorter one:
core/bearer_api.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.handlers.base import BaseHandler
from django.test import Client
from django.test.client import ClientHandler

from frontdesk.core.bearer_api import BearerApiChain, is_bearer_api_call


class _BearerApiClientHandler(BearerApiChain, ClientHandler):
    pass


class ServerRoutedClient(Client):
    """Django's test client, choosing the chain for each request as frontdesk.wsgi does."""

    def __init__(self, enforce_csrf_checks: bool = False, **defaults: Any) -> None:
        super().__init__(enforce_csrf_checks, **defaults)
        whole: BaseHandler = self.handler
        bearer = _BearerApiClientHandler(enforce_csrf_checks)
        self.handler = lambda environ: (bearer if is_bearer_api_call(environ) else whole)(environ)  # type: ignore[assignment]


@pytest.fixture
def client() -> Client:
    return ServerRoutedClient(enforce_csrf_checks=True)
