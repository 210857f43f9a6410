"""Delivery against a real SMTP server (aiosmtpd on loopback): what leaves, with which headers,
and what happens when the server refuses, is away, or the worker dies halfway.

Rows are written with ``outbox_enqueue`` as the notification rules write them; each test finds
its own mails in the sink by Message-ID, so mails other code sends for the same changes (the
rules') do not disturb it.
"""

from __future__ import annotations

import email
from collections.abc import Callable
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from pytest_django.fixtures import Settings

from frontdesk.accounts.models import User
from frontdesk.core.clock import now
from frontdesk.mail.addresses import ReplyTarget, parse_reply_address, thread_root_id
from frontdesk.mail.models import InboundMail
from frontdesk.notifications import delivery
from frontdesk.notifications.delivery import (
    Outcome,
    outbox_deliver,
    outbox_deliver_promptly,
    outbox_sweep,
)
from frontdesk.notifications.models import OutboxMail
from frontdesk.notifications.outbox import outbox_enqueue
from frontdesk.notifications.rendering import RenderedMail
from frontdesk.tickets.models import Ticket
from tests.conftest import Clock, open_ticket
from tests.mailservers import SmtpSink

pytestmark = pytest.mark.django_db

Status = OutboxMail.Status


@pytest.fixture
def ticket(customer: User) -> Ticket:
    """The customer's ticket, just opened, with no mail about it yet: rows the notification
    rules wrote for its opening are cleared, so that each test sees only the rows it writes."""
    opened = open_ticket(customer)
    OutboxMail.objects.all().delete()
    return opened


def enqueue(recipient: User, ticket: Ticket | None, kind: str = "ticket_received") -> OutboxMail:
    """A row as the rules write one: in a use case's transaction (the test's, here: its
    on-commit hand-over to the worker does not run, so each test sends when it chooses)."""
    with transaction.atomic():
        return outbox_enqueue(kind=kind, recipient=recipient, ticket=ticket)


def reloaded(mail: OutboxMail) -> OutboxMail:
    mail.refresh_from_db()
    return mail


def parts(message: EmailMessage) -> dict[str, str]:
    return {
        part.get_content_type(): part.get_content()
        for part in message.walk()
        if not part.is_multipart()
    }


# --- what leaves ----------------------------------------------------------------------------


def test_a_mail_leaves_with_the_headers_that_thread_it_and_bring_replies_back(
    smtp_sink: SmtpSink, customer: User, ticket: Ticket, clock: Clock, settings: Settings
) -> None:
    settings.DEFAULT_FROM_EMAIL = "Studio Help <help@studio.example>"
    settings.FRONTDESK_SUPPORT_ADDRESSES = ["help@studio.example"]
    InboundMail.objects.create(
        source="smtp",
        raw=b"",
        ticket=ticket,
        message_id_header="<first-from-phone@mail.example>",
        received_at=now() - timedelta(hours=2),
    )
    first = enqueue(customer, ticket)
    assert outbox_deliver(mail_id=first.pk) == Outcome.SENT
    clock.advance(60)
    second = enqueue(customer, ticket)

    assert outbox_deliver(mail_id=second.pk) == Outcome.SENT

    [arrived] = smtp_sink.with_message_id(second.message_id_header)
    message = arrived.message
    assert arrived.envelope_to == [customer.email]
    assert message["From"] == "Studio Help <help@studio.example>"
    assert message["To"] == customer.email
    references = message["References"].split()
    assert references == [
        thread_root_id(ticket.pk),
        "<first-from-phone@mail.example>",
        first.message_id_header,
    ]
    assert message["In-Reply-To"].strip() == first.message_id_header
    assert parse_reply_address(message["Reply-To"]) == ReplyTarget(ticket.pk, customer.pk)
    assert message["Reply-To"].endswith("@studio.example")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Auto-Response-Suppress"] == "All"
    assert message.get_content_type() == "multipart/alternative"
    bodies = parts(message)
    assert ticket.number in bodies["text/plain"] and ticket.title in bodies["text/plain"]
    assert f'href="http://127.0.0.1:8000/ticket/{ticket.pk}"' in bodies["text/html"]
    assert message["Subject"] == f"[{ticket.number}] We received your request: {ticket.title}"

    row = reloaded(second)
    assert (row.status, row.attempts, row.last_error) == (Status.SENT, 1, "")
    assert row.sent_at == clock.current and row.subject == message["Subject"]


