"""The IMAP intake: poll mailboxes and hand each new message to the pipeline.

Configured by ``FRONTDESK_IMAP_URL`` (several URLs separated by spaces)::

    imaps://user:password@mail.example.com:993/INBOX
    imap://user:password@mail.example.com/INBOX,Support?move=Imported
    imap://test:secret@127.0.0.1:1143/INBOX?starttls=0        (loopback and tests only)

``imaps://`` is TLS from the first byte (port 993 by default); ``imap://`` (port 143) upgrades
with STARTTLS and refuses to go on without it unless ``?starttls=0`` asks for plain text. The
certificate is always verified, against the system's authorities or, with ``?cafile=PATH``,
against that file only (a private CA or a self-signed server). User and password are
percent-decoded (``%40`` for ``@``, ``%2F`` for ``/``, ``%3A`` for ``:``). Several folders of one
account: a comma-separated list in the path (each is polled on its own). Options: ``starttls``,
``cafile``, ``move`` (move each imported message to this folder, created if missing, instead of
only marking it ``\\Seen``), ``batch`` (messages fetched per round trip, 1-1000, default 100).

Without ``move`` the poller imports what is UNSEEN and marks it ``\\Seen``; with ``move`` it
imports everything in the folder (the folder is the queue) and moves it away. Either way a
message is marked only after the intake has committed its raw bytes, together with a row naming
it by (folder, UIDVALIDITY, UID) (:class:`~frontdesk.mail.models.ImapImported`): a poll that
dies between the two finds the row next time and only marks the message, so nothing is lost
and nothing imported twice, even without a Message-ID.

One poller at a time per folder: a lease on the folder's row, taken with a conditional UPDATE
(any database, any number of workers), renewed per batch, and taken over when it lapses or
its process on this host is gone. A folder that cannot be polled is logged once per incident
(and once more when it works again) and tried again on the next poll; the others go on.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import ssl
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import parse_qsl, unquote, urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from imapclient import IMAPClient

from frontdesk.core.clock import now
from frontdesk.core.env import ConfigError
from frontdesk.mail.intake import mail_handle, mail_store
from frontdesk.mail.models import ImapImported, ImapMailbox

log = logging.getLogger(__name__)

DEFAULT_PORTS = {"imaps": 993, "imap": 143}
OPTIONS = ("starttls", "cafile", "move", "batch")
TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}
TIMEOUT_SECONDS = 60
LEASE = timedelta(minutes=5)
FETCH_BYTES = 16 * 1024 * 1024  # bodies fetched in one round trip, at most (unless one is larger)
SEEN = b"\\Seen"
DELETED = b"\\Deleted"


@dataclass(frozen=True)
class ImapFolder:
    """One folder to poll, parsed from a ``FRONTDESK_IMAP_URL`` entry."""

    host: str
    port: int
    username: str
    password: str = field(repr=False)
    folder: str
    security: str  # "tls" (imaps), "starttls", or "plain" (asked for with starttls=0)
    cafile: str | None = None
    move_to: str | None = None
    batch: int = 100

    @property
    def key(self) -> str:
        """The folder's identity in the database (and in logs): no password."""
        return f"{self.username}@{self.host}:{self.port}/{self.folder}"

    @property
    def source(self) -> str:
        """What InboundMail.source says about a mail from here."""
        return f"imap://{self.username}@{self.host}/{self.folder}"

    def __str__(self) -> str:
        return self.key


def _redacted(url: str) -> str:
    """The URL with its password masked, even when it does not parse."""
    scheme, sep, rest = url.strip().partition("://")
    userinfo, at, hostpart = rest.rpartition("@")
    if not sep or not at or ":" not in userinfo:
        return url.strip()
    return f"{scheme}://{userinfo.partition(':')[0]}:***@{hostpart}"


