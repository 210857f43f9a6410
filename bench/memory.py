"""What a web worker weighs, step by step: a fresh ``frontdesk serve --workers 1 --no-worker``
on a temporary data directory, its granian worker's RSS (psutil) after start-up (the
application imported), after a first request (``/healthz``), after one
page, one SupportMe API call, one REST API call and 50 live streams opened and closed.

    .venv/bin/python bench/memory.py [--runs 3] [--migrated] [--database-url postgres://...]

Each step is measured once the worker's RSS has stopped moving (no change for a second). By
default ``serve`` migrates the new database itself, as on a first start; ``--migrated``
migrates it first, as on any later start.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import http.cookiejar
import json
import os
import re
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
import psycopg
from _server import FRONTDESK, LOAD_TEST_ENV, free_port, stop

STREAMS = 50
STEPS = [
    "started (application imported)",
    "GET /healthz (a first request)",
    "pages: /login, sign-in, workspace",
    "SupportMe: POST /login, GET /get-open-tickets",
    "REST: GET /api/ticketing/tickets/",
    f"{STREAMS} live streams opened and closed",
    "(the serve process itself, at the end)",
]


def settled_rss(process: psutil.Process, quiet: float = 1.0, timeout: float = 30.0) -> int:
    """The process's RSS once it has not changed for ``quiet`` seconds."""
    deadline = time.monotonic() + timeout
    last, since = process.memory_info().rss, time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = process.memory_info().rss
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
    return last


def web_worker(serve: subprocess.Popen[bytes], timeout: float = 120.0) -> psutil.Process:
    """serve's one child (no job worker): granian's worker process, once it exists."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if serve.poll() is not None:
            raise SystemExit(f"serve exited with {serve.returncode}")
        children = psutil.Process(serve.pid).children()
        if children:
            return children[0]
        time.sleep(0.1)
    raise SystemExit("no web worker appeared")


def wait_listening(port: int, timeout: float = 60.0) -> None:
    """Until the port takes connections; no request is sent (one would build the URLconf)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on {port}")


def get(opener: urllib.request.OpenerDirector, url: str, token: str = "") -> bytes:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with opener.open(request, timeout=30) as answer:
        return bytes(answer.read())


def pages(base: str, data: Path) -> tuple[urllib.request.OpenerDirector, str]:
    """The login page, the form's sign-in, the workspace; the opener and the admin's password."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    page = get(opener, base + "/login").decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert csrf is not None
    password = (data / "initial_admin_password").read_text().strip()
    form = {"csrfmiddlewaretoken": csrf.group(1), "username": "admin", "password": password}
    opener.open(base + "/login", data=urllib.parse.urlencode(form).encode(), timeout=30).read()
    get(opener, base + "/")
    return opener, password


def supportme(base: str, password: str) -> tuple[str, int]:
    body = json.dumps({"username": "admin", "password": password}).encode()
    request = urllib.request.Request(
        base + "/login", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        token = json.loads(answer.read())["access_token"]
    payload = token.split(".")[1]
    user_id = int(json.loads(base64.urlsafe_b64decode(payload + "=="))["user_id"])
    get(urllib.request.build_opener(), f"{base}/get-open-tickets/{user_id}", token)
    return token, user_id


def live_streams(port: int, opener: urllib.request.OpenerDirector) -> None:
    jar = next(
        handler.cookiejar
        for handler in opener.handlers
        if isinstance(handler, urllib.request.HTTPCookieProcessor)
    )
    cookies = "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)
    streams = []
    for _ in range(STREAMS):
        stream = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        stream.request("GET", "/live/events", headers={"Cookie": cookies})
        response = stream.getresponse()
        assert response.status == 200, response.status
        response.fp.readline()  # the first frame: the stream is being served
        streams.append(stream)
    time.sleep(1.5)  # a heartbeat: each stream checks its session
    for stream in streams:
        stream.close()
    time.sleep(1)


@contextmanager
def fresh_database(server_url: str | None) -> Iterator[str | None]:
    """A new, empty PostgreSQL database on the server of ``server_url`` for one run (dropped
    after), or None for SQLite."""
    if not server_url:
        yield None
        return
    name = f"fd_memory_{os.getpid()}_{int(time.monotonic() * 1000)}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def one_run(server_url: str | None, *, migrated: bool) -> list[int]:
    with (
        tempfile.TemporaryDirectory(prefix="fd-memory-") as folder,
        fresh_database(server_url) as database_url,
    ):
        data = Path(folder)
        env = {
            **os.environ,
            **LOAD_TEST_ENV,
            "FRONTDESK_DATA_DIR": str(data),
            "FRONTDESK_LIVE_STREAMS_PER_USER": "0",
            "FRONTDESK_LIVE_STREAMS_PER_IP": "0",
            "FRONTDESK_LIVE_HEARTBEAT_SECONDS": "1",
        }
        env.pop("REDIS_URL", None)
        env.pop("DATABASE_URL", None)
        if database_url:
            env["DATABASE_URL"] = database_url
        if migrated:  # else serve migrates the new database itself, as on a first start
            subprocess.run([str(FRONTDESK), "migrate", "--verbosity", "0"], env=env, check=True)
        port = free_port()
        serve = subprocess.Popen(
            [str(FRONTDESK), "serve", "--port", str(port), "--workers", "1", "--no-worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            wait_listening(port)
            worker = web_worker(serve)
            base = f"http://127.0.0.1:{port}"
            state: dict[str, object] = {}

            def first_request() -> None:
                get(urllib.request.build_opener(), base + "/healthz")

            def page_step() -> None:
                state["opener"], state["password"] = pages(base, data)

            def supportme_step() -> None:
                state["token"], _ = supportme(base, str(state["password"]))

            def rest_step() -> None:
                get(
                    urllib.request.build_opener(),
                    base + "/api/ticketing/tickets/",
                    str(state["token"]),
                )

            def streams_step() -> None:
                live_streams(port, state["opener"])  # type: ignore[arg-type]

            actions: list[Callable[[], None]] = [
                lambda: None,
                first_request,
                page_step,
                supportme_step,
                rest_step,
                streams_step,
            ]
            found = []
            for action in actions:
                action()
                found.append(settled_rss(worker))
            found.append(psutil.Process(serve.pid).memory_info().rss)
            return found
        finally:
            stop(serve)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--database-url",
        help="PostgreSQL instead of SQLite: a new database on this server for each run",
    )
    parser.add_argument(
        "--migrated",
        action="store_true",
        help="migrate the new database before serve starts (else serve does, as on a first start)",
    )
    args = parser.parse_args()
    runs = [one_run(args.database_url, migrated=args.migrated) for _ in range(args.runs)]
    print(
        f"| web worker RSS, MB (runs 1-{args.runs}) | "
        + " | ".join(f"run {n}" for n in range(1, args.runs + 1))
        + " |"
    )
    print("|---|" + "---:|" * args.runs)
    for index, step in enumerate(STEPS):
        cells = " | ".join(f"{run[index] / 2**20:.1f}" for run in runs)
        print(f"| {step} | {cells} |")


if __name__ == "__main__":
    main()