def test_the_first_mail_of_a_ticket_answers_its_thread_root(
    smtp_sink: SmtpSink, customer: User, ticket: Ticket
) -> None:
    mail = enqueue(customer, ticket)
    outbox_deliver(mail_id=mail.pk)
    [arrived] = smtp_sink.with_message_id(mail.message_id_header)
    root = thread_root_id(ticket.pk)
    assert arrived.message["References"].strip() == root
    assert arrived.message["In-Reply-To"].strip() == root


def test_references_stay_bounded_and_take_only_well_formed_ids(
    smtp_sink: SmtpSink, customer: User, ticket: Ticket, clock: Clock
) -> None:
    for n in range(15):
        clock.advance(1)
        InboundMail.objects.create(
            source="smtp", raw=b"", ticket=ticket, message_id_header=f"<in{n}@mail.example>"
        )
    InboundMail.objects.create(
        source="smtp", raw=b"", ticket=ticket, message_id_header="<bad id>\r\nBcc: x@evil.example"
    )
    mail = enqueue(customer, ticket)
    assert outbox_deliver(mail_id=mail.pk) == Outcome.SENT
    [arrived] = smtp_sink.with_message_id(mail.message_id_header)
    references = arrived.message["References"].split()
    assert references[0] == thread_root_id(ticket.pk)
    assert references[1:] == [f"<in{n}@mail.example>" for n in range(5, 15)]
    assert arrived.message["Bcc"] is None and arrived.envelope_to == [customer.email]


def test_headers_from_rendering_go_out_but_never_replace_the_threading_ones(
    smtp_sink: SmtpSink, customer: User, ticket: Ticket, monkeypatch: pytest.MonkeyPatch
) -> None:
    unsubscribe = "<http://127.0.0.1:8000/unsubscribe/abc>"
    rendered = RenderedMail(
        subject="Subject",
        text="Text\n",
        html="<p>Text</p>",
        headers={"List-Unsubscribe": unsubscribe, "Message-ID": "<forged@example>"},
    )
    monkeypatch.setattr(delivery, "render", lambda mail: rendered)
    mail = enqueue(customer, ticket)
    assert outbox_deliver(mail_id=mail.pk) == Outcome.SENT
    [arrived] = smtp_sink.with_message_id(mail.message_id_header)
    assert arrived.message["List-Unsubscribe"] == unsubscribe


def test_a_mail_about_no_ticket_has_no_thread_and_no_reply_address(
    smtp_sink: SmtpSink, customer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        delivery, "render", lambda mail: RenderedMail("Your digest", "Nothing new.\n", "")
    )
    mail = enqueue(customer, None, kind="digest")
    assert outbox_deliver(mail_id=mail.pk) == Outcome.SENT
    [arrived] = smtp_sink.with_message_id(mail.message_id_header)
    message = arrived.message
    assert message["References"] is None and message["In-Reply-To"] is None
    assert message["Reply-To"] is None
    assert message.get_content_type() == "text/plain"
    assert message["Auto-Submitted"] == "auto-generated"


# --- refusals, retries and failures ---------------------------------------------------------


