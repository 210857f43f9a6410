"""Real mail servers for the tests, on loopback, each started by its fixture and stopped after
(registered as fixtures in tests/conftest.py).

``dovecot`` / ``imap_account``: a real IMAP server the IMAP intake polls.

``smtp_sink``: an SMTP server (aiosmtpd) that keeps every mail it accepts, parsed with the
standard library (policy.default) beside its envelope, and points Django's SMTP backend at
itself. ``sink.refuse("451 4.3.0 Try again later", times=2)`` makes it answer the next RCPTs
(or ``at="MAIL"``, ``at="DATA"``) with a refusal first, as a real server under load or a
missing mailbox does.
"""

from __future__ import annotations

import email
import grp
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from imapclient import IMAPClient
from pytest_django.fixtures import Settings

# === Dovecot: a real IMAP server the IMAP intake polls (tests/mail/test_imap*.py, bench/) ===

DOVECOT_CONF = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:{root}/mail/%u
first_valid_uid = {uid}
last_valid_uid = 0
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users
  default_fields = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
{unprivileged}}}
# No growing delay after wrong passwords (the tests try some on purpose).
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
{unprivileged}}}
"""
# Without root there is no chroot, and every service runs as the one user there is.
UNPRIVILEGED = "  chroot =\n"


SPARE_ACCOUNTS = 200
# Debian installs it in /usr/sbin, not on every user's PATH (scripts/ensure-services installs it).
DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ImapAccount:
    """One mailbox on the test Dovecot."""

    server: Dovecot
    user: str
    password: str

    def url(self, folder: str = "INBOX", *, tls: str = "plain", **options: str) -> str:
        """A FRONTDESK_IMAP_URL for this account: ``plain`` (imap://, starttls=0), ``starttls``
        or ``tls`` (imaps://), the last two trusting the server's own certificate."""
        auth = f"{quote(self.user, safe='')}:{quote(self.password, safe='')}"
        host = self.server.host
        if tls == "tls":
            base = f"imaps://{auth}@{host}:{self.server.imaps_port}/{folder}"
            options = {"cafile": str(self.server.cafile), **options}
        elif tls == "starttls":
            base = f"imap://{auth}@{host}:{self.server.imap_port}/{folder}"
            options = {"cafile": str(self.server.cafile), **options}
        else:
            base = f"imap://{auth}@{host}:{self.server.imap_port}/{folder}"
            options = {"starttls": "0", **options}
        query = "&".join(f"{name}={quote(value, safe='/')}" for name, value in options.items())
        return f"{base}?{query}"

    def client(self) -> IMAPClient:
        client = IMAPClient(self.server.host, port=self.server.imap_port, ssl=False, timeout=30)
        client.login(self.user, self.password)
        return client

    def deliver(self, messages: Iterable[bytes], folder: str = "INBOX") -> None:
        """Mail arrives: APPEND each message, unseen, in order."""
        client = self.client()
        try:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            for raw in messages:
                client.append(folder, raw, flags=())
        finally:
            client.logout()

    def folder(self, folder: str = "INBOX") -> dict[int, tuple[bytes, tuple[bytes, ...]]]:
        """UID -> (raw, flags) of every message in the folder, read without changing them."""
        client = self.client()
        try:
            if not client.folder_exists(folder):
                return {}
            client.select_folder(folder, readonly=True)
            found = client.fetch(client.search(["ALL"]), ["BODY.PEEK[]", "FLAGS"])
            return {
                uid: (bytes(data[b"BODY[]"]), tuple(data[b"FLAGS"])) for uid, data in found.items()
            }
        finally:
            client.logout()


class Dovecot:
    """Debian's Dovecot on loopback with a throw-away configuration under ``root``: plain IMAP
    (with STARTTLS) and IMAPS, a self-signed certificate (``cafile``), users from a passwd-file
    (added at any time), maildirs. Run as root it drops to Debian's dovecot users."""

    host = "127.0.0.1"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.imap_port = free_port()
        self.imaps_port = free_port()
        self.cafile = root / "cert.pem"
        self.process: subprocess.Popen[bytes] | None = None
        self._spare: list[ImapAccount] = []

    def start(self) -> None:
        root = self.root
        for name in ("run", "state", "mail", "home"):
            (root / name).mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
             "-keyout", str(root / "key.pem"), "-out", str(self.cafile)],
            check=True, capture_output=True,
        )  # fmt: skip
        (root / "users").write_text("")
        self._spare = [
            ImapAccount(self, f"u{secrets.token_hex(6)}", secrets.token_urlsafe(12))
            for _ in range(SPARE_ACCOUNTS)
        ]
        self._write_users(self._spare)
        if os.geteuid() == 0:
            mail_user = pwd.getpwnam("dovecot")
            internal, login = "dovecot", "dovenull"
            root.chmod(0o755)  # the mail processes run as dovecot and must reach their maildirs
            for name in ("mail", "home"):
                os.chown(root / name, mail_user.pw_uid, mail_user.pw_gid)
            unprivileged = ""
        else:
            mail_user = pwd.getpwuid(os.geteuid())
            internal = login = mail_user.pw_name
            unprivileged = UNPRIVILEGED
        config = DOVECOT_CONF.format(
            root=root,
            uid=mail_user.pw_uid,
            gid=mail_user.pw_gid,
            internal_user=internal,
            internal_group=grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name,
            login_user=login,
            imap_port=self.imap_port,
            imaps_port=self.imaps_port,
            unprivileged=unprivileged,
        )
        (root / "dovecot.conf").write_text(config)
        # Dovecot's own processes (dovecot, dovenull) read these: readable whatever the umask
        # of the test process (a test that loads frontdesk's server entry sets 077).
        for name in ("dovecot.conf", "users", "cert.pem"):
            (root / name).chmod(0o644)
        for name in ("run", "state"):
            (root / name).chmod(0o755)
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=open(root / "stderr.log", "wb"),  # noqa: SIM115 - kept open by the child
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with socket.create_connection((self.host, self.imap_port), timeout=1) as probe:
                    if probe.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"Dovecot did not start:\n{self.log()}")

    def log(self) -> str:
        parts = []
        for name in ("stderr.log", "dovecot.log"):
            path = self.root / name
            if path.exists():
                parts.append(path.read_text(errors="replace")[-4000:])
        return "\n".join(parts)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def add_user(self, user: str | None = None, password: str | None = None) -> ImapAccount:
        """An account of its own: one of those written at start (Dovecot reads its passwd-file
        again at most once a second, so a user added now can sign in a second later)."""
        if user is None and password is None and self._spare:
            return self._spare.pop(0)
        account = ImapAccount(
            self, user or f"u{secrets.token_hex(6)}", password or secrets.token_urlsafe(12)
        )
        self._write_users([account])
        time.sleep(1.1)
        return account

    def _write_users(self, accounts: list[ImapAccount]) -> None:
        with (self.root / "users").open("a") as users:
            for account in accounts:
                users.write(f"{account.user}:{{PLAIN}}{account.password}::::::\n")
        (self.root / "users").chmod(0o644)


