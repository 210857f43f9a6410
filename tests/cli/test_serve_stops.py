"""``frontdesk serve`` stops when told, also with live streams open, takes its children with
it when it dies, and refuses to start on a port in use (core/lifecycle.py, serve's stop
deadlines). tests/faults/test_serve_stops_often.py stops it twenty times per signal."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.cli.test_serve import free_port
from tests.cli.test_serve_streams import sign_in

pytestmark = pytest.mark.limits


def _start(data: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {**os.environ, "FRONTDESK_DATA_DIR": str(data)}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "frontdesk.cli", "serve", "--port", str(port), "--threads", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=1)
            return process, port
        except OSError:
            assert process.poll() is None, "serve died while starting"
            time.sleep(0.2)
    process.kill()
    pytest.fail("serve did not answer within 60 s")


def _open_streams(port: int, data: Path, count: int) -> list[http.client.HTTPConnection]:
    cookies = sign_in(port, data)
    streams = []
    for _ in range(count):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/live/events", headers={"Cookie": cookies})
        response = connection.getresponse()
        assert response.status == 200
        response.fp.readline()  # the stream is being served
        streams.append(connection)
    return streams


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    return [int(line) for line in found.stdout.split()]


def port_refuses(port: int) -> bool:
    """Whether connecting to ``port`` is refused, within two seconds: on a loaded machine the
    kernel may still be tearing down the last listener (a reset, not a refusal)."""
    deadline = time.monotonic() + 2
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2)
        except ConnectionRefusedError:
            return True
        except OSError as exc:
            if isinstance(exc.__cause__ or getattr(exc, "reason", None), ConnectionRefusedError):
                return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"  # exited, not yet reaped


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl+C"])
def test_serve_stops_within_ten_seconds_with_streams_open(
    tmp_path: Path, stop_signal: signal.Signals
) -> None:
    for trial in range(1):  # twenty times per signal: tests/faults/test_serve_stops_often.py
        data = tmp_path / f"data-{trial}"
        process, port = _start(data)
        children = _children(process.pid)
        streams = _open_streams(port, data, 3)
        started = time.monotonic()
        stop_within_ten_seconds(process, stop_signal, streams, trial)
        assert time.monotonic() - started < 10
        assert children and all(_gone(child) for child in children)


def stop_within_ten_seconds(
    process: subprocess.Popen[bytes],
    stop_signal: signal.Signals,
    streams: list[http.client.HTTPConnection],
    trial: int,
) -> None:
    """Send ``stop_signal`` and wait for serve to exit (killed and failed after ten seconds);
    the open streams are closed either way."""
    process.send_signal(stop_signal)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"trial {trial}: serve still running 10 s after {stop_signal.name}")
    finally:
        for stream in streams:
            stream.close()


def test_children_die_with_a_killed_serve_and_free_the_port(tmp_path: Path) -> None:
    process, port = _start(tmp_path / "data")
    children = _children(process.pid)
    assert len(children) >= 2  # the web worker and the job worker
    process.kill()
    process.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not all(_gone(child) for child in children):
        time.sleep(0.1)
    assert all(_gone(child) for child in children)
    assert port_refuses(port)


@pytest.mark.parametrize("reuse_port", [False, True], ids=["a listener", "a granian-like listener"])
def test_serve_refuses_a_port_in_use_before_starting_anything(
    tmp_path: Path, reuse_port: bool
) -> None:
    """Granian binds with SO_REUSEPORT, so a second server would start beside the first and
    share its connections; ``serve`` says so in one line and stops, having started nothing."""
    with socket.socket() as listener:
        if reuse_port:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        env = {**os.environ, "FRONTDESK_DATA_DIR": str(tmp_path / "data")}
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        refused = subprocess.run(
            [sys.executable, "-m", "frontdesk.cli", "serve", "--port", str(port)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert refused.returncode != 0
    assert refused.stderr.strip().splitlines() == [
        f"CommandError: Port {port} on 127.0.0.1 is already in use (another `frontdesk "
        "serve`?): stop it, or choose another port with --port."
    ]
    assert "Frontdesk is at" not in refused.stdout
    assert not (tmp_path / "data" / "frontdesk.sqlite3").exists()  # not even migrated
