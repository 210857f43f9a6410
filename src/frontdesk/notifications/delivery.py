"""Send the outbox: claim a row, render it, hand it to the mail backend, record what happened.

What is guaranteed (docs/email.md, "Sending"):

* A row is sent only by whoever claims it. Mails are claimed in batches (up to CLAIM_BATCH,
  pending or lapsed, and due → sending, one more attempt) in one transaction that skips rows
  another worker holds, so any number of workers and sweeps may try the same row at once: one
  wins, the others do nothing. The outcomes of a batch are recorded in one more commit.
* A claim lapses after :func:`claim_lapses_after`. A row still ``sending`` then was claimed by
  a worker that stopped (a crash, a kill) between claiming and recording the outcome; it is
  tried again, with the same Message-ID. If that worker had already handed the mail over, the
  recipient gets it twice, under one Message-ID, which mail clients and servers show once.
  That window (handed over, batch not yet recorded, at most CLAIM_BATCH mails) is the only way
  a mail can leave twice.
* A temporary refusal (4xx), an unreachable server or any unexpected error is retried after
  an exponentially growing, jittered wait; after ``FRONTDESK_MAIL_ATTEMPTS`` attempts the row
  is ``failed``. A permanent refusal of the recipient or of the message (5xx) fails it at once.
  Failed rows are listed for admins (notifications/admin.py), who can send them again.
* A row whose ticket or message was deleted, or whose recipient's account was deleted or
  deactivated, is ``skipped`` with the reason, never sent.
"""

from __future__ import annotations

import enum
import logging
import random
import re
import secrets
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F, QuerySet
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.template import TemplateDoesNotExist, TemplateSyntaxError

from frontdesk.core.clock import now
from frontdesk.core.compiled import CompiledRead, CompiledUpdate
from frontdesk.mail.addresses import parse_message_id, reply_address, thread_root_id
from frontdesk.mail.models import InboundMail
from frontdesk.notifications.headers import FOLDING
from frontdesk.notifications.models import OutboxMail
from frontdesk.notifications.rendering import RenderedMail, render
from frontdesk.tickets.models import Message, Ticket

log = logging.getLogger(__name__)

Status = OutboxMail.Status

FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)
JITTER = 0.2  # each wait is stretched or shrunk by up to this fraction, so retries spread out
THREAD_DEPTH = 10  # Message-IDs after the thread root in References
SWEEP_BATCH = 200
FOLLOWERS = 20  # other due mails a prompt delivery job takes along on its connection
CLAIM_BATCH = FOLLOWERS + 1  # mails claimed, sent and recorded together
_MESSAGE_ID = re.compile(r"^<[!-;=?-~]{1,250}>$")  # printable ASCII, no spaces or brackets


class Outcome(enum.StrEnum):
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"
    RETRY = "retry"  # back to pending, due again later
    UNREACHABLE = "unreachable"  # the mail server could not be talked to (also retried)
    NOT_CLAIMED = "not claimed"  # not due, already claimed, or already done


def max_attempts() -> int:
    return int(settings.FRONTDESK_MAIL_ATTEMPTS)


def claim_lapses_after() -> timedelta:
    """How long a claim holds. Well past the time one mail can take to hand over: Django's
    SMTP backend waits up to EMAIL_TIMEOUT for each step (connect, TLS, login, send)."""
    return max(timedelta(minutes=5), timedelta(seconds=4 * int(settings.EMAIL_TIMEOUT) + 60))


def retry_wait(attempt: int) -> timedelta:
    """The wait after failed attempt ``attempt`` (1, 2, ...): 1, 2, 4, 8 ... minutes, at most
    an hour, each ±20 %."""
    wait = min(FIRST_RETRY * 2 ** (attempt - 1), LONGEST_WAIT)
    return wait * random.uniform(1 - JITTER, 1 + JITTER)


def outbox_deliver(*, mail_id: int, connection: BaseEmailBackend | None = None) -> Outcome:
    """Claim the row and send it, if it is due and nobody holds it (over ``connection`` when
    given, an open one shared by several mails). Never raises for a mail that cannot be sent:
    the row records why, and when it will be tried again."""
    return outbox_deliver_batch(mail_ids=[mail_id], connection=connection).get(
        mail_id, Outcome.NOT_CLAIMED
    )


