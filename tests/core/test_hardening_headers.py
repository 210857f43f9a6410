"""HSTS over HTTPS, ``Cache-Control: no-store`` for signed-in callers and JSON, and the
production profile passing ``frontdesk check --deploy`` (docs/deploy.md)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from frontdesk.accounts.models import User
from frontdesk.tickets.models import Ticket
from tests.api.helpers import Api

PRODUCTION = {
    "DEBUG": "false",
    "ALLOWED_HOSTS": "help.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://help.example.com",
    "FRONTDESK_BEHIND_PROXY": "true",
    "SESSION_COOKIE_SECURE": "true",
}


def _frontdesk(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {
        name: value
        for name, value in os.environ.items()
        if name not in PRODUCTION
        # DJANGO_ALLOW_ASYNC_UNSAFE: set for the whole test process while the browser tests'
        # session runs (tests/e2e/conftest.py); a deployment never has it.
        and name not in ("DATABASE_URL", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    return subprocess.run(
        [sys.executable, "-m", "frontdesk.cli", *args],
        env={**base, "FRONTDESK_DATA_DIR": str(tmp_path / "data"), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_production_profile_passes_check_deploy(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret_key"
    secret_file.write_text(secrets.token_urlsafe(50))
    env = {**PRODUCTION, "SECRET_KEY_FILE": str(secret_file)}
    result = _frontdesk(tmp_path, env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_hsts_is_on_exactly_when_served_over_https(tmp_path: Path) -> None:
    def hsts(env: dict[str, str]) -> str:
        code = "from django.conf import settings; print(settings.SECURE_HSTS_SECONDS)"
        result = _frontdesk(tmp_path, env, "shell", "--no-imports", "-c", code)
        return result.stdout.strip().splitlines()[-1]

    assert hsts({"FRONTDESK_BEHIND_PROXY": "true"}) == "31536000"
    assert hsts({"SESSION_COOKIE_SECURE": "true"}) == "31536000"
    assert hsts({}) == "0"
    assert hsts({"FRONTDESK_BEHIND_PROXY": "true", "SECURE_HSTS_SECONDS": "600"}) == "600"


@pytest.mark.django_db
def test_the_header_goes_on_https_answers_only(settings: Settings) -> None:
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    client = Client()
    secure = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_signed_in_pages_are_never_stored(customer: User, agent: User, ticket: Ticket) -> None:
    for user in (customer, agent):
        client = Client()
        client.force_login(user)
        for path in ("/home", "/profile", f"/ticket/{ticket.pk}"):
            assert "no-store" in client.get(path).headers["Cache-Control"], path


@pytest.mark.django_db
def test_json_answers_are_never_stored(customer: User) -> None:
    anonymous = Api()
    assert anonymous.get("/tickets/").headers["Cache-Control"] == "no-store"  # a 401
    assert Api(customer).get("/tickets/").headers["Cache-Control"] == "no-store"
    login = Client().post(
        "/login",
        json.dumps({"username": customer.username, "password": "wrong"}),
        content_type="application/json",
    )
    assert login.headers["Content-Type"].startswith("application/json")
    assert login.headers["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_what_says_its_own_caching_keeps_it(customer: User) -> None:
    client = Client()
    client.force_login(customer)
    icon = client.get(customer.profile_icon_url)
    assert icon.headers["Cache-Control"] == "public, max-age=86400"
