"""Health checks, metrics and logs of a real ``frontdesk serve --workers 2`` (two server
processes and a job worker, Redis between them), as an operator's tools meet them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .test_serve import free_port

REDIS_URL = os.environ.get("FRONTDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
TOKEN = "metrics-" + uuid.uuid4().hex
REQUEST_ID = "ops-test-" + uuid.uuid4().hex[:8]


@dataclass
class Served:
    base: str
    data: Path
    log: Path
    process: subprocess.Popen[bytes]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    port = free_port()
    data = tmp_path / "data"
    env = {
        **os.environ,
        "FRONTDESK_DATA_DIR": str(data),
        "REDIS_URL": REDIS_URL,
        "FRONTDESK_REDIS_PREFIX": f"fd-ops-{uuid.uuid4().hex[:8]}",
        "FRONTDESK_METRICS_TOKEN": TOKEN,
        "FRONTDESK_LOG_FORMAT": "json",
    }
    env.pop("DATABASE_URL", None)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log = tmp_path / "serve.log"
    with log.open("wb") as output:  # a file, not a pipe: a full pipe would stop the server
        process = subprocess.Popen(
            [sys.executable, "-m", "frontdesk.cli", "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)  # noqa: S310 - loopback
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(log.read_text())
            time.sleep(0.2)
    yield Served(base, data, log, process)
    process.terminate()
    process.wait(timeout=20)


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _send(
    url: str, body: dict[str, Any], method: str = "POST", headers: dict[str, str] | None = None
) -> tuple[dict[str, str], Any]:
    request = urllib.request.Request(  # noqa: S310 - loopback
        url, json.dumps(body).encode(), method=method, headers=headers or {}
    )
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return dict(response.headers), json.loads(response.read() or b"null")


def _scrape(served: Served) -> str:
    status, _, body = _get(served.base + "/metrics", {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200
    return body.decode()


def _count(metrics: str, route: str) -> float:
    pattern = (
        r'^frontdesk_http_request_duration_seconds_count\{method="GET",'
        rf'route="{re.escape(route)}",status="2xx"\}} (\S+)$'
    )
    found = re.search(pattern, metrics, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def _server_processes_counted(served: Served) -> set[str]:
    return {p.name for p in (served.data / "metrics").glob("histogram_*.db")}


def test_health_checks_answer(served: Served) -> None:
    status, _, body = _get(served.base + "/healthz")
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    status, headers, body = _get(served.base + "/readyz")
    assert status == 200
    assert json.loads(body)["checks"] == {
        "database": "ok",
        "redis": "ok",
        "migrations": "ok",
        "disk": "ok",
    }
    assert "Set-Cookie" not in headers


def test_metrics_add_up_every_server_process_and_need_the_token(served: Served) -> None:
    assert _get(served.base + "/metrics")[0] == 404
    assert _get(served.base + "/metrics", {"Authorization": "Bearer wrong"})[0] == 404

    # Until both server processes have answered some (each connection goes to either).
    made = 0
    while made < 20 or len(_server_processes_counted(served)) < 2:
        assert _get(served.base + "/readyz")[0] == 200
        made += 1
        assert made < 400, "one server process answered every request"

    metrics = _scrape(served)
    assert _count(metrics, "readyz") == made
    for name in (
        "frontdesk_jobs_queued",
        "frontdesk_jobs_oldest_age_seconds",
        'frontdesk_outbox_mails{status="pending"}',
        "frontdesk_live_streams_open",
        'frontdesk_metrics_source_up{source="jobs"} 1.0',
    ):
        assert name in metrics


def test_json_logs_carry_the_request_id_into_the_job_it_queued(served: Served) -> None:
    password = (served.data / "initial_admin_password").read_text().strip()
    admin = _send(served.base + "/login", {"username": "admin", "password": password})[1]
    bearer = {"Authorization": f"Bearer {admin['access_token']}"}
    customer = _send(
        served.base + "/register",
        {"username": "John", "email": "john@website.net", "password": "securepassword"},
    )[1]
    ticket = _send(
        served.base + "/ticket/new",
        {"ticket_title": "Heating broken", "message": "Studio 2 is freezing cold."},
        headers={"Authorization": f"Bearer {customer['access_token']}"},
    )[1]["ticket_id"]

    # An overdue date queues the SLA job; the request names itself.
    headers, _ = _send(
        f"{served.base}/api/ticketing/tickets/{ticket}/",
        {"due_date": "2020-01-01T09:00:00Z"},
        method="PATCH",
        headers={**bearer, "X-Request-ID": REQUEST_ID},
    )
    assert headers["x-request-id"] == REQUEST_ID
    generated = _get(served.base + "/healthz", {"X-Request-ID": "not a sane id"})[1]
    assert re.fullmatch(r"[0-9a-f]{32}", generated["x-request-id"])

    deadline = time.monotonic() + 30
    while True:
        records = [
            json.loads(line) for line in served.log.read_text().splitlines() if line.startswith("{")
        ]
        mine = [r for r in records if r.get("request_id") == REQUEST_ID]
        if any(r["logger"] != "frontdesk.access" for r in mine) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    access = [r for r in mine if r["logger"] == "frontdesk.access"]
    assert len(access) == 1
    assert access[0]["route"] == "api/ticketing/tickets/<int:ticket_id>/"
    assert access[0]["status"] == 200
    assert access[0]["method"] == "PATCH"
    job_lines = [r for r in mine if r["logger"].startswith("huey")]
    assert job_lines, "no job log line carries the request's id"
    assert {"time", "level", "message"} <= set(job_lines[0])