def outbox_deliver_batch(
    *, mail_ids: list[int], connection: BaseEmailBackend | None = None
) -> dict[int, Outcome]:
    """Claim those of ``mail_ids`` that are due and free in one commit, send them in that order,
    and record every outcome in one more commit: two writes per batch instead of two per mail,
    which is what lets the worker keep up while requests hold SQLite's one write lock
    (bench/README.md, "Mail"). If the mail server cannot be reached, the mails not yet tried
    go back to waiting without spending an attempt. The outcome of each mail claimed."""
    claimed = _claim(mail_ids)
    if not claimed:
        return {}
    ids = sorted(claimed)
    mails = {mail.pk: mail for mail in _mails_with_people(len(ids), *ids)}
    outcomes: dict[int, Outcome] = {}
    records: list[tuple[OutboxMail, int, dict[str, Any]]] = []
    for mail_id, attempt in claimed.items():
        mail = mails[mail_id]
        if Outcome.UNREACHABLE in outcomes.values():
            records.append((mail, attempt, _released(attempt)))
            continue
        outcomes[mail_id], fields = _attempt(mail, attempt, connection)
        records.append((mail, attempt, fields))
    _record_all(records)
    return outcomes


def _attempt(
    mail: OutboxMail, attempt: int, connection: BaseEmailBackend | None
) -> tuple[Outcome, dict[str, Any]]:
    """Send one claimed mail; its outcome and the fields that record it."""
    reason = _reason_to_skip(mail)
    if reason:
        return Outcome.SKIPPED, {"status": Status.SKIPPED, "last_error": reason}
    try:
        rendered = render(mail)
        email = build_email(mail, rendered, connection=connection)
    except (TemplateDoesNotExist, TemplateSyntaxError, ValueError) as exc:
        return _unwritable(exc)
    except Exception as exc:
        log.exception("outbox mail %s could not be rendered", mail.pk)
        return _after_error(mail, attempt, exc)
    try:
        email.send()
    except ValueError as exc:  # a bad address or header, found as the backend writes it out
        return _unwritable(exc)
    except Exception as exc:  # the backend's errors are many: SMTP, socket, TLS, disk
        return _after_error(mail, attempt, exc, subject=rendered.subject)
    return Outcome.SENT, {
        "status": Status.SENT,
        "sent_at": now(),
        "subject": rendered.subject[:998],
        **_without_secrets(mail),
    }


def _unwritable(exc: Exception) -> tuple[Outcome, dict[str, Any]]:
    """A mail that can never be written (a missing template, a bad address or header)."""
    return Outcome.FAILED, {"status": Status.FAILED, "last_error": f"Could not be written: {exc}"}


def _without_secrets(mail: OutboxMail) -> dict[str, Any]:
    """Data whose key starts with ``secret_`` (a password reset link) is kept only until the
    mail has left: the row outlives it, and the secret must not rest in the database."""
    if not any(key.startswith("secret_") for key in mail.data):
        return {}
    return {"data": {k: v for k, v in mail.data.items() if not k.startswith("secret_")}}


