"""Live streams take no request thread of a real ``frontdesk serve``: with 4 request threads,
24 open pages each get their stream, and the sign-in page still answers at once."""

from __future__ import annotations

import http.client
import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_serve import free_port

pytestmark = pytest.mark.limits


@pytest.fixture
def four_request_threads(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    port = free_port()
    env = {
        **os.environ,
        "FRONTDESK_DATA_DIR": str(tmp_path / "data"),
        # One user, one address, many pages: the per-user and per-address caps are off.
        "FRONTDESK_LIVE_STREAMS_PER_USER": "0",
        "FRONTDESK_LIVE_STREAMS_PER_IP": "0",
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "frontdesk.cli",
            "serve",
            "--port",
            str(port),
            "--threads",
            "4",
            "--no-worker",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=1)
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail(process.stdout.read() if process.stdout else "server died")
            time.sleep(0.2)
    yield port, tmp_path / "data"
    process.terminate()
    process.wait(timeout=20)


def sign_in(port: int, data: Path) -> str:
    """The Cookie header of an admin signed in through the login page."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{port}"
    page = opener.open(base + "/login", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    password = (data / "initial_admin_password").read_text().strip()
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1), "username": "admin", "password": password}
    ).encode()
    opener.open(base + "/login", data=form, timeout=10).read()
    cookies = "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)
    assert "sessionid=" in cookies
    return cookies


def test_streams_take_no_request_thread(
    four_request_threads: tuple[int, Path],
) -> None:
    port, data = four_request_threads
    cookies = sign_in(port, data)
    streams: list[http.client.HTTPConnection] = []
    statuses = []
    try:
        for _ in range(24):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", "/live/events", headers={"Cookie": cookies})
            response = connection.getresponse()
            statuses.append(response.status)
            if response.status == 200:
                response.fp.readline()  # the first frame: the stream is being served
            streams.append(connection)
        assert statuses == [200] * 24
        started = time.monotonic()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as page:
            assert page.status == 200
        assert time.monotonic() - started < 5
    finally:
        for connection in streams:
            connection.close()
