"""The SMTP/LMTP intake as an MTA meets it: a real aiosmtpd server on loopback (the one
``frontdesk mail-intake`` runs) and smtplib as the sending side."""

from __future__ import annotations

import email
import os
import signal
import smtplib
import subprocess
import sys
from collections.abc import Iterator
from email import policy
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from pytest_django.fixtures import Settings

from frontdesk.mail import smtp_intake
from frontdesk.mail.models import InboundMail
from frontdesk.mail.smtp_intake import IntakeController, address_accepted
from tests.mailservers import free_port

SUPPORT = "Support@Example.com"
MAX_BYTES = 64 * 1024
pytestmark = pytest.mark.django_db(transaction=True)  # the server's threads write


@pytest.fixture(autouse=True)
def _intake_settings(settings: Settings) -> None:
    settings.FRONTDESK_SUPPORT_ADDRESSES = [SUPPORT, "billing@example.com"]
    settings.FRONTDESK_MAIL_MAX_BYTES = MAX_BYTES


def running(lmtp: bool = False) -> Iterator[IntakeController]:
    controller = IntakeController(host="127.0.0.1", port=free_port(), lmtp=lmtp)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


@pytest.fixture
def intake() -> Iterator[IntakeController]:
    yield from running()


@pytest.fixture
def lmtp_intake() -> Iterator[IntakeController]:
    yield from running(lmtp=True)


def a_mail(to: str = "support@example.com", body: str = "My child's class moved?") -> bytes:
    return (
        "From: Parent <parent@example.net>\r\n"
        f"To: {to}\r\n"
        "Subject: =?utf-8?q?Caf=C3=A9_class?=\r\n"
        "Message-ID: <smtp-1@example.net>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        f"{body}\r\n"
        ".a line that starts with a dot\r\n"
        ".\r\n"
        "the end\r\n"
    ).encode()


def stored() -> list[InboundMail]:
    return list(InboundMail.objects.order_by("id"))


def test_accepted_addresses() -> None:
    assert address_accepted("support@example.com")
    assert address_accepted("SUPPORT@EXAMPLE.COM")
    assert address_accepted("support+t12u34-0123456789abcdef0123@example.com")
    assert address_accepted("billing+anything@Example.com")
    assert not address_accepted("support@example.org")
    assert not address_accepted("support.team@example.com")
    assert not address_accepted("xsupport@example.com")
    assert not address_accepted("support")
    assert not address_accepted("@example.com")


def test_an_accepted_mail_is_kept_as_sent(intake: IntakeController) -> None:
    raw = a_mail()
    with smtplib.SMTP(intake.hostname, intake.port) as client:
        client.ehlo()
        assert client.has_extn("size") and int(client.esmtp_features["size"]) == MAX_BYTES
        assert not client.has_extn("auth")
        refused = client.sendmail("parent@example.net", ["support@example.com"], raw)
    assert refused == {}

    (inbound,) = stored()
    assert bytes(inbound.raw) == raw  # CRLF on the wire, dots unstuffed: byte for byte
    assert inbound.envelope_from == "parent@example.net"
    assert inbound.envelope_to == "support@example.com"
    assert inbound.source == "smtp://127.0.0.1"
    parsed = email.message_from_bytes(bytes(inbound.raw), policy=policy.default)
    assert parsed["Subject"] == "Café class"
    content = parsed.get_content().replace("\r\n", "\n")
    assert "\n.a line that starts with a dot\n.\nthe end" in content


def test_an_unknown_recipient_is_refused_and_nothing_kept(intake: IntakeController) -> None:
    with smtplib.SMTP(intake.hostname, intake.port) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            client.sendmail("spammer@example.net", ["someone@elsewhere.example"], a_mail())
        code, text = refused.value.recipients["someone@elsewhere.example"]
        assert code == 550 and text.startswith(b"5.1.1")
        # Some accepted, some not: only the accepted get it.
        result = client.sendmail(
            "parent@example.net", ["nobody@example.com", "support@example.com"], a_mail()
        )
        assert result["nobody@example.com"][0] == 550
    (inbound,) = stored()
    assert inbound.envelope_to == "support@example.com"


def test_a_plus_address_of_a_support_address_is_accepted(intake: IntakeController) -> None:
    reply_to = "support+t12u34-0123456789abcdef0123@example.com"
    with smtplib.SMTP(intake.hostname, intake.port) as client:
        client.sendmail("parent@example.net", [reply_to.upper()], a_mail(to=reply_to))
    (inbound,) = stored()
    assert inbound.envelope_to == reply_to.upper()


