"""Infrastructure failures answered as such (core/outage.py): the database locked or away, the
disk full. A real ``frontdesk serve`` meets a real fault: a SQLite write lock held by another
program, a PostgreSQL database that refuses connections, a tmpfs that is full. The answer is
503 (507 for the disk) with Retry-After, JSON on both APIs and a plain page for people, one log
line per incident, and the desk works again by itself once the fault is gone.

Each starts its own server (and migrates its own database): tens of seconds, so they run in
the slow fault lane (tests/faults, `make test-faults` once that lane is set up)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from ..core.test_outage_redis import PASSWORD, Desk, call, sign_in_page, start_desk, token_of

POSTGRES = os.environ.get("FRONTDESK_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")


def _customer_and_ticket(desk: Desk) -> tuple[str, int]:
    customer = token_of(
        desk.base,
        "/register",
        {"username": "John", "email": "john@example.net", "password": PASSWORD},
    )
    status, _, answer = call(
        desk.base,
        "POST",
        "/ticket/new",
        {"ticket_title": "Heating is broken", "message": "Studio 2 is cold."},
        token=customer,
    )
    assert status == 200, answer
    return customer, int(json.loads(answer)["ticket_id"])


def _assert_unavailable(desk: Desk, customer: str, ticket: int, *, status: int = 503) -> None:
    """Every face answers ``status`` with Retry-After, in its own format."""
    # The SupportMe API: JSON in the seed's shape.
    got, headers, answer = call(
        desk.base, "POST", f"/ticket/{ticket}", {"message": "Any news?"}, token=customer
    )
    assert got == status, answer
    assert headers["retry-after"].isdigit()
    assert isinstance(json.loads(answer)["error"], str)
    # The REST API: JSON in its own error shape.
    got, headers, answer = call(
        desk.base,
        "POST",
        f"/api/ticketing/tickets/{ticket}/add_comment/",
        {"content": "Any news?"},
        token=customer,
    )
    assert got == status, answer
    assert headers["retry-after"].isdigit()
    assert json.loads(answer)["error"]["code"] == "unavailable"
    # A person signing in: a plain page that says what happened.
    got, _ = sign_in_page(desk.base, "John", PASSWORD)
    assert got == status


def _assert_logged_once(output: str, status: int) -> None:
    lines = [line for line in output.splitlines() if f"answered {status}" in line]
    assert len(lines) == 1, output
    assert output.count("Traceback") <= 1, output  # the first line of an incident only
    assert "Internal Server Error" not in output, output


def test_a_locked_sqlite_database_answers_503_and_recovers(tmp_path: Path) -> None:
    desk = start_desk(tmp_path / "data", FRONTDESK_SQLITE_TIMEOUT="1")
    try:
        customer, ticket = _customer_and_ticket(desk)
        # Another program holds SQLite's write lock (as a long `sqlite3` shell session would).
        holder = sqlite3.connect(tmp_path / "data" / "frontdesk.sqlite3", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            _assert_unavailable(desk, customer, ticket)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        status, _, answer = call(
            desk.base, "POST", f"/ticket/{ticket}", {"message": "Any news?"}, token=customer
        )
        assert status == 200, answer
    finally:
        output = desk.output()
    _assert_logged_once(output, 503)


@pytest.fixture
def postgres_database() -> Iterator[str]:
    name = f"fd_outage_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(POSTGRES, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_postgresql_outage_answers_503_and_recovers(
    tmp_path: Path, postgres_database: str
) -> None:
    url = POSTGRES.rsplit("/", 1)[0] + "/" + postgres_database
    desk = start_desk(tmp_path / "data", DATABASE_URL=url, DATABASE_POOL_TIMEOUT="1")
    try:
        customer, ticket = _customer_and_ticket(desk)
        with psycopg.connect(POSTGRES, autocommit=True) as admin:
            # The database goes away: no new connections, and every open one is cut.
            admin.execute(f'ALTER DATABASE "{postgres_database}" ALLOW_CONNECTIONS false')
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (postgres_database,),
            )
            try:
                _assert_unavailable(desk, customer, ticket)
            finally:
                admin.execute(f'ALTER DATABASE "{postgres_database}" ALLOW_CONNECTIONS true')
        status, _, answer = call(
            desk.base, "POST", f"/ticket/{ticket}", {"message": "Any news?"}, token=customer
        )
        assert status == 200, answer
    finally:
        output = desk.output()
    _assert_logged_once(output, 503)


def _mount_tmpfs(path: Path, size: str) -> None:
    path.mkdir(parents=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A data directory on a small file system of its own (48 MiB: the database fits)."""
    data = tmp_path / "data"
    _mount_tmpfs(data, "48m")
    yield data
    subprocess.run(["umount", "-l", str(data)], check=False)


def test_an_upload_on_a_full_disk_answers_507_and_leaves_no_file(small_disk: Path) -> None:
    # The free-space guard off: the write itself meets the full disk, part-way.
    desk = start_desk(small_disk, FRONTDESK_MIN_FREE_DISK_BYTES="0")
    try:
        customer, ticket = _customer_and_ticket(desk)
        attachments = small_disk / "attachments"
        before = _files_under(attachments)
        free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
        # Fill the disk but for a little, then send a file larger than what is left.
        (small_disk / "filler").write_bytes(b"\0" * max(0, free - 64 * 1024))
        body, boundary = _multipart(ticket, "notes.txt", b"x" * (256 * 1024))
        status, headers, answer = _post_multipart(
            desk, "/api/ticketing/attachments/", body, boundary, customer
        )
        assert status == 507, answer
        assert headers["retry-after"].isdigit()
        assert _files_under(attachments) == before  # no partial file, no temporary one
        (small_disk / "filler").unlink()
        status, _, answer = _post_multipart(
            desk, "/api/ticketing/attachments/", body, boundary, customer
        )
        assert status == 201, answer
    finally:
        output = desk.output()
    _assert_logged_once(output, 507)


def _files_under(directory: Path) -> list[str]:
    return sorted(str(p) for p in directory.rglob("*") if not p.is_dir())


def _multipart(ticket: int, name: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    field = f'--{boundary}\r\nContent-Disposition: form-data; name="ticket"\r\n\r\n{ticket}\r\n'
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    )
    return (field + head).encode() + content + f"\r\n--{boundary}--\r\n".encode(), boundary


def _post_multipart(
    desk: Desk, path: str, body: bytes, boundary: str, token: str
) -> tuple[int, dict[str, str], bytes]:
    import http.client
    import urllib.parse

    parts = urllib.parse.urlsplit(desk.base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(
            "POST",
            path,
            body,
            {
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
            },
        )
        response = connection.getresponse()
        answer = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, answer
    finally:
        connection.close()
