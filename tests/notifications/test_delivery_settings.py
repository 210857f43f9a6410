"""Mail settings as an operator sets them: environment variables read by a fresh process, and
the line `frontdesk serve` prints about where mail goes (never the password)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.mailservers import free_port

PRINT_SETTINGS = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.EMAIL_BACKEND); print(settings.EMAIL_HOST_PASSWORD)"
)


def _environment(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("EMAIL_") and name not in {"DATABASE_URL", "DEFAULT_FROM_EMAIL"}
    }
    env.update(DJANGO_SETTINGS_MODULE="frontdesk.settings", FRONTDESK_DATA_DIR=str(tmp_path))
    env.update(values)
    return env


def _settings(tmp_path: Path, **values: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        env=_environment(tmp_path, **values),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_smtp_password_can_come_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "smtp-password"
    secret.write_text("from-a-mounted-secret\n")
    done = _settings(tmp_path, EMAIL_HOST="smtp.example.com", EMAIL_HOST_PASSWORD_FILE=str(secret))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "from-a-mounted-secret",
    ]
    # The variable itself wins over the file.
    done = _settings(tmp_path, EMAIL_HOST_PASSWORD="direct", EMAIL_HOST_PASSWORD_FILE=str(secret))
    assert done.stdout.split() == ["frontdesk.notifications.backends.EmlFileBackend", "direct"]


@pytest.mark.parametrize(
    ("content", "complaint"),
    [(None, "EMAIL_HOST_PASSWORD_FILE points at an unreadable file"), ("", "empty file")],
)
def test_a_password_file_that_cannot_be_used_stops_the_start(
    tmp_path: Path, content: str | None, complaint: str
) -> None:
    secret = tmp_path / "smtp-password"
    if content is not None:
        secret.write_text(content)
    done = _settings(tmp_path, EMAIL_HOST="smtp.example.com", EMAIL_HOST_PASSWORD_FILE=str(secret))
    assert done.returncode != 0
    assert "ConfigError" in done.stderr and complaint in done.stderr


def test_tls_and_ssl_at_once_is_refused_at_start(tmp_path: Path) -> None:
    done = _settings(
        tmp_path, EMAIL_HOST="smtp.example.com", EMAIL_USE_TLS="true", EMAIL_USE_SSL="1"
    )
    assert done.returncode != 0
    assert "ConfigError: EMAIL_USE_TLS and EMAIL_USE_SSL are both true; choose one" in done.stderr


def _serve_first_lines(tmp_path: Path, **values: str) -> str:
    """Start `frontdesk serve` (no worker) and return what it prints up to its mail line."""
    env = _environment(tmp_path, **values)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "frontdesk.cli",
            "serve",
            "--no-worker",
            "--port",
            str(free_port()),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 90
    try:
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("Mail is"):
                break
    finally:
        process.terminate()
        process.wait(timeout=20)
    return "".join(lines)


def test_serve_says_mail_is_written_as_files_without_a_mail_server(tmp_path: Path) -> None:
    output = _serve_first_lines(tmp_path)
    assert (
        f"Mail is not sent: each mail is written as an .eml file to {tmp_path / 'mail-out'} "
        "(set EMAIL_HOST to send through an SMTP server)." in output
    )


def test_serve_names_its_smtp_server_but_not_the_password(tmp_path: Path) -> None:
    output = _serve_first_lines(
        tmp_path,
        EMAIL_HOST="smtp.example.com",
        EMAIL_PORT="587",
        EMAIL_USE_TLS="yes",
        EMAIL_HOST_USER="desk@studio.example",
        EMAIL_HOST_PASSWORD="s3cret-pass",
        DEFAULT_FROM_EMAIL="Studio <help@studio.example>",
    )
    assert (
        "Mail is sent through SMTP at smtp.example.com:587 (STARTTLS, signing in as "
        "desk@studio.example), from Studio <help@studio.example>." in output
    )
    assert "s3cret" not in output
