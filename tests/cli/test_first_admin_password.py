"""The first admin's password is printed once, when the account is made; later starts say
where the file is, never the password (start-up output ends up in logs)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings

from frontdesk.accounts.models import Role, User
from frontdesk.core.management.commands.serve import ADMIN_PASSWORD_FILE, Command

pytestmark = pytest.mark.django_db


def _start(settings: Settings) -> str:
    out = io.StringIO()
    Command(stdout=out)._announce_admin()
    return out.getvalue()


def test_the_password_is_printed_once(settings: Settings, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path
    first = _start(settings)
    password = (tmp_path / ADMIN_PASSWORD_FILE).read_text().strip()
    assert f"password '{password}'" in first
    assert User.objects.get(role=Role.ADMIN).check_password(password)

    later = _start(settings)
    assert password not in later
    assert str(tmp_path / ADMIN_PASSWORD_FILE) in later

    (tmp_path / ADMIN_PASSWORD_FILE).unlink()  # deleted, as told: nothing more to say
    assert _start(settings) == ""
