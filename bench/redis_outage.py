"""What a Redis outage costs a request: ``frontdesk serve`` (SQLite, REDIS_URL set, no job
worker) with its own ``redis-server``, one client posting SupportMe replies and listing tickets
through the REST API, first with Redis up, then stopped (killed), then hung (SIGSTOP: the port
accepts, nothing answers). Prints per phase the answers by status and the latency p50/p95/max.

    .venv/bin/python bench/redis_outage.py [--requests 80] [--timeout 60]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


TIMEOUT = 60.0  # seconds the client waits for an answer (--timeout)


def request(base: str, method: str, path: str, body: object, token: str) -> tuple[int, float]:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    req = urllib.request.Request(base + path, data, headers, method=method)
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError:
        status = 0  # no answer within the client's timeout
    return status, time.perf_counter() - started


def phase(base: str, token: str, ticket: int, count: int) -> tuple[Counter[int], list[float]]:
    statuses: Counter[int] = Counter()
    times: list[float] = []
    for number in range(count):
        for method, path, body in (
            ("POST", f"/ticket/{ticket}", {"message": f"Reply number {number}"}),
            ("GET", "/api/ticketing/tickets/", None),
        ):
            status, seconds = request(base, method, path, body, token)
            statuses[status] += 1
            times.append(seconds)
        time.sleep(0.1)  # paced: a phase lasts longer than the breaker's 5 s wait
    return statuses, times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=80, help="replies (and lists) per phase")
    parser.add_argument("--timeout", type=float, default=60.0, help="client timeout, seconds")
    arguments = parser.parse_args()
    count = arguments.requests
    global TIMEOUT  # a script's one setting
    TIMEOUT = arguments.timeout
    redis_port, port = free_port(), free_port()
    redis = subprocess.Popen(
        ["redis-server", "--port", str(redis_port), "--save", ""], stdout=subprocess.DEVNULL
    )
    data = tempfile.mkdtemp(prefix="fd-redis-outage-")
    env = {
        **os.environ,
        "FRONTDESK_DATA_DIR": data,
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "FRONTDESK_RATE_REPLY": "0/minute",
        "FRONTDESK_RATE_API": "0/minute",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DATABASE_URL", None)
    serve = subprocess.Popen(
        [sys.executable, "-m", "frontdesk.cli", "serve", "--port", str(port), "--no-worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/login", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        register = {"username": "Bench", "email": "bench@example.com", "password": "bench-pw-12"}
        req = urllib.request.Request(
            base + "/register", json.dumps(register).encode(), method="POST"
        )
        token = json.loads(urllib.request.urlopen(req).read())["access_token"]
        req = urllib.request.Request(
            base + "/ticket/new",
            json.dumps(
                {"ticket_title": "Heating is broken", "message": "Studio 2 is cold."}
            ).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            method="POST",
        )
        ticket = json.loads(urllib.request.urlopen(req).read())["ticket_id"]
        print(f"| Redis | answers | p50 ms | p95 ms | max ms | ({count} replies + {count} lists)")
        print("|---|---|---|---|---|")
        for name in ("up", "stopped", "hung"):
            if name == "stopped":
                redis.kill()
                redis.wait()
            if name == "hung":
                redis = subprocess.Popen(
                    ["redis-server", "--port", str(redis_port), "--save", ""],
                    stdout=subprocess.DEVNULL,
                )
                time.sleep(6)  # past the breaker's wait: the server uses Redis again
                phase(base, token, ticket, 2)
                redis.send_signal(signal.SIGSTOP)
            statuses, times = phase(base, token, ticket, count)
            times.sort()
            p95 = times[int(len(times) * 0.95) - 1]
            answers = ", ".join(f"{n} x {s or 'timeout'}" for s, n in sorted(statuses.items()))
            print(
                f"| {name} | {answers} | {statistics.median(times) * 1000:.0f} "
                f"| {p95 * 1000:.0f} | {times[-1] * 1000:.0f} |"
            )
    finally:
        redis.send_signal(signal.SIGCONT)
        redis.kill()
        serve.terminate()
        serve.wait(timeout=30)


if __name__ == "__main__":
    main()
