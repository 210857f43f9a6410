"""Redis goes away under a running desk (the production profile: REDIS_URL set), then comes
back. A real ``frontdesk serve`` and a real, throw-away ``redis-server`` that the test stops
and starts again: nothing a person or an API client does answers 500, a committed write is
never answered as an error, and live updates resume without a restart."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from ..cli.test_serve import free_port

PASSWORD = "securepassword"


class RedisProcess:
    """A redis-server of the test's own, on its own port, that can be stopped and restarted."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_timeout=1)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        pytest.fail("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def redis_server() -> Iterator[RedisProcess]:
    server = RedisProcess(free_port())
    server.start()
    yield server
    server.stop()


@dataclass
class Desk:
    base: str
    process: subprocess.Popen[str]
    data: Path

    def output(self) -> str:
        """Everything the server wrote (it is stopped to read it)."""
        self.process.terminate()
        return self.process.communicate(timeout=30)[0]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.communicate(timeout=30)


def start_desk(data: Path, **env_extra: str) -> Desk:
    """``frontdesk serve`` (no job worker) on a data directory of its own, up and answering."""
    port = free_port()
    env = {**os.environ, "FRONTDESK_DATA_DIR": str(data), **env_extra}
    if "DATABASE_URL" not in env_extra:
        env.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "frontdesk.cli", "serve", "--port", str(port), "--no-worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if call(base, "GET", "/login", accept="text/html")[0] == 200:
                return Desk(base, process, data)
        except OSError:
            if process.poll() is not None:
                pytest.fail(process.stdout.read() if process.stdout else "server died")
            time.sleep(0.2)
    process.kill()
    pytest.fail("frontdesk serve did not come up")


@pytest.fixture
def desk(tmp_path: Path, redis_server: RedisProcess) -> Iterator[Desk]:
    started = start_desk(
        tmp_path / "data",
        REDIS_URL=redis_server.url,
        FRONTDESK_REDIS_RETRY_SECONDS="1",
        FRONTDESK_LIVE_HEARTBEAT_SECONDS="1",  # an open stream notices the outage within 1 s
    )
    yield started
    started.stop()


def call(
    base: str,
    method: str,
    path: str,
    body: object = None,
    *,
    token: str = "",
    cookie: str = "",
    form: dict[str, str] | None = None,
    accept: str = "application/json",
    timeout: float = 10,
) -> tuple[int, dict[str, str], bytes]:
    """One request; (status, headers, body). Never follows redirects."""
    parts = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    headers = {"Accept": accept}
    data: bytes | None = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if cookie:
        headers["Cookie"] = cookie
    try:
        connection.request(method, path, data, headers)
        response = connection.getresponse()
        if response.getheader("Content-Type", "").startswith("text/event-stream"):
            answer = response.readline()  # a stream never ends: its first line is enough
        else:
            answer = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, answer
    finally:
        connection.close()


def token_of(base: str, path: str, body: dict[str, str]) -> str:
    status, _, answer = call(base, "POST", path, body)
    assert status == 200, answer
    return str(json.loads(answer)["access_token"])


def sign_in_page(base: str, username: str, password: str) -> tuple[int, str]:
    """Sign in through the form as a browser does: (status, the Cookie header to send)."""
    status, headers, page = call(base, "GET", "/login", accept="text/html")
    assert status == 200
    csrf_cookie = re.search(r"csrftoken=([^;]+)", headers.get("set-cookie", ""))
    csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert csrf_cookie and csrf
    cookie = f"csrftoken={csrf_cookie.group(1)}"
    form = {"csrfmiddlewaretoken": csrf.group(1).decode(), "username": username}
    form["password"] = password
    status, headers, _ = call(base, "POST", "/login", form=form, cookie=cookie, accept="text/html")
    session = re.search(r"sessionid=([^;]+)", headers.get("set-cookie", ""))
    if session is None:
        return status, cookie
    return status, f"{cookie}; sessionid={session.group(1)}"


def csrf_of(cookie: str) -> str:
    match = re.search(r"csrftoken=([^;]+)", cookie)
    assert match
    return match.group(1)