def test_a_mail_over_the_size_limit_is_refused(intake: IntakeController) -> None:
    small = a_mail(body="x" * 76)
    huge = a_mail(body=("y" * 998 + "\r\n") * (MAX_BYTES // 1000 + 10))
    with smtplib.SMTP(intake.hostname, intake.port) as client:
        # Announced: smtplib sends SIZE= and the server refuses at MAIL FROM.
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            client.sendmail("parent@example.net", ["support@example.com"], huge)
        assert refused.value.smtp_code == 552
    with smtplib.SMTP(intake.hostname, intake.port) as client:
        # A client that does not say the size beforehand: refused after DATA.
        client.ehlo()
        client.mail("parent@example.net")
        client.rcpt("support@example.com")
        code, _ = client.data(huge)
        assert code == 552
        client.rset()
        assert client.sendmail("parent@example.net", ["support@example.com"], small) == {}
    assert [bytes(inbound.raw) for inbound in stored()] == [small]


def test_a_mail_that_cannot_be_kept_is_refused_for_now(
    intake: IntakeController, monkeypatch: pytest.MonkeyPatch
) -> None:
    def database_down(*args: object, **kwargs: object) -> InboundMail:
        raise RuntimeError("database unavailable")

    monkeypatch.setattr(smtp_intake, "mail_store", database_down)
    with smtplib.SMTP(intake.hostname, intake.port) as client:
        client.ehlo()
        client.mail("parent@example.net")
        client.rcpt("support@example.com")
        code, text = client.data(a_mail())
    assert code == 451 and text.startswith(b"4.3.0")
    assert stored() == []


def lmtp_deliver(port: int, sender: str, recipients: list[str], raw: bytes) -> list[str]:
    """LMTP by hand (smtplib.LMTP reads one reply to DATA, LMTP sends one per recipient)."""
    client = smtplib.LMTP("127.0.0.1", port)
    try:
        client.ehlo()  # LMTP's ehlo sends LHLO
        client.mail(sender)
        rcpt_codes = [client.rcpt(recipient)[0] for recipient in recipients]
        accepted = sum(1 for code in rcpt_codes if code == 250)
        code, _ = client.docmd("DATA")
        assert code == 354
        client.send(raw.replace(b"\r\n.", b"\r\n..") + b".\r\n")
        replies = []
        for _ in range(accepted):
            code, text = client.getreply()
            replies.append(f"{code} {text.decode()}")
        return [f"{code}" for code in rcpt_codes] + replies
    finally:
        client.close()


def test_lmtp_answers_each_recipient(lmtp_intake: IntakeController) -> None:
    raw = a_mail()
    answers = lmtp_deliver(
        lmtp_intake.port,
        "parent@example.net",
        ["support@example.com", "stranger@example.com", "billing+t1u2-x@example.com"],
        raw,
    )
    assert answers[:3] == ["250", "550", "250"]
    assert len(answers) == 5 and all(line.startswith("250 2.0.0") for line in answers[3:])
    (inbound,) = stored()
    assert bytes(inbound.raw) == raw
    assert inbound.envelope_to.splitlines() == [
        "support@example.com",
        "billing+t1u2-x@example.com",
    ]
    assert inbound.source == "lmtp://127.0.0.1"


def test_lmtp_refuses_helo(lmtp_intake: IntakeController) -> None:
    client = smtplib.SMTP()
    client.connect("127.0.0.1", lmtp_intake.port)
    try:
        assert client.helo()[0] != 250
    finally:
        client.close()


def database_url() -> str:
    """This test's database, for a command run as a process of its own."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = quote(str(db["USER"] or ""), safe="")
    if db.get("PASSWORD"):
        user += ":" + quote(str(db["PASSWORD"]), safe="")
    return f"postgres://{user}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def test_the_command_serves_until_stopped(settings: Settings) -> None:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "FRONTDESK_DATA_DIR": str(settings.DATA_DIR),
        "FRONTDESK_SUPPORT_ADDRESSES": "support@example.com",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "frontdesk.cli", "mail-intake", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        ready = f"Mail intake (SMTP) on 127.0.0.1:{port} for support@example.com"
        lines = [server.stdout.readline() for _ in range(1)]
        while ready not in lines[-1] and lines[-1] and len(lines) < 50:
            lines.append(server.stdout.readline())
        assert ready in lines[-1], lines
        with smtplib.SMTP("127.0.0.1", port) as client:
            assert client.sendmail("parent@example.net", ["support@example.com"], a_mail()) == {}
        assert [bytes(inbound.raw) for inbound in stored()] == [a_mail()]
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=20)[0]
    assert server.returncode == 0, output


def test_the_command_needs_support_addresses(settings: Settings) -> None:
    settings.FRONTDESK_SUPPORT_ADDRESSES = []
    with pytest.raises(CommandError, match="FRONTDESK_SUPPORT_ADDRESSES is not set"):
        call_command("mail_intake", "--port", str(free_port()))


def test_the_command_sets_up_a_new_data_directory_itself(tmp_path: Path) -> None:
    """A new user may start the intake before anything else: it keeps the first mail."""
    port = free_port()
    data = tmp_path / "new-data"
    env = {**os.environ, "FRONTDESK_DATA_DIR": str(data)}
    env.pop("DATABASE_URL", None)
    env["FRONTDESK_SUPPORT_ADDRESSES"] = "support@example.com"
    server = subprocess.Popen(
        [sys.executable, "-m", "frontdesk.cli", "mail-intake", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        lines = [server.stdout.readline()]
        while "Mail intake (SMTP)" not in lines[-1] and lines[-1] and len(lines) < 50:
            lines.append(server.stdout.readline())
        with smtplib.SMTP("127.0.0.1", port) as client:
            assert client.sendmail("parent@example.net", ["support@example.com"], a_mail()) == {}
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=20)[0]
    assert server.returncode == 0, output
    assert (data / "frontdesk.sqlite3").exists()
