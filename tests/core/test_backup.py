"""``frontdesk backup`` and ``frontdesk restore``: a copy taken while the desk writes, restored
into a fresh data directory (or an empty PostgreSQL database), with every row and file back."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from frontdesk.accounts.models import User
from frontdesk.tickets.file_services import attachment_add
from frontdesk.tickets.services import message_post
from tests.cli.test_serve import _post, free_port, server  # noqa: F401 - the server fixture
from tests.conftest import open_ticket


def _frontdesk(*args: str, data_dir: Path, database_url: str | None = None) -> str:
    env = {**os.environ, "FRONTDESK_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    result = subprocess.run(
        [sys.executable, "-m", "frontdesk.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _live_counts() -> dict[str, int]:
    tables = {model._meta.db_table for model in apps.get_models(include_auto_created=True)}
    with connection.cursor() as cursor:
        counts = {}
        for table in sorted(tables | {"django_migrations"}):
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


@pytest.fixture
def empty_database() -> Iterator[str | None]:
    """Where a restore goes: None for SQLite (the fresh data directory's own file), else the
    URL of a new, empty PostgreSQL database."""
    if connection.vendor == "sqlite":
        yield None
        return
    name = f"fd_restore_{os.getpid()}_{time.monotonic_ns()}"
    params = {k: v for k, v in connection.get_connection_params().items() if k in
              ("host", "port", "user", "password")}  # fmt: skip
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = urlsplit(os.environ["DATABASE_URL"])
    yield urlunsplit(url._replace(path=f"/{name}"))
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _restored_counts(data_dir: Path, database_url: str | None, tables: list[str]) -> dict[str, int]:
    def count_all(execute: Any) -> dict[str, int]:
        return {
            table: execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
            for table in tables
        }

    if database_url is None:
        with closing(sqlite3.connect(data_dir / "frontdesk.sqlite3")) as restored:
            return count_all(restored.execute)
    with psycopg.connect(database_url) as restored:
        return count_all(restored.execute)


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_every_row_and_file_into_a_fresh_data_directory(
    customer: User, agent: User, tmp_path: Path, empty_database: str | None
) -> None:
    tickets = [open_ticket(customer, title=f"Studio {n} is cold") for n in range(3)]
    message_post(actor=agent, ticket_id=tickets[0].pk, body="The heating is on its way.")
    contents = {f"photo-{n}.txt": os.urandom(2048 + n) for n in range(4)}
    stored = [
        attachment_add(
            actor=customer,
            ticket_id=tickets[n % 3].pk,
            file=SimpleUploadedFile(name, content, content_type="text/plain"),
        )
        for n, (name, content) in enumerate(contents.items())
    ]
    live = _live_counts()

    target = tmp_path / "backup"
    call_command("backup", str(target))

    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["row_counts"] == live
    assert manifest["attachments"]["count"] == 4
    assert not (tmp_path / "backup.partial").exists()
    assert {oct(path.stat().st_mode)[-3:] for path in target.rglob("*")} <= {"600", "700"}
    for attachment in stored:
        copy = target / "attachments" / attachment.file.name
        assert _sha256(copy) == hashlib.sha256(contents[attachment.original_name]).hexdigest()
    for secret in manifest["secrets"]:
        assert (target / secret).read_bytes() == (Path(settings.DATA_DIR) / secret).read_bytes()

    fresh = tmp_path / "fresh"
    output = _frontdesk("restore", str(target), data_dir=fresh, database_url=empty_database)
    assert "every table's rows match the backup's" in output
    assert _restored_counts(fresh, empty_database, sorted(live)) == live
    for attachment in stored:
        restored = fresh / "attachments" / attachment.file.name
        assert _sha256(restored) == hashlib.sha256(contents[attachment.original_name]).hexdigest()
    for secret in manifest["secrets"]:
        assert (fresh / secret).read_bytes() == (target / secret).read_bytes()
        assert oct((fresh / secret).stat().st_mode)[-3:] == "600"


@pytest.mark.django_db(transaction=True)
def test_a_restore_never_overwrites_a_desk(customer: User, tmp_path: Path) -> None:
    open_ticket(customer)
    call_command("backup", str(tmp_path / "backup"))
    with pytest.raises(Exception, match="already has tables"):
        call_command("restore", str(tmp_path / "backup"))
    with pytest.raises(Exception, match="already exists"):
        call_command("backup", str(tmp_path / "backup"))
    with pytest.raises(Exception, match="not a Frontdesk backup"):
        call_command("restore", str(tmp_path))


@pytest.fixture
def serve_args(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The writer below replies as fast as it can: no rate limits in its way."""
    monkeypatch.setenv("FRONTDESK_RATE_REPLY", "0")
    monkeypatch.setenv("FRONTDESK_RATE_API", "0")
    return []


def test_a_backup_taken_while_customers_write_is_consistent_and_restores(
    server: tuple[str, subprocess.Popen[str]],  # noqa: F811
    tmp_path: Path,
) -> None:
    """The copy is taken from one read transaction while a customer keeps replying: it holds
    every reply acknowledged before it started and none written after it ended, in order, and
    the desk went on answering throughout."""
    base, _ = server
    token = str(
        _post(base + "/register", {"username": "Parent", "email": "p@example.com",
                                   "password": "a long password"})["access_token"]
    )  # fmt: skip
    ticket = _post(base + "/ticket/new", {"ticket_title": "Lost shoes",
                   "message": "Left them in studio 2."}, token)["ticket_id"]  # fmt: skip
    acknowledged: list[str] = []
    errors: list[str] = []
    stop = threading.Event()

    def reply() -> None:
        while not stop.is_set():
            body = f"Reply number {len(acknowledged)}"
            try:
                _post(f"{base}/ticket/{ticket}", {"message": body}, token)
            except urllib.error.HTTPError as exc:  # pragma: no cover - reported below
                errors.append(f"{exc}: {exc.read()!r}")
                return
            except OSError as exc:  # pragma: no cover - reported below
                errors.append(str(exc))
                return
            acknowledged.append(body)

    writer = threading.Thread(target=reply)
    writer.start()
    try:
        while len(acknowledged) < 20 and not errors:
            time.sleep(0.05)
        before = len(acknowledged)
        _frontdesk("backup", str(tmp_path / "backup"), data_dir=tmp_path / "data")
        after = len(acknowledged)
        while len(acknowledged) < after + 10 and not errors:  # the desk writes on after it
            time.sleep(0.05)
    finally:
        stop.set()
        writer.join(timeout=30)
    assert errors == []

    fresh = tmp_path / "fresh"
    _frontdesk("restore", str(tmp_path / "backup"), data_dir=fresh)
    with closing(sqlite3.connect(fresh / "frontdesk.sqlite3")) as restored:
        assert restored.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = restored.execute(
            "SELECT body FROM tickets_message WHERE body LIKE 'Reply number %' ORDER BY id"
        )
        replies = [row[0] for row in rows]
    assert before <= len(replies) <= after + 1  # one reply may have been in flight
    assert replies == acknowledged[: len(replies)]
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["row_counts"]["tickets_message"] == len(replies) + 1


def test_serve_copies_the_database_before_applying_migrations(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _frontdesk("migrate", data_dir=data)
    _frontdesk("migrate", "accounts", "0009", data_dir=data)  # as if the code were newer
    env = {**os.environ, "FRONTDESK_DATA_DIR": str(data), "FRONTDESK_MIGRATE_COPIES": "2"}
    env.pop("DATABASE_URL", None)
    for _run in range(3):
        process = subprocess.Popen(
            [sys.executable, "-m", "frontdesk.cli", "serve", "--port", str(free_port()),
             "--no-worker"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        assert process.stdout is not None
        first_line = process.stdout.readline()
        process.terminate()
        process.wait(timeout=20)
        assert "Migrations are pending, so the database was first copied to" in first_line
        copy = Path(first_line.split("copied to ")[1].split(" (")[0])
        with closing(sqlite3.connect(copy)) as before:
            applied = {row[0] for row in before.execute(
                "SELECT name FROM django_migrations WHERE app = 'accounts'")}  # fmt: skip
        assert "0010_session_event_kinds" not in applied and "0009_token_version" in applied
        _frontdesk("migrate", "accounts", "0009", data_dir=data)
        time.sleep(1)  # copies are named by the second
    assert len(list((data / "backups").glob("before-migrate-*.sqlite3"))) == 2

    _frontdesk("migrate", data_dir=data)
    quiet = subprocess.Popen(
        [sys.executable, "-m", "frontdesk.cli", "serve", "--port", str(free_port()), "--no-worker"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert quiet.stdout is not None
    line = quiet.stdout.readline()
    quiet.terminate()
    quiet.wait(timeout=20)
    assert "Migrations are pending" not in line