def test_a_temporary_refusal_is_retried_after_a_wait_then_sent(
    smtp_sink: SmtpSink, customer: User, ticket: Ticket, clock: Clock
) -> None:
    smtp_sink.refuse("451 4.3.0 Mailbox busy, try again later")
    mail = enqueue(customer, ticket)

    assert outbox_deliver(mail_id=mail.pk) == Outcome.RETRY
    row = reloaded(mail)
    assert (row.status, row.attempts) == (Status.PENDING, 1)
    assert "451" in row.last_error and "Mailbox busy" in row.last_error
    wait = row.next_attempt_at - clock.current
    assert timedelta(seconds=48) <= wait <= timedelta(seconds=72)
    assert smtp_sink.received == []

    assert outbox_deliver(mail_id=mail.pk) == Outcome.NOT_CLAIMED  # not due yet
    assert outbox_sweep() == {}
    clock.advance(wait.total_seconds())
    assert outbox_sweep() == {Outcome.SENT: 1}

    assert len(smtp_sink.with_message_id(mail.message_id_header)) == 1
    row = reloaded(mail)
    assert (row.status, row.attempts) == (Status.SENT, 2)


def test_waits_grow_exponentially_and_the_last_attempt_fails_the_mail(
    smtp_sink: SmtpSink, customer: User, ticket: Ticket, clock: Clock, settings: Settings
) -> None:
    settings.FRONTDESK_MAIL_ATTEMPTS = 4
    smtp_sink.refuse("421 4.7.0 Too many connections", times=4)
    mail = enqueue(customer, ticket)
    for attempt, minutes in [(1, 1), (2, 2), (3, 4)]:
        assert outbox_sweep() == {Outcome.RETRY: 1}
        row = reloaded(mail)
        assert row.attempts == attempt
        wait = (row.next_attempt_at - clock.current).total_seconds()
        assert 0.8 * 60 * minutes <= wait <= 1.2 * 60 * minutes
        clock.advance(wait)

    assert outbox_sweep() == {Outcome.FAILED: 1}
    row = reloaded(mail)
    assert (row.status, row.attempts) == (Status.FAILED, 4)
    assert row.last_error.startswith("Gave up after 4 attempts.") and "421" in row.last_error
    clock.advance(86400)
    assert outbox_sweep() == {}
    assert smtp_sink.received == []


def test_mail_waiting_when_the_attempts_are_lowered_fails_at_its_next_turn(
    smtp_sink: SmtpSink, customer: User, ticket: Ticket, clock: Clock, settings: Settings
) -> None:
    smtp_sink.refuse("451 4.3.0 Try again later", times=3)
    mail = enqueue(customer, ticket)
    for _ in range(3):
        outbox_sweep()
        clock.advance(3600)
    settings.FRONTDESK_MAIL_ATTEMPTS = 2
    assert outbox_sweep() == {Outcome.FAILED: 1}
    row = reloaded(mail)
    assert (row.status, row.attempts) == (Status.FAILED, 3) and "451" in row.last_error


@pytest.mark.parametrize(
    ("stage", "answer"),
    [("RCPT", "550 5.1.1 No such user here"), ("DATA", "554 5.7.1 Message refused")],
)
def test_a_permanent_refusal_fails_the_mail_at_once(
    smtp_sink: SmtpSink, customer: User, ticket: Ticket, clock: Clock, stage: str, answer: str
) -> None:
    smtp_sink.refuse(answer, at=stage)
    mail = enqueue(customer, ticket)
    assert outbox_deliver(mail_id=mail.pk) == Outcome.FAILED
    row = reloaded(mail)
    assert (row.status, row.attempts) == (Status.FAILED, 1)
    assert answer in row.last_error
    clock.advance(86400)
    assert outbox_sweep() == {}
    assert smtp_sink.received == []


def test_a_refused_sender_is_the_desks_configuration_and_is_retried(
    smtp_sink: SmtpSink, customer: User, ticket: Ticket, clock: Clock
) -> None:
    smtp_sink.refuse("553 5.7.1 Sender address rejected: not owned by user", at="MAIL")
    mail = enqueue(customer, ticket)
    assert outbox_deliver(mail_id=mail.pk) == Outcome.RETRY
    row = reloaded(mail)
    assert row.status == Status.PENDING and "553" in row.last_error
    clock.advance(90)
    assert outbox_sweep() == {Outcome.SENT: 1}


