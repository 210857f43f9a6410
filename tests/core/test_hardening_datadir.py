"""The data directory is private: a real ``frontdesk`` command creates the database, its WAL,
the secrets and every directory 0600/0700, an older installation's 0644 files are fixed at
start-up with one log line, and uploaded files are written 0600."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from frontdesk.accounts.models import User
from frontdesk.tickets.models import Attachment
from tests.cli.commands import frontdesk_on_sqlite
from tests.conftest import open_ticket


def _modes(data: Path) -> dict[str, str]:
    found = {".": oct(stat.S_IMODE(data.stat().st_mode))}
    for path in data.rglob("*"):
        found[str(path.relative_to(data))] = oct(stat.S_IMODE(path.lstat().st_mode))
    return found


def _loose(modes: dict[str, str]) -> dict[str, str]:
    return {name: mode for name, mode in modes.items() if int(mode, 8) & 0o077}


def test_a_fresh_data_directory_is_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    frontdesk_on_sqlite(data, "migrate", "--verbosity", "0", check=True)
    modes = _modes(data)
    for name in ("frontdesk.sqlite3", "secret_key", "jwt_secret"):
        assert modes[name] == "0o600", modes
    assert modes["."] == "0o700"
    assert _loose(modes) == {}, modes


def test_an_older_installation_is_fixed_at_start_up_with_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    frontdesk_on_sqlite(data, "migrate", "--verbosity", "0", check=True)
    # As an installation from before: readable by every account on the machine.
    os.chmod(data, 0o755)  # noqa: S103
    os.chmod(data / "frontdesk.sqlite3", 0o644)
    (data / "attachments" / "ab").mkdir(parents=True)
    os.chmod(data / "attachments", 0o755)  # noqa: S103
    os.chmod(data / "attachments" / "ab", 0o755)  # noqa: S103
    (data / "attachments" / "ab" / "file").write_bytes(b"private")
    os.chmod(data / "attachments" / "ab" / "file", 0o644)

    first = frontdesk_on_sqlite(data, "check", check=True)
    lines = [line for line in first.stderr.splitlines() if "private" in line]
    assert len(lines) == 1, first.stderr
    assert "5 of its files and directories" in lines[0]
    modes = _modes(data)
    assert _loose(modes) == {}, modes
    assert modes["attachments/ab/file"] == "0o600"
    assert modes["attachments/ab"] == "0o700"

    again = frontdesk_on_sqlite(data, "check", check=True)  # nothing left to fix: nothing said
    assert "private" not in again.stderr


@pytest.mark.django_db
def test_uploaded_files_are_written_private(customer: User) -> None:
    open_ticket(customer, files=[SimpleUploadedFile("plan.txt", b"Plan", "text/plain")])
    stored = Path(Attachment.objects.get().file.path)
    assert oct(stat.S_IMODE(stored.stat().st_mode)) == "0o600"