@contextmanager
def dovecot_running(root: Path | None = None) -> Iterator[Dovecot]:
    """A Dovecot for the length of the block, in ``root`` or a new temporary directory (removed
    afterwards); the bench uses it as the tests do."""
    own = root is None
    directory = Path(tempfile.mkdtemp(prefix="fd-dovecot-")) if root is None else root
    server = Dovecot(directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        if own:
            shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """One Dovecot per test process; each test takes its own account (``imap_account``)."""
    with dovecot_running() as server:
        yield server


@pytest.fixture
def imap_account(dovecot: Dovecot) -> ImapAccount:
    """A new, empty mailbox on the test Dovecot."""
    return dovecot.add_user()


# === end of Dovecot ===


# === SMTP sink: a real SMTP server that catches outbound mail (tests/notifications/) ===


@dataclass(frozen=True)
class Received:
    envelope_from: str
    envelope_to: list[str]
    raw: bytes
    message: EmailMessage
    accepted_at: float  # time.time() when the server answered 250
    peer: tuple[str, int] = ("", 0)  # the client's address and port: one per connection


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
                Received(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    raw,
                    message,
                    time.time(),
                    tuple(session.peer),
                )
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
                    if str(mail.message["Message-ID"]).strip() == message_id:
                        return mail
                left = deadline - time.monotonic()
                if left <= 0:
                    pytest.fail(f"no mail with Message-ID {message_id} came")
                self._handler.arrived.wait(left)

    def with_message_id(self, message_id: str) -> list[Received]:
        return [
            mail for mail in self.received if str(mail.message["Message-ID"]).strip() == message_id
        ]


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