def test_the_sweep_runs_every_minute_in_the_worker() -> None:
    from huey.contrib.djhuey import HUEY

    from frontdesk.notifications import tasks

    start = now().replace(second=0, microsecond=0)
    for minute in range(3):
        due = HUEY.read_periodic(start + timedelta(minutes=minute))
        assert any(isinstance(task, tasks.outbox_sweep.task_class) for task in due)


def test_an_unreachable_server_is_retried_and_stops_the_sweep(
    customer: User, ticket: Ticket, settings: Settings
) -> None:
    from tests.mailservers import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    first, second = enqueue(customer, ticket), enqueue(customer, ticket)

    assert outbox_sweep() == {Outcome.UNREACHABLE: 1}
    assert reloaded(first).status == Status.PENDING and reloaded(first).attempts == 1
    assert "Connection refused" in reloaded(first).last_error
    assert reloaded(second).attempts == 0  # still due: the next run tries it


def test_a_mail_that_cannot_be_written_fails_with_the_reason(
    smtp_sink: SmtpSink, customer: User, ticket: Ticket
) -> None:
    mail = enqueue(customer, ticket, kind="no_such_kind")
    assert outbox_deliver(mail_id=mail.pk) == Outcome.FAILED
    row = reloaded(mail)
    assert row.status == Status.FAILED and "no_such_kind" in row.last_error
    assert smtp_sink.received == []


# --- what is never sent -----------------------------------------------------------------------


def test_mail_about_a_deleted_ticket_or_message_is_skipped(
    smtp_sink: SmtpSink, admin: User, agent: User, customer: User, ticket: Ticket
) -> None:
    from frontdesk.tickets import services

    reply = services.message_post(actor=agent, ticket_id=ticket.pk, body="We are on it.")
    about_reply = enqueue(customer, ticket)
    OutboxMail.objects.filter(pk=about_reply.pk).update(message=reply)
    services.message_delete(actor=agent, message_id=reply.pk)
    assert reloaded(about_reply).status == Status.SKIPPED
    assert reloaded(about_reply).last_error == "The message was deleted before the mail was sent."

    about_ticket = enqueue(customer, ticket)
    services.ticket_delete(actor=admin, ticket_id=ticket.pk)
    row = reloaded(about_ticket)
    assert (row.status, row.ticket_id) == (Status.SKIPPED, None)
    assert row.last_error == "The ticket was deleted before the mail was sent."

    assert outbox_sweep() == {}
    assert outbox_deliver(mail_id=about_ticket.pk) == Outcome.NOT_CLAIMED
    assert smtp_sink.received == []


def test_mail_to_a_deactivated_or_deleted_account_is_skipped(
    smtp_sink: SmtpSink, admin: User, customer: User, other_customer: User, ticket: Ticket
) -> None:
    from frontdesk.accounts.services import user_set_active

    to_deactivated = enqueue(customer, ticket)
    user_set_active(actor=admin, user=customer, active=False)
    assert outbox_deliver(mail_id=to_deactivated.pk) == Outcome.SKIPPED
    assert reloaded(to_deactivated).last_error == "The recipient's account is deactivated."

    to_deleted = enqueue(other_customer, ticket)
    other_customer.delete()
    assert outbox_deliver(mail_id=to_deleted.pk) == Outcome.SKIPPED
    assert "account was deleted" in reloaded(to_deleted).last_error
    assert smtp_sink.received == []


# --- crashes --------------------------------------------------------------------------------


class Crash(BaseException):
    """The process dies here (a kill, a power cut): nothing after this line runs."""


def _crash_when(monkeypatch: pytest.MonkeyPatch, name: str, condition: Callable[..., bool]) -> None:
    original = getattr(delivery, name)

    def crashing(*args: Any, **kwargs: Any) -> Any:
        if condition(*args, **kwargs):
            raise Crash
        return original(*args, **kwargs)

    monkeypatch.setattr(delivery, name, crashing)


