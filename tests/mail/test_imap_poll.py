"""The IMAP poller against a real Dovecot (tests/mailservers.py): mail arrives by APPEND, the
poller imports it through the intake, marks or moves it, and never imports a message twice."""

from __future__ import annotations

import email
import logging
import subprocess
import sys
from email import policy

import pytest
from django.core.management import call_command
from pytest_django.fixtures import Settings

from frontdesk.mail import imap
from frontdesk.mail.imap import folder_poll, imap_folders, imap_poll, parse_imap_url
from frontdesk.mail.models import ImapImported, ImapMailbox, InboundMail
from frontdesk.mail.tasks import imap_poll_due
from tests.conftest import Clock
from tests.mailservers import ImapAccount

SEEN = b"\\Seen"
pytestmark = pytest.mark.django_db


def a_mail(number: int, *, message_id: bool = True) -> bytes:
    header = f"Message-ID: <m{number}.{id(a_mail)}@example.net>\r\n" if message_id else ""
    return (
        f"From: Parent {number} <parent{number}@example.net>\r\n"
        f"To: support@example.com\r\n"
        f"Subject: Question {number}\r\n"
        f"{header}"
        f"Content-Type: text/plain; charset=utf-8\r\n"
        f"\r\n"
        f"Hello, this is question {number}.\r\n.\r\n..leading dots stay\r\n"
    ).encode()


def the_folder(account: ImapAccount, **options: str) -> imap.ImapFolder:
    (folder,) = parse_imap_url(account.url(**options))
    return folder


def stored() -> list[bytes]:
    return [bytes(raw) for raw in InboundMail.objects.order_by("id").values_list("raw", flat=True)]


def test_new_mail_is_imported_raw_and_marked_seen(imap_account: ImapAccount) -> None:
    mails = [a_mail(1), a_mail(2, message_id=False), a_mail(3)]
    imap_account.deliver(mails)

    result = folder_poll(the_folder(imap_account))

    assert (result.imported, result.already, result.error) == (3, 0, "")
    assert stored() == mails
    inbound = InboundMail.objects.order_by("id").first()
    assert inbound is not None
    assert inbound.source == f"imap://{imap_account.user}@127.0.0.1/INBOX"
    assert inbound.size == len(mails[0])
    parsed = email.message_from_bytes(bytes(inbound.raw), policy=policy.default)
    assert parsed["Subject"] == "Question 1"
    assert all(SEEN in flags for _, flags in imap_account.folder().values())
    assert ImapImported.objects.count() == 3

    again = folder_poll(the_folder(imap_account))
    assert (again.imported, again.already) == (0, 0)
    assert InboundMail.objects.count() == 3


def test_only_unseen_mail_is_imported_in_batches(imap_account: ImapAccount) -> None:
    imap_account.deliver([a_mail(n) for n in range(7)])
    client = imap_account.client()
    client.select_folder("INBOX")
    client.add_flags([1, 2], [SEEN])  # read by someone in their mail client
    client.logout()

    result = folder_poll(the_folder(imap_account, batch="2"))

    assert result.imported == 5
    assert stored() == [a_mail(n) for n in range(2, 7)]


def test_move_after_import(imap_account: ImapAccount) -> None:
    mails = [a_mail(n) for n in range(3)]
    imap_account.deliver(mails)

    result = folder_poll(the_folder(imap_account, move="Imported"))

    assert result.imported == 3
    assert imap_account.folder("INBOX") == {}
    moved = imap_account.folder("Imported")
    assert sorted(raw for raw, _ in moved.values()) == sorted(mails)
    assert all(SEEN in flags for _, flags in moved.values())
    # With move, the folder is the queue: a message already read there is imported too.
    imap_account.deliver([a_mail(9)])
    client = imap_account.client()
    client.select_folder("INBOX")
    client.add_flags(client.search(["ALL"]), [SEEN])
    client.logout()
    assert folder_poll(the_folder(imap_account, move="Imported")).imported == 1
    assert stored() == [*mails, a_mail(9)]


class Killed(BaseException):
    """The process dies: nothing after this point runs (no except Exception catches it)."""


