"""The production profile, really started: two app processes and one worker on PostgreSQL and
Redis. A message posted through one process reaches a browser's stream on the other (the
threaded stream and the async live endpoint), and a queued job runs exactly once.

It makes its own PostgreSQL database and Redis prefix, whatever database the rest of the suite
uses, so it runs in both of CI's passes.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
import redis

from ..cli.test_serve import free_port

POSTGRES = os.environ.get("FRONTDESK_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("FRONTDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PASSWORD = "securepassword"


@dataclass
class Profile:
    env: dict[str, str]
    app_a: str  # WSGI process A (pages and APIs)
    app_b: str  # WSGI process B
    live: str  # the async live endpoint started by B (--live-port)


def _frontdesk(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "frontdesk.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_until_up(base: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/live/events", timeout=1)  # noqa: S310 - loopback
            return
        except urllib.error.HTTPError:
            return  # it answered (404 or a redirect to sign in)
        except OSError:
            if process.poll() is not None:
                pytest.fail(process.stdout.read() if process.stdout else "process died")
            time.sleep(0.2)
    pytest.fail(f"{base} did not come up")


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Profile]:
    database = f"fd_scaleout_{uuid.uuid4().hex[:12]}"
    prefix = f"frontdesk-test-{uuid.uuid4().hex}"
    with psycopg.connect(POSTGRES, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
    env = {
        **os.environ,
        "DATABASE_URL": POSTGRES.rsplit("/", 1)[0] + "/" + database,
        "REDIS_URL": REDIS_URL,
        "FRONTDESK_REDIS_PREFIX": prefix,
        "FRONTDESK_DATA_DIR": str(tmp_path_factory.mktemp("data")),
        "FRONTDESK_LIVE_HEARTBEAT_SECONDS": "1",
    }
    subprocess.run([sys.executable, "-m", "frontdesk.cli", "migrate", "-v0"], env=env, check=True)
    port_a, port_b, port_live = free_port(), free_port(), free_port()
    app = ("serve", "--no-migrate", "--no-worker", "--port")
    processes = [
        _frontdesk(env, *app, str(port_a)),
        _frontdesk(env, *app, str(port_b), "--live-port", str(port_live)),
        _frontdesk(env, "worker", "--threads", "2"),
    ]
    try:
        urls = [f"http://127.0.0.1:{port}" for port in (port_a, port_b, port_live)]
        for url, process in zip(urls, [processes[0], processes[1], processes[1]], strict=True):
            _wait_until_up(url, process)
        yield Profile(env, *urls)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        store = redis.Redis.from_url(REDIS_URL)
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)
        with psycopg.connect(POSTGRES, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


# --- a tiny client: the SupportMe JSON API with a bearer token, pages with a session --------


def call(base: str, method: str, path: str, body: Any = None, token: str = "") -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data, headers, method=method)  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
        return json.loads(response.read() or b"null")


def register(base: str, username: str) -> str:
    """A new customer; their bearer token."""
    answer = call(
        base,
        "POST",
        "/register",
        {"username": username, "email": f"{username}@example.com", "password": PASSWORD},
    )
    return str(answer["access_token"])


def signed_in_cookies(base: str, username: str) -> str:
    """Sign in through the login form, as a browser does; the Cookie header to send."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    form = {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token[1]}
    landed = opener.open(base + "/login", urllib.parse.urlencode(form).encode(), timeout=10)
    assert landed.geturl().endswith("/home")
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


class Stream:
    """A browser's EventSource: reads the stream on a thread, queues each event's name."""

    def __init__(self, base: str, path: str, cookies: str) -> None:
        url = urllib.parse.urlsplit(base)
        self._connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=30)
        self._connection.request("GET", path, headers={"Cookie": cookies})
        self._response = self._connection.getresponse()
        assert self._response.status == 200, self._response.read()
        self.events: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            for line in self._response:
                if line.startswith(b"event: "):
                    self.events.put(line[7:].decode().strip())
        except (OSError, ValueError, AttributeError):
            return  # closed by the test

    def next_event(self, timeout: float = 10) -> str:
        return self.events.get(timeout=timeout)

    def close(self) -> None:
        self._connection.close()


def test_a_message_posted_on_one_process_reaches_streams_on_the_other(profile: Profile) -> None:
    customer_token = register(profile.app_a, "dancer")
    ticket = call(
        profile.app_a,
        "POST",
        "/ticket/new",
        {"ticket_title": "Studio heating", "message": "The heating in studio 2 is broken."},
        customer_token,
    )
    ticket_id = ticket["ticket_id"]
    cookies = signed_in_cookies(profile.app_b, "dancer")
    path = f"/live/events?ticket={ticket_id}"
    threaded, evented = Stream(profile.app_b, path, cookies), Stream(profile.live, path, cookies)
    try:
        time.sleep(0.5)  # both streams subscribed
        call(
            profile.app_a,
            "POST",
            f"/ticket/{ticket_id}",
            {"message": "Any news on the heating?"},
            customer_token,
        )
        assert threaded.next_event() == "message"
        assert evented.next_event() == "message"
    finally:
        threaded.close()
        evented.close()


def test_a_queued_job_runs_once_on_the_worker(profile: Profile) -> None:
    customer_token = register(profile.app_a, "singer")
    register(profile.app_a, "teacher")
    subprocess.run(
        [sys.executable, "-m", "frontdesk.cli", "setrole", "teacher", "agent"],
        env=profile.env,
        check=True,
        capture_output=True,
    )
    agent_token = call(
        profile.app_b, "POST", "/login", {"username": "teacher", "password": PASSWORD}
    )["access_token"]
    ticket_id = call(
        profile.app_a,
        "POST",
        "/ticket/new",
        {"ticket_title": "Lost shoes", "message": "I left my shoes in studio 1."},
        customer_token,
    )["ticket_id"]
    staff_stream = Stream(profile.live, "/live/events", signed_in_cookies(profile.app_a, "teacher"))
    try:
        time.sleep(0.5)
        # Process A queues the overdue check; the worker runs it; B's live endpoint hears it.
        call(
            profile.app_a,
            "PATCH",
            f"/api/ticketing/tickets/{ticket_id}/",
            {"due_date": "2020-01-01T09:00:00Z"},
            agent_token,
        )
        seen = {staff_stream.next_event(), staff_stream.next_event()}
        assert "message" in seen  # the worker's note
    finally:
        staff_stream.close()
    time.sleep(2)  # room for a duplicate run to show itself
    comments = call(
        profile.app_b, "GET", f"/api/ticketing/comments/?ticket={ticket_id}", token=agent_token
    )
    overdue = [c for c in comments["results"] if c["content"].startswith("Overdue:")]
    assert len(overdue) == 1
    assert overdue[0]["is_internal"] is True
    customer_view = call(profile.app_a, "GET", f"/get-messages/{ticket_id}", token=customer_token)
    assert len(customer_view["message_list"]) == 1
    assert not any("Overdue" in m["body"] for m in customer_view["message_list"])