def parse_imap_url(url: str) -> list[ImapFolder]:
    """The folders one URL names; a :class:`ConfigError` saying what is wrong otherwise (with
    the password masked)."""
    shown = _redacted(url)

    def bad(why: str) -> ConfigError:
        return ConfigError(f"FRONTDESK_IMAP_URL {shown!r}: {why}")

    if "#" in url:
        raise bad("has a '#' (percent-encode it in the password as %23)")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        # The parser's own words may quote the password.
        raise bad(
            "is not a valid URL: check the port, and percent-encode @ : / ? # in the user "
            "and the password"
        ) from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise bad("must start with imaps:// (TLS) or imap:// (STARTTLS)")
    if not parts.hostname:
        raise bad("names no host")
    if not parts.username or parts.password is None:
        raise bad("needs a user and a password: imaps://user:password@host/INBOX")
    options = _options(parts.query, bad)
    security = "tls" if scheme == "imaps" else "starttls"
    if "starttls" in options:
        if scheme == "imaps":
            raise bad("starttls is for imap:// (imaps:// is TLS from the start)")
        security = "starttls" if _flag(options["starttls"], "starttls", bad) else "plain"
    cafile = options.get("cafile") or None
    if cafile is not None and not os.path.isfile(cafile):
        raise bad(f"cafile {cafile!r} is not a readable file")
    if security == "plain" and cafile:
        raise bad("cafile makes no sense with starttls=0 (no TLS)")
    batch = _batch(options.get("batch", "100"), bad)
    folders = [unquote(name).strip() for name in parts.path.lstrip("/").split(",")]
    if folders == [""]:
        folders = ["INBOX"]
    if "" in folders:
        raise bad("has an empty folder name in its folder list")
    move_to = options.get("move")
    if move_to is not None and (not move_to.strip() or move_to in folders):
        raise bad("move must name another folder than the one polled")
    return [
        ImapFolder(
            host=parts.hostname,
            port=port or DEFAULT_PORTS[scheme],
            username=unquote(parts.username),
            password=unquote(parts.password),
            folder=folder,
            security=security,
            cafile=cafile,
            move_to=move_to.strip() if move_to else None,
            batch=batch,
        )
        for folder in folders
    ]


def _options(query: str, bad: Callable[[str], ConfigError]) -> dict[str, str]:
    options: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name not in OPTIONS:
            raise bad(f"unknown option {name!r} (known: {', '.join(OPTIONS)})")
        if name in options:
            raise bad(f"option {name!r} given twice")
        options[name] = value
    return options


def _flag(value: str, name: str, bad: Callable[[str], ConfigError]) -> bool:
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise bad(f"{name} must be 1 or 0, not {value!r}")


def _batch(value: str, bad: Callable[[str], ConfigError]) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 1000:
        raise bad(f"batch must be a whole number from 1 to 1000, not {value!r}")
    return int(value)


def imap_folders(urls: Sequence[str] | None = None) -> list[ImapFolder]:
    """Every folder configured (``FRONTDESK_IMAP_URLS`` unless given), each once."""
    folders: dict[str, ImapFolder] = {}
    for url in settings.FRONTDESK_IMAP_URLS if urls is None else urls:
        for folder in parse_imap_url(url):
            folders.setdefault(folder.key, folder)
    return list(folders.values())


# --- polling --------------------------------------------------------------------------------


@dataclass
class PollResult:
    folder: ImapFolder
    imported: int = 0
    already: int = 0  # imported by an earlier poll that stopped before marking them
    busy: bool = False  # another poller holds the folder's lease
    error: str = ""

    def __str__(self) -> str:
        if self.busy:
            return f"{self.folder}: being polled elsewhere, skipped"
        if self.error:
            return f"{self.folder}: failed ({self.error})"
        tail = f" ({self.already} imported before, now marked)" if self.already else ""
        return f"{self.folder}: {self.imported} imported{tail}"


def imap_poll(
    folders: Iterable[ImapFolder] | None = None, *, due_only: bool = False
) -> list[PollResult]:
    """Poll each folder once (``due_only``: those not polled for FRONTDESK_IMAP_POLL_SECONDS,
    as the worker's job does). A folder that fails does not stop the others."""
    results = []
    for folder in imap_folders() if folders is None else folders:
        if due_only and not _due(folder):
            continue
        results.append(folder_poll(folder))
    return results