def test_a_redis_outage_degrades_and_recovers_without_a_restart(
    desk: Desk, redis_server: RedisProcess
) -> None:
    base = desk.base
    admin_password = (desk.data / "initial_admin_password").read_text().strip()
    admin = token_of(base, "/login", {"username": "admin", "password": admin_password})
    customer = token_of(
        base,
        "/register",
        {"username": "John", "email": "john@example.net", "password": PASSWORD},
    )
    status, _, answer = call(
        base,
        "POST",
        "/ticket/new",
        {"ticket_title": "Heating is broken", "message": "Studio 2 is cold."},
        token=customer,
    )
    assert status == 200, answer
    ticket = json.loads(answer)["ticket_id"]
    _, agent_cookie = sign_in_page(base, "admin", admin_password)
    assert (
        call(base, "GET", "/live/events", cookie=agent_cookie, accept="text/event-stream")[0] == 200
    )

    redis_server.stop()

    # A SupportMe message: saved once, and answered as saved (clients retry an error).
    status, _, answer = call(
        base, "POST", f"/ticket/{ticket}", {"message": "Still cold."}, token=customer
    )
    assert status == 200, answer
    status, _, answer = call(base, "GET", f"/get-messages/{ticket}", token=customer)
    assert status == 200, answer
    bodies = [m["body"] for m in json.loads(answer)["message_list"]]
    assert bodies.count("Still cold.") == 1

    # Sign-in on both faces (rate limits count in this process meanwhile).
    assert token_of(base, "/login", {"username": "John", "password": PASSWORD})
    status, cookie = sign_in_page(base, "admin", admin_password)
    assert status == 302 and "sessionid=" in cookie

    # The REST API, reading and writing.
    status, _, answer = call(base, "GET", "/api/ticketing/tickets/", token=admin)
    assert status == 200, answer
    status, _, answer = call(
        base,
        "POST",
        f"/api/ticketing/tickets/{ticket}/add_comment/",
        {"content": "On our way."},
        token=admin,
    )
    assert status == 201, answer

    # The workspace and the ticket page, which say that live updates are paused.
    for path in ("/home", f"/ticket/{ticket}"):
        status, _, page = call(base, "GET", path, cookie=cookie, accept="text/html")
        assert status == 200, page[:500]
        paused = re.search(
            rb'<p class="live-paused" id="live-paused" role="status"( hidden)?>', page
        )
        assert paused and paused.group(1) is None, path

    # Presence still answers; the live stream cannot work and says so.
    presence = {"state": "viewing", "csrfmiddlewaretoken": csrf_of(cookie)}
    status, _, answer = call(base, "POST", f"/live/presence/{ticket}", form=presence, cookie=cookie)
    assert status == 200, answer
    assert json.loads(answer)["people"][0]["state"] == "viewing"
    status, headers, _ = call(
        base, "GET", "/live/events", cookie=cookie, accept="text/event-stream"
    )
    assert status == 503 and headers["retry-after"].isdigit()

    # Redis returns: live updates resume, no restart.
    redis_server.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = call(base, "GET", "/live/events", cookie=cookie, accept="text/event-stream")[0]
        if status == 200:
            break
        time.sleep(0.3)
    assert status == 200
    status, _, page = call(base, "GET", "/home", cookie=cookie, accept="text/html")
    assert b'id="live-paused" role="status" hidden' in page

    # One line for the incident and one for the recovery, not a traceback per request.
    output = desk.output()
    assert output.count("Redis is unavailable") == 1, output
    assert output.count("Redis answers again") == 1, output
    assert "Traceback" not in output, output
    assert " 500 " not in output


def test_a_hung_redis_does_not_hold_requests(desk: Desk, redis_server: RedisProcess) -> None:
    """SIGSTOP: Redis's port still accepts connections, and nothing answers. Requests that
    each touch Redis (rate limits, the job queue, live announcements) all finish, each within
    a client timeout that a request waiting on Redis unboundedly would exceed (a liveness
    check, not a timing budget: the breaker's skipping is counted in test_redis_breaker.py)."""
    base = desk.base
    customer = token_of(
        base,
        "/register",
        {"username": "John", "email": "john@example.net", "password": PASSWORD},
    )
    status, _, answer = call(
        base,
        "POST",
        "/ticket/new",
        {"ticket_title": "Heating is broken", "message": "Studio 2 is cold."},
        token=customer,
    )
    ticket = json.loads(answer)["ticket_id"]
    assert redis_server.process is not None
    redis_server.process.send_signal(signal.SIGSTOP)
    try:
        for number in range(10):
            status, _, answer = call(
                base,
                "POST",
                f"/ticket/{ticket}",
                {"message": f"Still cold ({number})."},
                token=customer,
                timeout=10,
            )
            assert status == 200, answer
            status, _, answer = call(base, "GET", "/api/ticketing/tickets/", token=customer)
            assert status == 200, answer
    finally:
        redis_server.process.send_signal(signal.SIGCONT)
    status, _, answer = call(base, "GET", f"/get-messages/{ticket}", token=customer)
    bodies = [m["body"] for m in json.loads(answer)["message_list"]]
    saved = sorted(b for b in bodies if b.startswith("Still cold"))
    assert saved == [f"Still cold ({number})." for number in range(10)]  # each once


def test_the_worker_waits_out_a_redis_outage_quietly_and_takes_up_the_queue_again(
    tmp_path: Path, redis_server: RedisProcess
) -> None:
    from huey.contrib.djhuey import HUEY

    from frontdesk.accounts.recovery import reset_mail_job
    from frontdesk.core.jobs import GuardedRedisHuey

    env = {
        **os.environ,
        "FRONTDESK_DATA_DIR": str(tmp_path / "data"),
        "REDIS_URL": redis_server.url,
        "FRONTDESK_REDIS_RETRY_SECONDS": "1",
    }
    env.pop("DATABASE_URL", None)
    frontdesk = [sys.executable, "-m", "frontdesk.cli"]
    subprocess.run([*frontdesk, "migrate", "-v0"], env=env, check=True)
    worker = subprocess.Popen(
        [*frontdesk, "worker", "--threads", "2", "--no-periodic"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(worker.stdout or []), daemon=True)
    reader.start()

    def wait_for(text: str) -> None:
        deadline = time.monotonic() + 60
        while not any(text in line for line in lines) and time.monotonic() < deadline:
            time.sleep(0.1)

    try:
        wait_for("Huey consumer started")
        redis_server.stop()
        wait_for("Redis is unavailable")
        time.sleep(2)  # more of the worker's reads fail meanwhile: none is logged again
        redis_server.start()
        # A job queued once Redis is back is taken up by the same worker.
        queue = GuardedRedisHuey("frontdesk", url=redis_server.url)
        queue._registry = HUEY._registry
        queue.enqueue(reset_mail_job.s(0))
        store = redis.Redis.from_url(redis_server.url)
        deadline = time.monotonic() + 30
        while store.llen("huey.redis.frontdesk") and time.monotonic() < deadline:
            time.sleep(0.2)
        assert store.llen("huey.redis.frontdesk") == 0
        assert worker.poll() is None
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        reader.join(timeout=10)
    output = "".join(lines)
    assert output.count("Redis is unavailable") == 1, output
    assert output.count("Redis answers again") == 1, output
    assert "Traceback" not in output, output
