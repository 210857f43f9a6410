"""A real HTTP receiver on 127.0.0.1 for the webhooks' tests: it records every request (path,
headers, body) and answers what the test tells it to (a status, a redirect, a large body, a
slow answer). Reaching it needs FRONTDESK_WEBHOOKS_ALLOW_PRIVATE, which ``receiver`` turns on;
every other test runs with the default, which refuses it."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pytest_django.fixtures import Settings

from frontdesk.accounts.models import User
from frontdesk.webhooks.models import Webhook
from frontdesk.webhooks.services import webhook_create


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    port: int
    requests: list[Received] = field(default_factory=list)
    # Each request takes the next answer; the last one repeats.
    answers: list[tuple[int, dict[str, str], bytes]] = field(
        default_factory=lambda: [(200, {}, b"ok")]
    )
    delay: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook?source=frontdesk"

    def answer(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.answers = [(status, headers, body)]

    def next_answer(self) -> tuple[int, dict[str, str], bytes]:
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
            if receiver.delay:
                time.sleep(receiver.delay)
            status, headers, answer = receiver.next_answer()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            with contextlib.suppress(OSError):  # the client read what it wanted and left
                self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    """A receiver listening on 127.0.0.1 for as long as the block runs."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(Receiver(0)))
    found = Receiver(server.server_address[1])
    server.RequestHandlerClass = _handler(found)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def receiver(settings: Settings) -> Iterator[Receiver]:
    settings.FRONTDESK_WEBHOOKS_ALLOW_PRIVATE = True
    with running_receiver() as found:
        yield found


def make_webhook(admin: User, url: str, **values: object) -> Webhook:
    return webhook_create(
        actor=admin,
        values={"name": "Chat room", "url": url, "events": ["ticket.created"], **values},
    )