def _due(folder: ImapFolder) -> bool:
    # The job runs once a minute; a few seconds of slack keep a 60 s interval from skipping
    # every other run because the previous one started a moment later.
    last = ImapMailbox.objects.filter(key=folder.key).values_list("last_polled_at", flat=True)
    polled = last.first()
    interval = timedelta(seconds=settings.FRONTDESK_IMAP_POLL_SECONDS - 5)
    return polled is None or polled <= now() - interval


def folder_poll(folder: ImapFolder) -> PollResult:
    """Import what is new in one folder; never raises for the folder's own trouble (network,
    login, TLS, a folder that does not exist): it is logged once per incident and the next
    poll tries again."""
    result = PollResult(folder)
    mailbox = _mailbox_row(folder)
    owner = _lease_owner()
    if not _lease_take(mailbox, owner):
        result.busy = True
        return result
    try:
        with _Connection(folder) as client:
            _poll_selected(client, folder, mailbox, owner, result)
    except Exception as exc:
        result.error = f"{type(exc).__name__}: {exc}"
        _incident(mailbox, folder, exc, result.error)
    else:
        _incident_over(mailbox, folder)
    finally:
        ImapMailbox.objects.filter(pk=mailbox.pk, lease_owner=owner).update(
            lease_owner="", lease_until=None
        )
    return result


class _Connection:
    def __init__(self, folder: ImapFolder) -> None:
        self.folder = folder
        self.client: IMAPClient | None = None

    def __enter__(self) -> IMAPClient:
        folder = self.folder
        context = None
        if folder.security != "plain":
            context = ssl.create_default_context(cafile=folder.cafile)
        client = IMAPClient(
            folder.host,
            port=folder.port,
            ssl=folder.security == "tls",
            ssl_context=context,
            timeout=TIMEOUT_SECONDS,
        )
        try:
            if folder.security == "starttls":
                client.starttls(context)
            client.login(folder.username, folder.password)
        except BaseException:
            with contextlib.suppress(OSError):
                client.shutdown()
            raise
        self.client = client
        return client

    def __exit__(self, *exc: object) -> None:
        if self.client is None:
            return
        try:
            self.client.logout()
        except Exception as error:
            log.debug("IMAP %s: logout failed (%s); closing the socket", self.folder, error)
            with contextlib.suppress(OSError):
                self.client.shutdown()


def _poll_selected(
    client: IMAPClient, folder: ImapFolder, mailbox: ImapMailbox, owner: str, result: PollResult
) -> None:
    uidvalidity = int(client.select_folder(folder.folder)[b"UIDVALIDITY"])
    # With move, the folder is the queue: whatever is in it has not been imported (or was
    # imported and not yet moved, which the rows tell). Otherwise what is unseen is new.
    uids = sorted(client.search(["ALL"] if folder.move_to else ["UNSEEN"]))
    if uids and folder.move_to and not client.folder_exists(folder.move_to):
        client.create_folder(folder.move_to)
    for start in range(0, len(uids), folder.batch):
        batch = uids[start : start + folder.batch]
        done = set(
            ImapImported.objects.filter(
                mailbox=mailbox, uidvalidity=uidvalidity, uid__in=batch
            ).values_list("uid", flat=True)
        )
        result.already += len(done)
        fresh = [uid for uid in batch if uid not in done]
        for group in _groups_by_size(client, fresh):
            bodies = client.fetch(group, ["BODY.PEEK[]"])
            for uid in group:
                raw = bodies.get(uid, {}).get(b"BODY[]")
                if raw is None:  # expunged by someone else meanwhile
                    continue
                if _import(bytes(raw), folder, mailbox, uidvalidity, uid):
                    result.imported += 1
                else:
                    result.already += 1
        _mark_done(client, folder, batch)
        ImapMailbox.objects.filter(pk=mailbox.pk, lease_owner=owner).update(
            lease_until=now() + LEASE
        )


