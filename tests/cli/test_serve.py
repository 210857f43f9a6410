"""``frontdesk serve`` as a user runs it: a real process on a real port, a fresh data dir."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def serve_args() -> list[str]:
    """More arguments for ``frontdesk serve`` (a test module may override this fixture)."""
    return []


@pytest.fixture
def server(tmp_path: Path, serve_args: list[str]) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    env = {**os.environ, "FRONTDESK_DATA_DIR": str(tmp_path / "data")}
    env.pop("DATABASE_URL", None)  # the embedded default: SQLite in the data dir
    process = subprocess.Popen(
        [sys.executable, "-m", "frontdesk.cli", "serve", "--port", str(port), *serve_args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/login", timeout=1)  # noqa: S310 - loopback
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail(process.stdout.read() if process.stdout else "server died")
            time.sleep(0.2)
    yield base, process
    process.terminate()
    process.wait(timeout=20)


def _post(url: str, body: dict[str, str], token: str | None = None) -> dict[str, object]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")  # noqa: S310
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())  # type: ignore[no-any-return]


def test_serve_migrates_creates_admin_and_answers(
    server: tuple[str, subprocess.Popen[str]], tmp_path: Path
) -> None:
    base, process = server
    data = tmp_path / "data"
    assert (data / "frontdesk.sqlite3").exists()
    assert oct((data / "secret_key").stat().st_mode)[-3:] == "600"
    admin_password = (data / "initial_admin_password").read_text().strip()

    login = _post(base + "/login", {"username": "admin", "password": admin_password})
    assert isinstance(login["access_token"], str)

    token = _post(
        base + "/register",
        {"username": "John", "email": "john@website.net", "password": "securepassword"},
    )["access_token"]
    opened = _post(
        base + "/ticket/new",
        {"ticket_title": "The toilet roll is finished", "message": "Could it be refilled please?"},
        str(token),
    )
    assert opened["ticket_id"] == 1

    with urllib.request.urlopen(base + "/profile-icons/blue.png") as response:  # noqa: S310
        assert response.read(8) == b"\x89PNG\r\n\x1a\n"

    process.terminate()
    output = process.communicate(timeout=20)[0]
    assert re.search(r"username 'admin', password '" + re.escape(admin_password), output)


def test_the_embedded_worker_runs_jobs_from_the_data_directory(
    server: tuple[str, subprocess.Popen[str]], tmp_path: Path
) -> None:
    """`serve` starts a worker beside itself; jobs queue in jobs.sqlite3 (no Redis)."""
    base, _ = server
    admin_password = (tmp_path / "data" / "initial_admin_password").read_text().strip()
    login = _post(base + "/login", {"username": "admin", "password": admin_password})
    admin = str(login["access_token"])
    customer = str(
        _post(
            base + "/register",
            {"username": "John", "email": "john@website.net", "password": "securepassword"},
        )["access_token"]
    )
    ticket = _post(
        base + "/ticket/new",
        {"ticket_title": "Heating broken", "message": "Studio 2 is freezing cold."},
        customer,
    )["ticket_id"]
    overdue = {"due_date": "2020-01-01T09:00:00Z"}
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{base}/api/ticketing/tickets/{ticket}/", json.dumps(overdue).encode(), method="PATCH"
    )
    request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", f"Bearer {admin}")
    urllib.request.urlopen(request, timeout=10)  # noqa: S310
    assert (tmp_path / "data" / "jobs.sqlite3").exists()
    deadline = time.monotonic() + 30
    notes: list[str] = []
    while time.monotonic() < deadline and not notes:
        time.sleep(0.5)
        comments = urllib.request.Request(  # noqa: S310
            f"{base}/api/ticketing/comments/?ticket={ticket}",
            headers={"Authorization": f"Bearer {admin}"},
        )
        with urllib.request.urlopen(comments, timeout=10) as response:  # noqa: S310
            results = json.loads(response.read())["results"]
        notes = [c["content"] for c in results if c["content"].startswith("Overdue:")]
    assert len(notes) == 1


@pytest.mark.parametrize("option", [["--workers", "2"], ["--live-port", "8001"]])
def test_more_than_one_process_needs_redis(
    option: list[str], settings: pytest.FixtureRequest
) -> None:
    from django.core.management import CommandError, call_command

    settings.REDIS_URL = ""  # type: ignore[attr-defined]
    with pytest.raises(CommandError, match="needs REDIS_URL"):
        call_command("serve", *option)


def test_the_live_endpoint_alone_needs_redis(settings: pytest.FixtureRequest) -> None:
    from django.core.management import CommandError, call_command

    settings.REDIS_URL = ""  # type: ignore[attr-defined]
    with pytest.raises(CommandError, match="needs REDIS_URL"):
        call_command("serve_live")


def test_a_taken_admin_name_is_explained_not_a_crash(db: None) -> None:
    from io import StringIO

    from django.core.management import call_command

    from frontdesk.accounts.services import user_register

    user_register(username="admin", email="someone@example.com", password="securepassword")
    out = StringIO()
    with pytest.MonkeyPatch.context() as patch:
        # Everything up to serving, not the server itself.
        patch.setattr("frontdesk.core.management.commands.serve.Command._serve", lambda *a: None)
        call_command("serve", "--no-worker", "--no-migrate", stdout=out)
    assert "the name 'admin' is taken" in out.getvalue()


def test_serve_stops_when_its_migrating_child_fails(tmp_path: Path) -> None:
    """Migrations run in a child of ``serve`` (docs/decisions.md, 77): when they fail, serve
    says so and exits without serving, as when it migrated in itself."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "frontdesk.sqlite3").write_bytes(b"not a database " * 512)
    env = {**os.environ, "FRONTDESK_DATA_DIR": str(data)}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "frontdesk.cli", "serve", "--port", str(free_port()),
         "--no-worker"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert "The database was not migrated (see above)" in result.stderr
    assert "Frontdesk is at" not in result.stdout
