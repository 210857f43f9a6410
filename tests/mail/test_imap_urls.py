"""FRONTDESK_IMAP_URL entries: what they mean, and a clear error (password masked) for what
they cannot mean."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pytest_django.fixtures import Settings

from frontdesk.core.env import ConfigError
from frontdesk.mail.checks import check_imap_urls
from frontdesk.mail.imap import ImapFolder, imap_folders, parse_imap_url


def test_imaps_url_with_the_default_port_and_folder() -> None:
    (folder,) = parse_imap_url("imaps://help@example.com:s3cret@mail.example.com")
    assert folder == ImapFolder(
        host="mail.example.com",
        port=993,
        username="help@example.com",
        password="s3cret",
        folder="INBOX",
        security="tls",
    )
    assert folder.key == "help@example.com@mail.example.com:993/INBOX"
    assert folder.source == "imap://help@example.com@mail.example.com/INBOX"
    assert "s3cret" not in repr(folder) and "s3cret" not in str(folder)


def test_user_and_password_are_percent_decoded() -> None:
    (folder,) = parse_imap_url(
        "imaps://help%40example.com:p%40ss%2Fw%3Ard%23@Mail.Example.com:1993/INBOX"
    )
    assert (folder.username, folder.password, folder.host, folder.port) == (
        "help@example.com",
        "p@ss/w:rd#",
        "mail.example.com",
        1993,
    )


def test_imap_means_starttls_unless_plain_text_is_asked_for() -> None:
    (starttls,) = parse_imap_url("imap://user:pw@host/Support?starttls=1")
    assert (starttls.security, starttls.port, starttls.folder) == ("starttls", 143, "Support")
    (default,) = parse_imap_url("imap://user:pw@host/Support")
    assert default.security == "starttls"
    (plain,) = parse_imap_url("imap://user:pw@127.0.0.1:1143/INBOX?starttls=0")
    assert (plain.security, plain.port) == ("plain", 1143)


def test_a_folder_list_move_batch_and_cafile(tmp_path: Path) -> None:
    cafile = tmp_path / "ca.pem"
    cafile.write_text("-----BEGIN CERTIFICATE-----\n")
    folders = parse_imap_url(
        f"imaps://user:pw@host/INBOX,Support%20desk?move=Imported&batch=20&cafile={cafile}"
    )
    assert [folder.folder for folder in folders] == ["INBOX", "Support desk"]
    assert {(f.move_to, f.batch, f.cafile) for f in folders} == {("Imported", 20, str(cafile))}


def test_several_urls_each_folder_once(settings: Settings) -> None:
    settings.FRONTDESK_IMAP_URLS = [
        "imaps://a:pw@host/INBOX,Other",
        "imaps://b:pw@host/INBOX",
        "imaps://a:pw@host:993/INBOX",
    ]
    assert [folder.key for folder in imap_folders()] == [
        "a@host:993/INBOX",
        "a@host:993/Other",
        "b@host:993/INBOX",
    ]


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("pop3://user:secretpw@host/INBOX", "must start with imaps:// (TLS) or imap://"),
        ("imaps://user:secretpw@/INBOX", "names no host"),
        ("imaps://host/INBOX", "needs a user and a password"),
        ("imaps://user@host/INBOX", "needs a user and a password"),
        ("imaps://user:secretpw@host:99999/INBOX", "is not a valid URL"),
        ("imaps://user:secretpw@host:port/INBOX", "is not a valid URL"),
        ("imaps://user:secret#pw@host/INBOX", "percent-encode"),
        ("imaps://user:secretpw@host/INBOX?starttls=1", "starttls is for imap://"),
        ("imap://user:secretpw@host/INBOX?starttls=maybe", "starttls must be 1 or 0"),
        ("imap://user:secretpw@host/INBOX?verify=0", "unknown option 'verify'"),
        ("imap://user:secretpw@host/INBOX?batch=1&batch=2", "given twice"),
        ("imaps://user:secretpw@host/INBOX?batch=0", "batch must be a whole number"),
        ("imaps://user:secretpw@host/INBOX?batch=lots", "batch must be a whole number"),
        ("imaps://user:secretpw@host/INBOX?cafile=/nowhere/ca.pem", "is not a readable file"),
        ("imap://user:secretpw@host/INBOX?starttls=0&cafile=/etc/hostname", "makes no sense"),
        ("imaps://user:secretpw@host/INBOX,,Other", "empty folder name"),
        ("imaps://user:secretpw@host/INBOX?move=INBOX", "move must name another folder"),
        ("imaps://user:secretpw@host/INBOX?move=", "move must name another folder"),
    ],
)
def test_a_bad_url_is_a_clear_error_without_the_password(url: str, why: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_imap_url(url)
    assert why in str(error.value)
    assert "FRONTDESK_IMAP_URL" in str(error.value)
    assert "secretpw" not in str(error.value)


def test_a_bad_url_stops_the_start_up_checks_and_the_command(settings: Settings) -> None:
    settings.FRONTDESK_IMAP_URLS = ["imaps://user:secretpw@host/INBOX?verify=0"]
    (error,) = check_imap_urls()
    assert error.id == "mail.E001" and "unknown option 'verify'" in error.msg
    with pytest.raises(CommandError, match="unknown option 'verify'"):
        call_command("mail_poll", "--once")
    settings.FRONTDESK_IMAP_URLS = []
    assert check_imap_urls() == []
    with pytest.raises(CommandError, match="FRONTDESK_IMAP_URL is not set"):
        call_command("mail_poll", "--once")