def test_a_poll_killed_midway_loses_nothing_and_imports_nothing_twice(
    imap_account: ImapAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    mails = [a_mail(1, message_id=False), a_mail(2, message_id=False), a_mail(3), a_mail(4)]
    imap_account.deliver(mails)
    handled = []
    real_handle = imap.mail_handle

    def dies_after_the_second(inbound: InboundMail) -> InboundMail:
        handled.append(inbound.pk)
        real_handle(inbound)
        if len(handled) == 2:
            raise Killed
        return inbound

    monkeypatch.setattr(imap, "mail_handle", dies_after_the_second)
    with pytest.raises(Killed):
        folder_poll(the_folder(imap_account))
    assert stored() == mails[:2]
    assert not any(SEEN in flags for _, flags in imap_account.folder().values())
    monkeypatch.setattr(imap, "mail_handle", real_handle)

    result = folder_poll(the_folder(imap_account))

    assert (result.imported, result.already) == (2, 2)
    assert stored() == mails
    assert all(SEEN in flags for _, flags in imap_account.folder().values())


def test_a_mailbox_that_fails_is_logged_once_and_the_others_are_polled(
    imap_account: ImapAccount, caplog: pytest.LogCaptureFixture, settings: Settings
) -> None:
    other = imap_account.server.add_user()
    imap_account.deliver([a_mail(1)])
    other.deliver([a_mail(2)])
    wrong = other.url().replace(f":{other.password}@", ":wrong-password@")
    settings.FRONTDESK_IMAP_URLS = [
        wrong,
        "imap://nobody:pw@127.0.0.1:9/INBOX?starttls=0",  # nothing listens there
        imap_account.url(),
    ]
    caplog.set_level(logging.DEBUG, logger="frontdesk.mail.imap")

    first = imap_poll()

    assert [bool(result.error) for result in first] == [True, True, False]
    assert "LoginError" in first[0].error
    assert "ConnectionRefusedError" in first[1].error
    assert first[2].imported == 1
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 2
    assert "wrong-password" not in caplog.text
    assert ImapMailbox.objects.filter(failing_since__isnull=False).count() == 2

    caplog.clear()
    imap_poll()  # the same incident: not logged again
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]

    (fixed,) = imap_poll(imap_folders([other.url()]))
    assert fixed.imported == 1
    assert "can be polled again" in caplog.text
    assert stored() == [a_mail(1), a_mail(2)]


def test_imaps_and_starttls_verify_the_certificate(imap_account: ImapAccount) -> None:
    imap_account.deliver([a_mail(1)])
    assert folder_poll(the_folder(imap_account, tls="tls")).imported == 1
    imap_account.deliver([a_mail(2)])
    assert folder_poll(the_folder(imap_account, tls="starttls")).imported == 1

    # Without the CA file the self-signed certificate is refused, over both.
    imap_account.deliver([a_mail(3)])
    for url in (imap_account.url(tls="tls"), imap_account.url(tls="starttls")):
        (untrusted,) = parse_imap_url(url.split("?")[0])
        result = folder_poll(untrusted)
        assert "CERTIFICATE_VERIFY_FAILED" in result.error
    assert stored() == [a_mail(1), a_mail(2)]


def test_one_poller_per_folder(imap_account: ImapAccount) -> None:
    imap_account.deliver([a_mail(1)])
    folder = the_folder(imap_account)
    mailbox = ImapMailbox.objects.create(key=folder.key)
    # Held by a poller that is alive (this process, another thread): skipped.
    ImapMailbox.objects.filter(pk=mailbox.pk).update(
        lease_owner=f"{imap.socket.gethostname()}:{imap.os.getpid()}:1",
        lease_until=imap.now() + imap.LEASE,
    )
    assert folder_poll(folder).busy
    assert InboundMail.objects.count() == 0
    # Held by a poller whose process is gone: taken over at once.
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    ImapMailbox.objects.filter(pk=mailbox.pk).update(
        lease_owner=f"{imap.socket.gethostname()}:{gone.pid}:1"
    )
    result = folder_poll(folder)
    assert (result.busy, result.imported) == (False, 1)
    assert ImapMailbox.objects.get(pk=mailbox.pk).lease_owner == ""


def test_the_worker_job_polls_when_due(
    imap_account: ImapAccount, settings: Settings, clock: Clock
) -> None:
    settings.FRONTDESK_IMAP_URLS = [imap_account.url()]
    settings.FRONTDESK_IMAP_POLL_SECONDS = 120
    imap_account.deliver([a_mail(1)])
    assert imap_poll_due.call_local() == 1
    imap_account.deliver([a_mail(2)])
    clock.advance(60)
    assert imap_poll_due.call_local() == 0  # polled a minute ago, every two minutes asked for
    clock.advance(60)
    assert imap_poll_due.call_local() == 1
    settings.FRONTDESK_IMAP_URLS = []
    assert imap_poll_due.call_local() == 0


def test_the_operators_command(
    imap_account: ImapAccount, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.FRONTDESK_IMAP_URLS = [imap_account.url()]
    imap_account.deliver([a_mail(1), a_mail(2)])
    call_command("mail_poll", "--once")
    assert f"{imap_account.user}@127.0.0.1:{imap_account.server.imap_port}/INBOX: 2 imported" in (
        capsys.readouterr().out
    )


def test_move_on_a_server_without_the_move_extension(
    imap_account: ImapAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = imap.IMAPClient.has_capability

    def without_move(self: imap.IMAPClient, capability: str) -> bool:
        return capability.upper() != "MOVE" and bool(real(self, capability))

    monkeypatch.setattr(imap.IMAPClient, "has_capability", without_move)
    mails = [a_mail(n) for n in range(3)]
    imap_account.deliver(mails)

    assert folder_poll(the_folder(imap_account, move="Done")).imported == 3

    assert imap_account.folder("INBOX") == {}  # copied, flagged deleted, expunged by UID
    assert sorted(raw for raw, _ in imap_account.folder("Done").values()) == sorted(mails)
