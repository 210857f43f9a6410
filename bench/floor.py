"""What one request costs the server when nothing else is going on: the seed's design and
Frontdesk, the same SupportMe reads, one client, one request at a time.

    .venv/bin/python bench/floor.py [--requests 2000] [--rounds 2] [--peer PATH]

Each server is pinned to core 0 and this client to core 1: the seed's design as
bench/flow.py's ``--peer`` starts it but with one gunicorn worker, and ``frontdesk serve
--workers 1`` (its job worker is in the measured process tree, idle here). One customer
registers and signs in on each; then, over one keep-alive connection, ``--requests`` of each
read, and the server's CPU (user + system, psutil, the whole process tree) per request:

- ``GET /get-profile/<id>``: the bearer token checked and one row read;
- ``GET /get-open-tickets/<id>`` with five open tickets;
- ``GET /get-messages/<id>`` with five messages;
- Frontdesk's ``GET /healthz`` (no token, no row: what the serving stack, Django's handler
  and the middleware cost around a view that does nothing).

The flow's throughput is bounded by this floor: with one core, ``1 / CPU per request``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import psutil
from _peer import DEFAULT_PATH as DEFAULT_PEER
from _peer import peer_install, peer_served
from _server import PASSWORD, ProcessSampler, pin_client, served, token_user_id

Reads = dict[str, str]


class Connection:
    """One keep-alive HTTP/1.1 connection with a bearer token."""

    def __init__(self, base_url: str) -> None:
        self.http = http.client.HTTPConnection(urlsplit(base_url).netloc, timeout=30)
        self.token = ""

    def call(self, method: str, path: str, body: object = None) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        raw = json.dumps(body).encode() if body is not None else None
        self.http.request(method, path, body=raw, headers=headers)
        answer = self.http.getresponse()
        return answer.status, answer.read()


def prepare(connection: Connection) -> Reads:
    """A customer with five open tickets, the first with five messages; the reads to time."""
    account = {"username": "floorcustomer", "email": "floor@example.com", "password": PASSWORD}
    status, answer = connection.call("POST", "/register", account)
    if status not in (200, 201):
        sys.exit(f"register answered {status}: {answer[:200]!r}")
    status, answer = connection.call(
        "POST", "/login", {"username": account["username"], "password": PASSWORD}
    )
    connection.token = json.loads(answer)["access_token"]
    user_id = token_user_id(connection.token)
    tickets = []
    for number in range(5):
        opening = {
            "ticket_title": f"The studio floor in room {number}",
            "message": "The floor is sticky again",
        }
        status, answer = connection.call("POST", "/ticket/new", opening)
        if status not in (200, 201):
            sys.exit(f"/ticket/new answered {status}: {answer[:200]!r}")
        tickets.append(json.loads(answer)["ticket_id"])
    for number in range(4):
        connection.call("POST", f"/ticket/{tickets[0]}", {"message": f"Still sticky {number}"})
    return {
        "GET /get-profile": f"/get-profile/{user_id}",
        "GET /get-open-tickets (5)": f"/get-open-tickets/{user_id}",
        "GET /get-messages (5)": f"/get-messages/{tickets[0]}",
    }


def tree_cpu(pid: int) -> float:
    """CPU seconds the server's processes have used so far."""
    return sum(ProcessSampler(pid).cpu_now().values())


def settle(pid: int, seconds: float = 15.0) -> None:
    """Wait until the server's processes are idle: the job worker sends the mails the
    customer's tickets wrote, and that CPU is not the reads'."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        before = tree_cpu(pid)
        time.sleep(0.5)
        if tree_cpu(pid) - before < 0.005:
            return


def measure(connection: Connection, pid: int, path: str, requests: int) -> tuple[float, float]:
    """Server CPU ms per request and requests per second, after a warm-up."""
    for _ in range(min(200, requests)):
        connection.call("GET", path)
    before, started = tree_cpu(pid), time.perf_counter()
    for _ in range(requests):
        status, answer = connection.call("GET", path)
        if status != 200:
            sys.exit(f"GET {path} answered {status}: {answer[:200]!r}")
    wall = time.perf_counter() - started
    return (tree_cpu(pid) - before) / requests * 1000, requests / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--peer", default=str(DEFAULT_PEER), help="the seed design's rebuild")
    args = parser.parse_args()
    pin_client(1)
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    with peer_install(Path(args.peer)) as app:
        for _ in range(args.rounds):
            with peer_served(app, workers=1, core=0) as server:
                connection = Connection(server.base_url)
                reads = prepare(connection)
                settle(server.pid)
                for name, path in reads.items():
                    found = measure(connection, server.pid, path, args.requests)
                    results.setdefault(("seed design", name), []).append(found)
            with served(workers=1, core=0) as server:
                connection = Connection(server.base_url)
                reads = {**prepare(connection), "GET /healthz (no token)": "/healthz"}
                settle(server.pid)
                for name, path in reads.items():
                    found = measure(connection, server.pid, path, args.requests)
                    results.setdefault(("Frontdesk", name), []).append(found)
    load = " ".join(f"{value:.1f}" for value in psutil.getloadavg())
    print(f"\nOne client, one request at a time, {args.requests} per read; load average {load}")
    print("| server | read | server CPU ms per request | req/s |")
    print("|---|---|---:|---:|")
    for (server_name, read), found in results.items():
        cpu = ", ".join(f"{ms:.2f}" for ms, _ in found)
        rate = ", ".join(f"{r:.0f}" for _, r in found)
        print(f"| {server_name} | {read} | {cpu} | {rate} |")


if __name__ == "__main__":
    main()
