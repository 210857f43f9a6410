"""CPU per request of the SupportMe API: where a read and a message post spend their time.

    .venv/bin/python bench/cpu_profile.py                      # CPU ms per request, in process
    .venv/bin/python bench/cpu_profile.py --flame bench/profiles --tag after   # + flame graphs
    .venv/bin/python bench/cpu_profile.py --served             # req/s against `frontdesk serve`

In process (the default), on a fresh SQLite data directory with the rate limits off, it signs
up one customer through the API, opens five tickets and writes 50 messages into the first,
then calls Django's WSGI handler directly (no server, no sockets) with that customer's bearer
token, one endpoint at a time:

- ``GET /get-messages/<id>`` (50 messages),
- ``GET /get-open-tickets/<user id>`` (5 tickets),
- ``POST /ticket/<id>`` (a message into the second ticket).

It prints the CPU time of this process per request (``time.process_time``, so other load on the
machine does not count). With ``--flame DIR``, py-spy (the ``bench`` extra:
``.venv/bin/pip install -e '.[bench]'``) samples each endpoint's loop for ``--seconds`` and
writes ``DIR/<endpoint>-<tag>.svg``; the loop stops when py-spy does, so the graph holds nothing
but requests. py-spy attaches to this process: that needs ptrace permission (root, or
CAP_SYS_PTRACE, or ``kernel.yama.ptrace_scope`` = 0).

With ``--served`` it starts ``frontdesk serve --workers 1`` pinned to core 0 instead, runs one
client on core 1 (one keep-alive connection, one request at a time) and prints requests/s per
endpoint, and the CPU time the server's processes used per request (psutil; the web process,
its job worker, and both together): the whole path, the serving layer and the jobs a request
asks for included.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _server import LOAD_TEST_ENV, PASSWORD, ProcessSampler, pin_client, served, wsgi_environ

MESSAGES = 50
TICKETS = 5
# Replies are rate limited per customer (30/minute by default); a loop of posts is not a flood.
PROFILE_ENV = {**LOAD_TEST_ENV, "FRONTDESK_RATE_REPLY": "0/minute"}
Call = Callable[[], tuple[int, bytes]]


# --- the requests, through any transport --------------------------------------------------


class Api:
    """A SupportMe client over ``send(method, path, body, token) -> (status, body)``."""

    def __init__(self, send: Callable[[str, str, bytes, str], tuple[int, bytes]]) -> None:
        self.send = send
        self.token = ""

    def call(self, method: str, path: str, data: dict[str, str] | None = None) -> Any:
        body = b"" if data is None else json.dumps(data).encode()
        status, answer = self.send(method, path, body, self.token)
        if status != 200:
            sys.exit(f"{method} {path} answered {status}: {answer[:300]!r}")
        return json.loads(answer)

    def prepare(self) -> tuple[int, list[int]]:
        """One customer, TICKETS tickets, MESSAGES messages in the first: (user id, tickets)."""
        user = {"username": "profiled", "email": "profiled@example.com", "password": PASSWORD}
        self.token = self.call("POST", "/register", user)["access_token"]
        tickets = []
        for number in range(TICKETS):
            new = {"ticket_title": f"Ticket {number}", "message": "The first message."}
            tickets.append(self.call("POST", "/ticket/new", new)["ticket_id"])
        for number in range(MESSAGES - 1):
            self.call("POST", f"/ticket/{tickets[0]}", {"message": f"Message number {number}."})
        payload = self.token.split(".")[1]
        claims = json.loads(_unpadded_b64(payload))
        return int(claims["user_id"]), tickets

    def endpoints(self, user_id: int, tickets: list[int]) -> dict[str, Call]:
        post = json.dumps({"message": "One more message."}).encode()
        return {
            "get-messages": lambda: self.send(
                "GET", f"/get-messages/{tickets[0]}", b"", self.token
            ),
            "get-open-tickets": lambda: self.send(
                "GET", f"/get-open-tickets/{user_id}", b"", self.token
            ),
            "post-message": lambda: self.send("POST", f"/ticket/{tickets[1]}", post, self.token),
        }


def _unpadded_b64(text: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- in process: Django's WSGI handler, called directly ------------------------------------


def wsgi_sender() -> Callable[[str, str, bytes, str], tuple[int, bytes]]:
    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()

    def send(method: str, path: str, body: bytes, token: str) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        environ = wsgi_environ(method, path, body=body, headers=headers)
        status: list[str] = []
        response = handler(environ, lambda line, headers, *_: status.append(line))
        try:
            answer = b"".join(response)
        finally:
            response.close()
        return int(status[0].split()[0]), answer

    return send


def in_process(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="fd-profile-") as data_dir:
        os.environ.update({**PROFILE_ENV, "FRONTDESK_DATA_DIR": data_dir})
        os.environ.pop("DATABASE_URL", None)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        api = Api(wsgi_sender())
        endpoints = api.endpoints(*api.prepare())
        print(f"CPU per request, in process (SQLite); load average {_load()}")
        for name, request in endpoints.items():
            for _ in range(50):  # warm: first-use imports, the statement cache
                request()
            start = time.process_time()
            for _ in range(args.requests):
                request()
            ms = (time.process_time() - start) * 1000 / args.requests
            print(f"  {name:18} {ms:6.2f} ms CPU per request ({args.requests} requests)")
            if args.flame:
                flame(request, Path(args.flame) / f"{name}-{args.tag}.svg", args.seconds)


def flame(request: Call, svg: Path, seconds: int) -> None:
    """Sample ``request`` in a loop with py-spy for ``seconds``; the graph goes to ``svg``."""
    svg.parent.mkdir(parents=True, exist_ok=True)
    spy = Path(sys.executable).parent / "py-spy"
    command = [str(spy), "record", "--pid", str(os.getpid()), "--duration", str(seconds)]
    command += ["--rate", "250", "--function", "--format", "flamegraph", "-o", str(svg)]
    sampler = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    count = 0
    while sampler.poll() is None:
        request()
        count += 1
    if sampler.returncode != 0:
        sys.exit(f"py-spy failed: {sampler.stderr.read().decode() if sampler.stderr else ''}")
    print(f"  {'':18} flame graph of {count} requests: {svg}")


# --- served: one client, one connection, against `frontdesk serve` on one core ------------


def over_http(args: argparse.Namespace) -> None:
    os.environ.update(PROFILE_ENV)
    with served(workers=1, core=0) as server:
        pin_client(1)
        host, port = server.base_url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port))

        def send(method: str, path: str, body: bytes, token: str) -> tuple[int, bytes]:
            headers = {"Content-Type": "application/json"}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            connection.request(method, path, body=body or None, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()

        api = Api(send)
        endpoints = api.endpoints(*api.prepare())
        sampler = ProcessSampler(server.pid)
        print(f"One client against `frontdesk serve` on core 0; load average {_load()}")
        for name, request in endpoints.items():
            for _ in range(50):
                request()
            time.sleep(1)  # the jobs the warm-up asked for are done
            before = sampler.cpu_now()
            count, deadline = 0, time.monotonic() + args.seconds
            while time.monotonic() < deadline:
                request()
                count += 1
            time.sleep(1)  # and those of the timed requests (a post's notification mail)
            used = _cpu_by_process(sampler, before, sampler.cpu_now())
            rate = count / args.seconds
            cpu = "  ".join(f"{label} {1000 * seconds / count:.2f}" for label, seconds in used)
            print(f"  {name:18} {rate:7.0f} req/s  server CPU ms per request: {cpu}")


def _cpu_by_process(
    sampler: ProcessSampler, before: dict[int, float], after: dict[int, float]
) -> list[tuple[str, float]]:
    """CPU seconds between two samples: the whole server, then each kind of process."""
    kinds: dict[str, float] = {}
    for pid, (label, _, _) in sampler.peaks.items():
        kinds[label] = kinds.get(label, 0.0) + after.get(pid, 0.0) - before.get(pid, 0.0)
    return [("all", sum(kinds.values())), *sorted(kinds.items())]


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="timed requests per endpoint")
    parser.add_argument("--flame", metavar="DIR", help="write a py-spy flame graph per endpoint")
    parser.add_argument("--tag", default="now", help="suffix of the flame graphs' file names")
    parser.add_argument("--seconds", type=int, default=10, help="sampling / run time per endpoint")
    parser.add_argument("--served", action="store_true", help="through `frontdesk serve`")
    args = parser.parse_args()
    if args.served:
        over_http(args)
    else:
        in_process(args)


if __name__ == "__main__":
    main()