def _groups_by_size(client: IMAPClient, uids: list[int]) -> Iterator[list[int]]:
    """The UIDs in order, in groups whose bodies together stay under FETCH_BYTES (a larger
    message alone), so a batch of big mails is not held in memory at once."""
    if not uids:
        return
    sizes = client.fetch(uids, ["RFC822.SIZE"])
    group: list[int] = []
    total = 0
    for uid in uids:
        size = int(sizes.get(uid, {}).get(b"RFC822.SIZE", 0))
        if group and total + size > FETCH_BYTES:
            yield group
            group, total = [], 0
        group.append(uid)
        total += size
    if group:
        yield group


def _import(raw: bytes, folder: ImapFolder, mailbox: ImapMailbox, validity: int, uid: int) -> bool:
    """Keep the raw and the row naming the message in one transaction, then hand the mail to
    the pipeline. False if another poller got there first (the row is unique)."""
    try:
        with transaction.atomic():
            inbound = mail_store(raw, source=folder.source)
            ImapImported.objects.create(
                mailbox=mailbox, uidvalidity=validity, uid=uid, inbound=inbound
            )
    except IntegrityError:
        return False
    mail_handle(inbound)
    return True


def _mark_done(client: IMAPClient, folder: ImapFolder, uids: list[int]) -> None:
    client.add_flags(uids, [SEEN], silent=True)
    if not folder.move_to:
        return
    if client.has_capability("MOVE"):
        client.move(uids, folder.move_to)
        return
    client.copy(uids, folder.move_to)
    client.add_flags(uids, [DELETED], silent=True)
    if client.has_capability("UIDPLUS"):
        client.uid_expunge(uids)
    else:
        client.expunge()


# --- the folder's row: lease and incidents --------------------------------------------------


def _mailbox_row(folder: ImapFolder) -> ImapMailbox:
    try:
        return ImapMailbox.objects.get_or_create(key=folder.key)[0]
    except IntegrityError:  # created by another poller a moment ago
        return ImapMailbox.objects.get(key=folder.key)


def _lease_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def _lease_take(mailbox: ImapMailbox, owner: str) -> bool:
    moment = now()
    free = Q(lease_owner="") | Q(lease_until__isnull=True) | Q(lease_until__lt=moment)
    rows = ImapMailbox.objects.filter(pk=mailbox.pk)
    # The poll's start counts as its time (a long poll does not push the next one back).
    taken = {"lease_owner": owner, "lease_until": moment + LEASE, "last_polled_at": moment}
    if rows.filter(free).update(**taken):
        return True
    holder = rows.values_list("lease_owner", flat=True).first() or ""
    if not _owner_is_gone(holder):
        return False
    # The poller that held it was killed on this host: no need to wait for the lease to lapse.
    return bool(rows.filter(lease_owner=holder).update(**taken))


def _owner_is_gone(owner: str) -> bool:
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _incident(mailbox: ImapMailbox, folder: ImapFolder, exc: Exception, error: str) -> None:
    rows = ImapMailbox.objects.filter(pk=mailbox.pk)
    first = rows.filter(failing_since__isnull=True).update(failing_since=now(), last_error=error)
    if first:
        # A server's own refusal or a network error says enough; anything else is a bug's
        # trace, worth having once.
        expected = isinstance(exc, OSError | IMAPClient.Error | IMAPClient.AbortError)
        log.error(
            "IMAP %s cannot be polled: %s (tried again every poll; logged again when it works)",
            folder,
            error,
            exc_info=None if expected else exc,
        )
    else:
        rows.update(last_error=error)
        log.debug("IMAP %s still cannot be polled: %s", folder, error)


def _incident_over(mailbox: ImapMailbox, folder: ImapFolder) -> None:
    rows = ImapMailbox.objects.filter(pk=mailbox.pk, failing_since__isnull=False)
    if rows.update(failing_since=None, last_error=""):
        log.warning("IMAP %s can be polled again", folder)
