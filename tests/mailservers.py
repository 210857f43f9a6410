"""Real mail servers for tests, on loopback, each started by its fixture and stopped after.

``smtp_sink``: an SMTP server (aiosmtpd) that keeps every mail it accepts, parsed with the
standard library (policy.default) beside its envelope, and points Django's SMTP backend at
itself. ``sink.refuse("451 4.3.0 Try again later", times=2)`` makes it answer the next RCPTs
(or ``at="MAIL"``, ``at="DATA"``) with a refusal first, as a real server under load or a
missing mailbox does.
"""

from __future__ import annotations

import email
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from pytest_django.fixtures import Settings


@dataclass(frozen=True)
class Received:
    envelope_from: str
    envelope_to: list[str]
    raw: bytes
    message: EmailMessage
    accepted_at: float  # time.time() when the server answered 250


class _Handler:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.refusals: deque[tuple[str, str]] = deque()  # (stage, answer)
        self.arrived = threading.Condition()

    def _refusal(self, stage: str) -> str | None:
        if self.refusals and self.refusals[0][0] == stage:
            return self.refusals.popleft()[1]
        return None

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: Any
    ) -> str:
        refusal = self._refusal("MAIL")
        if refusal:
            return refusal
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        refusal = self._refusal("RCPT")
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        refusal = self._refusal("DATA")
        if refusal:
            return refusal
        raw = bytes(envelope.original_content or b"")
        message = email.message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self.arrived:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), raw, message, time.time())
            )
            self.arrived.notify_all()
        return "250 Message accepted for delivery"


class SmtpSink:
    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self._handler = _Handler()
        self._controller = Controller(self._handler, hostname=self.host, port=self.port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    @property
    def received(self) -> list[Received]:
        with self._handler.arrived:
            return list(self._handler.received)

    def refuse(self, answer: str, *, times: int = 1, at: str = "RCPT") -> None:
        """Answer the next ``times`` RCPT (or MAIL, or DATA) commands with ``answer``."""
        self._handler.refusals.extend([(at, answer)] * times)

    def wait_for(self, count: int, timeout: float = 10) -> list[Received]:
        """Block until at least ``count`` mails arrived (or fail the test)."""
        deadline = time.monotonic() + timeout
        with self._handler.arrived:
            while len(self._handler.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    pytest.fail(f"{count} mail(s) expected, {len(self._handler.received)} came")
                self._handler.arrived.wait(left)
            return list(self._handler.received)

    def wait_for_message_id(self, message_id: str, timeout: float = 10) -> Received:
        """Block until the mail with ``message_id`` arrived (or fail the test)."""
        deadline = time.monotonic() + timeout
        with self._handler.arrived:
            while True:
                for mail in self._handler.received:
                    if mail.message["Message-ID"] == message_id:
                        return mail
                left = deadline - time.monotonic()
                if left <= 0:
                    pytest.fail(f"no mail with Message-ID {message_id} came")
                self._handler.arrived.wait(left)

    def with_message_id(self, message_id: str) -> list[Received]:
        return [mail for mail in self.received if mail.message["Message-ID"] == message_id]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_sink(settings: Settings) -> Iterator[SmtpSink]:
    """A real SMTP server on loopback that Django's SMTP backend sends to in this test."""
    sink = SmtpSink()
    sink.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = sink.host
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    try:
        yield sink
    finally:
        sink.stop()
