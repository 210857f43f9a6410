"""The SupportMe contract is tested as its clients meet it: with Django's CSRF checks on, as
they are for every request that does not come from Django's test client."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.fixture
def client() -> Client:
    return Client(enforce_csrf_checks=True)