def test_a_crash_after_handing_over_sends_once_more_with_the_same_message_id(
    smtp_sink: SmtpSink,
    customer: User,
    ticket: Ticket,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mail = enqueue(customer, ticket)
    with monkeypatch.context() as patch:
        _crash_when(patch, "_record", lambda *a, **fields: fields.get("status") == Status.SENT)
        with pytest.raises(Crash):
            outbox_deliver(mail_id=mail.pk)
    assert len(smtp_sink.with_message_id(mail.message_id_header)) == 1
    assert reloaded(mail).status == Status.SENDING

    assert outbox_sweep() == {}  # the claim holds for a while
    clock.advance(delivery.claim_lapses_after().total_seconds() - 1)
    assert outbox_sweep() == {}
    clock.advance(1)
    assert outbox_sweep() == {Outcome.SENT: 1}

    again = smtp_sink.with_message_id(mail.message_id_header)
    assert (
        len(again) == 2
        and again[0].message["Message-ID"].strip() == again[1].message["Message-ID"].strip()
    )
    row = reloaded(mail)
    assert (row.status, row.attempts) == (Status.SENT, 2)
    clock.advance(3600)
    assert outbox_sweep() == {}
    assert len(smtp_sink.received) == 2


def test_an_outcome_is_recorded_only_while_our_claim_holds(
    customer: User, ticket: Ticket, clock: Clock
) -> None:
    """Recorded by an UPDATE compiled once per set of fields: it must still match only the
    claim it was made for, with each value where it belongs."""
    first, second = enqueue(customer, ticket), enqueue(customer, ticket)
    OutboxMail.objects.filter(pk__in=[first.pk, second.pk]).update(
        status=Status.SENDING, attempts=1
    )
    OutboxMail.objects.filter(pk=second.pk).update(attempts=2)  # another worker's claim now
    sent_at = now()
    for mail in (first, second):
        delivery._record(mail, 1, status=Status.SENT, sent_at=sent_at, subject=f"S{mail.pk}")
    row = reloaded(first)
    assert (row.status, row.sent_at, row.subject) == (Status.SENT, sent_at, f"S{first.pk}")
    assert reloaded(second).status == Status.SENDING and reloaded(second).subject == ""
    delivery._record(second, 2, status=Status.PENDING, attempts=1, last_error="Away")
    row = reloaded(second)
    assert (row.status, row.attempts, row.last_error) == (Status.PENDING, 1, "Away")


def test_a_crash_before_handing_over_sends_it_once_after_the_claim_lapses(
    smtp_sink: SmtpSink,
    customer: User,
    ticket: Ticket,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mail = enqueue(customer, ticket)
    with monkeypatch.context() as patch:
        _crash_when(patch, "render", lambda *a, **k: True)
        with pytest.raises(Crash):
            outbox_deliver(mail_id=mail.pk)
    assert smtp_sink.received == []
    clock.advance(delivery.claim_lapses_after().total_seconds())
    assert outbox_sweep() == {Outcome.SENT: 1}
    assert len(smtp_sink.with_message_id(mail.message_id_header)) == 1


def test_a_claim_lapsing_on_the_last_attempt_fails_the_mail(
    smtp_sink: SmtpSink,
    customer: User,
    ticket: Ticket,
    clock: Clock,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.FRONTDESK_MAIL_ATTEMPTS = 1
    mail = enqueue(customer, ticket)
    with monkeypatch.context() as patch:
        _crash_when(patch, "render", lambda *a, **k: True)
        with pytest.raises(Crash):
            outbox_deliver(mail_id=mail.pk)
    clock.advance(delivery.claim_lapses_after().total_seconds())
    assert outbox_sweep() == {Outcome.FAILED: 1}
    row = reloaded(mail)
    assert row.status == Status.FAILED and "whether the mail left is not known" in row.last_error
    assert smtp_sink.received == []


# --- the embedded profile's .eml files ------------------------------------------------------


def test_without_a_mail_server_each_mail_is_one_eml_file(
    customer: User, other_customer: User, ticket: Ticket, settings: Settings, tmp_path: Path
) -> None:
    settings.EMAIL_BACKEND = "frontdesk.notifications.backends.EmlFileBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail-out"
    mails = [enqueue(customer, ticket), enqueue(other_customer, ticket)]
    assert outbox_sweep() == {Outcome.SENT: 2}

    files = sorted((tmp_path / "mail-out").iterdir())
    assert len(files) == 2 and all(path.suffix == ".eml" for path in files)
    read = [email.message_from_bytes(path.read_bytes(), policy=policy.default) for path in files]
    assert {message["Message-ID"].strip() for message in read} == {
        m.message_id_header for m in mails
    }
    for message in read:
        assert isinstance(message, EmailMessage)
        assert message["Auto-Submitted"] == "auto-generated"
        assert set(parts(message)) >= {"text/plain", "text/html"}


# --- one connection for a burst -----------------------------------------------------------


def test_a_prompt_delivery_takes_the_other_due_mails_along_on_one_connection(
    smtp_sink: SmtpSink, customer: User, agent: User, ticket: Ticket
) -> None:
    burst = [enqueue(customer, ticket) for _ in range(3)] + [enqueue(agent, ticket)]
    outbox_deliver_promptly(mail_ids=[burst[0].pk])
    arrived = smtp_sink.wait_for(4)
    assert sorted(mail.message["Message-ID"].strip() for mail in arrived) == sorted(
        mail.message_id_header for mail in burst
    )
    assert len({mail.peer for mail in arrived}) == 1  # one connection, not four
    assert {reloaded(mail).status for mail in burst} == {Status.SENT}
    # The jobs the other rows asked for find them sent: nothing leaves twice.
    for mail in burst[1:]:
        outbox_deliver_promptly(mail_ids=[mail.pk])
    assert len(smtp_sink.received) == 4


def test_a_prompt_delivery_leaves_mails_not_yet_due_alone(
    smtp_sink: SmtpSink, customer: User, ticket: Ticket, clock: Clock
) -> None:
    first, later = enqueue(customer, ticket), enqueue(customer, ticket)
    OutboxMail.objects.filter(pk=later.pk).update(next_attempt_at=now() + timedelta(minutes=4))
    outbox_deliver_promptly(mail_ids=[first.pk])
    assert [mail.message["Message-ID"].strip() for mail in smtp_sink.wait_for(1)] == [
        first.message_id_header
    ]
    assert reloaded(later).status == Status.PENDING


def test_a_prompt_delivery_with_the_server_down_records_the_mail_for_a_retry(
    settings: Settings, customer: User, ticket: Ticket
) -> None:
    from tests.mailservers import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    first, second = enqueue(customer, ticket), enqueue(customer, ticket)
    outbox_deliver_promptly(mail_ids=[first.pk])
    assert reloaded(first).status == Status.PENDING and reloaded(first).attempts == 1
    assert reloaded(second).attempts == 0  # not tried against a server known to be down


# --- cost ---------------------------------------------------------------------------------


def test_each_mail_of_a_batch_costs_a_few_queries_whatever_it_is_about(
    smtp_sink: SmtpSink, customer: User, agent: User, ticket: Ticket
) -> None:
    """The people a mail names (requester, author, actor) come with the batch's one read: a
    mail's own queries are its thread headers and its recorded outcome, not a lookup each."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def cost(mails: int) -> int:
        ids = [enqueue(customer if n % 2 else agent, ticket).pk for n in range(mails)]
        with CaptureQueriesContext(connection) as queries:
            delivery.outbox_deliver_batch(mail_ids=ids)
        return len(queries)

    five, ten = cost(5), cost(10)
    assert (ten - five) / 5 <= 3