def outbox_sweep(*, batch: int = SWEEP_BATCH) -> dict[str, int]:
    """Send what is due: rows whose prompt delivery was missed (the worker was down when they
    were written), retries whose wait is over, and claims that lapsed. At most ``batch`` rows,
    oldest due first; stops early when the mail server cannot be reached (the rest stay due
    for the next run). Harmless when several workers run it at once."""
    moment = now()
    counts: dict[str, int] = {}
    exhausted = OutboxMail.objects.filter(
        status=Status.SENDING, next_attempt_at__lte=moment, attempts__gte=max_attempts()
    ).update(
        status=Status.FAILED,
        last_error="The worker stopped while sending the last attempt; whether the mail left "
        "is not known.",
    )
    # Rows left with no attempt to spare after FRONTDESK_MAIL_ATTEMPTS was lowered.
    exhausted += OutboxMail.objects.filter(
        status=Status.PENDING, next_attempt_at__lte=moment, attempts__gte=max_attempts()
    ).update(status=Status.FAILED)
    if exhausted:
        counts[Outcome.FAILED] = exhausted
    due = (
        OutboxMail.objects.filter(
            status__in=(Status.PENDING, Status.SENDING), next_attempt_at__lte=moment
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    due_ids = list(due)
    with shared_connection() as connection:
        for start in range(0, len(due_ids), CLAIM_BATCH):
            outcomes = outbox_deliver_batch(
                mail_ids=due_ids[start : start + CLAIM_BATCH], connection=connection
            )
            for outcome in outcomes.values():
                counts[outcome] = counts.get(outcome, 0) + 1
            if Outcome.UNREACHABLE in outcomes.values():
                break
    return counts


def outbox_deliver_promptly(*, mail_ids: list[int], followers: int = FOLLOWERS) -> None:
    """The job a commit asks for: the mails that change wrote, then up to ``followers`` other
    mails already due (written by the same burst of changes), in batches over one connection
    to the mail server instead of one each: a TLS handshake with a real provider costs more
    than the mail. The jobs of those other mails find them sent and do nothing (a read, no
    write). If the server cannot be reached, what was not claimed yet waits for the sweep."""
    ids = sorted(set(mail_ids))
    due = [pk for (pk,) in _followers((len(ids), followers), now(), *ids)]
    todo = [*dict.fromkeys(mail_ids), *due]
    with shared_connection() as connection:
        for start in range(0, len(todo), CLAIM_BATCH):
            outcomes = outbox_deliver_batch(
                mail_ids=todo[start : start + CLAIM_BATCH], connection=connection
            )
            if Outcome.UNREACHABLE in outcomes.values():
                return


@contextmanager
def shared_connection() -> Iterator[BaseEmailBackend]:
    """One connection to the mail server for several mails. If it cannot be opened now, each
    mail tries on its own and records why it failed (and when it will be tried again)."""
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as exc:  # the backend's errors are many: SMTP, socket, TLS
        log.info("mail server not reachable for a batch (%s); each mail tries alone", exc)
    try:
        yield connection
    finally:
        try:
            connection.close()
        except Exception:  # a connection that broke midway: nothing left to close
            log.debug("closing the mail connection failed", exc_info=True)


# --- claiming and recording -----------------------------------------------------------------


def _mails_with_people_query(count: int, *mail_ids: int) -> QuerySet[OutboxMail]:
    return (
        OutboxMail.objects.select_related(
            "recipient", "ticket__requester", "message__author", "event__actor"
        )
        .filter(pk__in=mail_ids)
        .order_by()
    )


def _due_query(count: int, moment: datetime, attempts: int, *mail_ids: int) -> QuerySet[Any, Any]:
    return (
        OutboxMail.objects.filter(
            pk__in=mail_ids,
            status__in=(Status.PENDING, Status.SENDING),
            next_attempt_at__lte=moment,
            attempts__lt=attempts,
        )
        .order_by()
        .values_list("pk", "attempts")
    )


def _locked_due_query(count: int, moment: datetime, attempts: int, *mail_ids: int) -> Any:
    return _due_query(count, moment, attempts, *mail_ids).select_for_update(skip_locked=True)


def _followers_query(
    counts: tuple[int, int], moment: datetime, *mail_ids: int
) -> QuerySet[OutboxMail, tuple[int]]:
    return (
        OutboxMail.objects.filter(status=Status.PENDING, next_attempt_at__lte=moment)
        .exclude(pk__in=mail_ids)
        .order_by("next_attempt_at", "pk")
        .values_list("pk")[: counts[1]]
    )


def _ours(mail_id: int, attempt: int) -> QuerySet[OutboxMail]:
    """The row while our claim on it holds."""
    return OutboxMail.objects.filter(pk=mail_id, status=Status.SENDING, attempts=attempt)


def _outcome_query(
    fields: tuple[str, ...], mail_id: int, attempt: int, *values: Any
) -> tuple[QuerySet[OutboxMail], dict[str, Any]]:
    return _ours(mail_id, attempt), dict(zip(fields, values, strict=True))


def _sent_before_query(
    shape: None, ticket_id: int, address: str, mail_id: int
) -> QuerySet[OutboxMail, tuple[datetime | None, str]]:
    return (
        OutboxMail.objects.filter(
            ticket_id=ticket_id, to_address=address, status=Status.SENT, pk__lt=mail_id
        )
        .order_by("-sent_at", "-pk")
        .values_list("sent_at", "message_id_header")[:THREAD_DEPTH]
    )


def _received_query(shape: None, ticket_id: int) -> QuerySet[InboundMail, tuple[datetime, str]]:
    return (
        InboundMail.objects.filter(ticket_id=ticket_id)
        .exclude(message_id_header="")
        .order_by("-received_at", "-pk")
        .values_list("received_at", "message_id_header")[: 2 * THREAD_DEPTH]  # some may be bad
    )


# The worker's reads for each batch and each mail: compiled once (core/compiled.py), once per
# number of ids where they take a list; compiling them was most of the worker's CPU
# (bench/README.md, "Side by side").
_mails_with_people = CompiledRead(_mails_with_people_query)
_due = CompiledRead(_due_query)
_locked_due = CompiledRead(_locked_due_query)
_followers = CompiledRead(_followers_query)
_sent_before = CompiledRead(_sent_before_query)
_received = CompiledRead(_received_query)
# Recording each mail's outcome built and compiled an UPDATE per mail: an eighth of the worker's
# CPU per mail (bench/README.md, "Mail: headers and templates"). Once per set of fields now.
_outcome = CompiledUpdate(_outcome_query)


def _claim(mail_ids: list[int]) -> dict[int, int]:
    """Claim those of ``mail_ids`` that are due and free, in one transaction; the attempt each
    is now on, in the order given. While a row is ``sending``, ``next_attempt_at`` is when the
    claim lapses. Rows another worker holds are skipped, not waited for (PostgreSQL's SKIP
    LOCKED; SQLite runs one writing transaction at a time). A first read without the write
    lock lets the jobs of mails a batch already sent finish without writing anything."""
    moment = now()
    ids, attempts = sorted(set(mail_ids)), max_attempts()
    if not _due(len(ids), moment, attempts, *ids):
        return {}
    with transaction.atomic():
        won = dict(_locked_due(len(ids), moment, attempts, *ids))
        OutboxMail.objects.filter(pk__in=list(won)).update(
            status=Status.SENDING,
            attempts=F("attempts") + 1,
            next_attempt_at=moment + claim_lapses_after(),
        )
    return {pk: won[pk] + 1 for pk in dict.fromkeys(mail_ids) if pk in won}


def _released(attempt: int) -> dict[str, Any]:
    """A claimed mail that was not tried (the server was found unreachable first): waiting
    again at once, the attempt not spent."""
    return {"status": Status.PENDING, "attempts": attempt - 1, "next_attempt_at": now()}


def _record_all(records: list[tuple[OutboxMail, int, dict[str, Any]]]) -> None:
    """The outcomes of one batch, in one commit."""
    with transaction.atomic():
        for mail, attempt, fields in records:
            _record(mail, attempt, **fields)


def _record(mail: OutboxMail, attempt: int, **fields: Any) -> None:
    """The outcome of our attempt, unless our claim lapsed and another took the row over
    (then theirs is the outcome that counts)."""
    values = tuple(fields.values())
    if all(isinstance(value, int | str | datetime) for value in values):
        done = _outcome(tuple(fields), mail.pk, attempt, *values)
    else:  # the data without its secrets: a JSON value, which a compiled UPDATE does not take
        done = _ours(mail.pk, attempt).update(**fields)
    if not done:
        log.warning("outbox mail %s: claim lapsed before the outcome was recorded", mail.pk)


def _after_error(
    mail: OutboxMail, attempt: int, exc: Exception, *, subject: str = ""
) -> tuple[Outcome, dict[str, Any]]:
    error = describe_error(exc)
    extra: dict[str, Any] = {"subject": subject[:998]} if subject else {}
    if is_permanent(exc):
        return Outcome.FAILED, {"status": Status.FAILED, "last_error": error, **extra}
    if attempt >= max_attempts():
        error = f"Gave up after {attempt} attempts. {error}"
        return Outcome.FAILED, {"status": Status.FAILED, "last_error": error, **extra}
    retry_at: datetime = now() + retry_wait(attempt)
    log.info(
        "outbox mail %s: attempt %s failed (%s); again at %s", mail.pk, attempt, error, retry_at
    )
    return Outcome.UNREACHABLE if is_unreachable(exc) else Outcome.RETRY, {
        "status": Status.PENDING,
        "next_attempt_at": retry_at,
        "last_error": error,
        **extra,
    }


def is_permanent(exc: Exception) -> bool:
    """The server refused this recipient or this message for good (5xx). Other 5xx answers
    (a refused sender, a failed login) are the desk's configuration: they are retried, so that
    mail flows again once an admin fixes it."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(exc, smtplib.SMTPDataError):
        return 500 <= exc.smtp_code < 600
    return False


def is_unreachable(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPConnectError | smtplib.SMTPServerDisconnected):
        return True
    return isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)


def describe_error(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        text = "; ".join(
            f"{code} {_decode(answer)} ({address})"
            for address, (code, answer) in exc.recipients.items()
        )
        return f"Recipient refused: {text}"[:2000]
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{type(exc).__name__}: {exc.smtp_code} {_decode(exc.smtp_error)}"[:2000]
    return f"{type(exc).__name__}: {exc}"[:2000]


def _decode(answer: bytes | str) -> str:
    return answer.decode("utf-8", "replace") if isinstance(answer, bytes) else answer


def _reason_to_skip(mail: OutboxMail) -> str:
    made_for = parse_message_id(mail.message_id_header)
    if made_for and made_for.ticket_id and mail.ticket_id is None:
        return "The ticket was deleted before the mail was sent."
    if made_for and made_for.user_id and mail.recipient_id is None:
        return "The recipient's account was deleted before the mail was sent."
    if mail.recipient is not None and not mail.recipient.is_active:
        return "The recipient's account is deactivated."
    if not mail.to_address:
        return "There is no address to send it to."
    return ""


# --- the mail itself --------------------------------------------------------------------------


class _Mail(EmailMultiAlternatives):
    """A mail whose multipart boundaries are chosen before it is written out, and whose
    headers are written by :data:`~frontdesk.notifications.headers.FOLDING` (the same bytes as
    ``compat32``, in half the time). Left to the standard library's generator, each
    boundary is a random number checked against the whole text with a regular expression
    compiled for that boundary alone: 6 % of the worker's CPU per mail (bench/README.md,
    "Mail"). 128 random bits cannot turn up in a mail's text by chance, and only the desk
    writes them."""

    def message(self) -> Any:
        message = super().message()
        for part in message.walk():
            part.policy = FOLDING
            if part.is_multipart():
                part.set_boundary(f"=_frontdesk_{secrets.token_hex(16)}")
        return message


def build_email(
    mail: OutboxMail, rendered: RenderedMail, *, connection: BaseEmailBackend | None = None
) -> EmailMultiAlternatives:
    """The mail as it leaves: the rendered text and HTML, with the headers that thread it,
    bring replies back, and keep auto-responders quiet (RFC 3834; Exchange's own header)."""
    headers = {
        **rendered.headers,
        "Message-ID": mail.message_id_header,
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "All",
        **thread_headers(mail),
    }
    reply_to = []
    if mail.ticket_id is not None and mail.recipient_id is not None:
        reply_to = [reply_address(mail.ticket_id, mail.recipient_id)]
    email = _Mail(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[mail.to_address],
        reply_to=reply_to,
        headers=headers,
        connection=connection or get_connection(fail_silently=False),
    )
    if rendered.html:
        email.attach_alternative(rendered.html, "text/html")
    return email


def thread_headers(mail: OutboxMail) -> dict[str, str]:
    """``References``: the ticket's thread root, then the Message-IDs of the latest mails of
    this ticket's conversation with this address (mails sent to it, mails that came in on the
    ticket), at most THREAD_DEPTH; ``In-Reply-To``: the newest of those (else the root)."""
    if mail.ticket_id is None:
        return {}
    root = thread_root_id(mail.ticket_id)
    sent = _sent_before(None, mail.ticket_id, mail.to_address, mail.pk)
    received = _received(None, mail.ticket_id)
    earlier: list[tuple[datetime, str]] = [(at, value) for at, value in sent if at is not None]
    earlier += received
    ids: list[str] = []
    for _, value in sorted(earlier, key=lambda pair: pair[0]):
        message_id = _clean_message_id(value)
        if message_id and message_id != root and message_id != mail.message_id_header:
            if message_id in ids:
                ids.remove(message_id)
            ids.append(message_id)
    ids = ids[-THREAD_DEPTH:]
    return {"In-Reply-To": ids[-1] if ids else root, "References": " ".join([root, *ids])}


def _clean_message_id(value: str) -> str:
    """A Message-ID as a header may carry it, or "" (Message-IDs that came in are strangers'
    text: nothing but one well-formed id goes into a header)."""
    value = value.strip()
    if value and not value.startswith("<"):
        value = f"<{value}>"
    return value if _MESSAGE_ID.match(value) else ""


# --- rows that must not be sent any more -------------------------------------------------------

_NOT_SENT_YET = (Status.PENDING, Status.FAILED)


@receiver(pre_delete, sender=Ticket, dispatch_uid="outbox-ticket-deleted")
def _skip_mail_about_deleted_ticket(sender: type[Ticket], instance: Ticket, **kwargs: Any) -> None:
    OutboxMail.objects.filter(ticket=instance, status__in=_NOT_SENT_YET).update(
        status=Status.SKIPPED, last_error="The ticket was deleted before the mail was sent."
    )


@receiver(pre_delete, sender=Message, dispatch_uid="outbox-message-deleted")
def _skip_mail_about_deleted_message(
    sender: type[Message], instance: Message, origin: Any = None, **kwargs: Any
) -> None:
    if isinstance(origin, Ticket) or (isinstance(origin, QuerySet) and origin.model is Ticket):
        return  # the ticket's own receiver has skipped every mail about it
    OutboxMail.objects.filter(message=instance, status__in=_NOT_SENT_YET).update(
        status=Status.SKIPPED, last_error="The message was deleted before the mail was sent."
    )
