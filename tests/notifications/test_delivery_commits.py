"""Delivery as committed transactions see it (real commits, real threads): a change that rolls
back mails nobody, a committed one is handed to the worker at once, and workers racing for one
row send it once. Runs on SQLite and, with DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import close_old_connections, connection, transaction

from frontdesk.accounts.models import User
from frontdesk.mail.addresses import make_message_id
from frontdesk.notifications.delivery import (
    Outcome,
    outbox_deliver,
    outbox_deliver_promptly,
    outbox_sweep,
)
from frontdesk.notifications.models import OutboxMail
from frontdesk.notifications.outbox import outbox_enqueue
from frontdesk.tickets.models import Ticket
from tests.mailservers import SmtpSink

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_rolled_back_change_leaves_no_row_and_sends_nothing(
    smtp_sink: SmtpSink, customer: User, ticket: Ticket
) -> None:
    before = len(smtp_sink.received)
    rows_before = OutboxMail.objects.count()
    written: list[OutboxMail] = []

    def use_case_that_fails() -> None:
        with transaction.atomic():
            written.append(
                outbox_enqueue(kind="ticket_received", recipient=customer, ticket=ticket)
            )
            raise RuntimeError("the use case failed after writing the row")

    with pytest.raises(RuntimeError):
        use_case_that_fails()
    rolled_back = written[0]
    assert OutboxMail.objects.count() == rows_before
    assert not OutboxMail.objects.filter(message_id_header=rolled_back.message_id_header).exists()
    assert outbox_sweep() == {}

    with transaction.atomic():
        committed = outbox_enqueue(kind="ticket_received", recipient=customer, ticket=ticket)
    # Handed to the worker on commit (jobs run at once in tests), not by a sweep.
    assert OutboxMail.objects.get(pk=committed.pk).status == OutboxMail.Status.SENT
    time.sleep(0.2)  # anything else on its way would have arrived by now
    arrived = smtp_sink.received[before:]
    assert [mail.message["Message-ID"].strip() for mail in arrived] == [committed.message_id_header]


def _pending(recipient: User, ticket: Ticket) -> OutboxMail:
    """A committed row nobody has been asked to send yet (as after a worker outage)."""
    return OutboxMail.objects.create(
        kind="ticket_received",
        recipient=recipient,
        to_address=recipient.email,
        ticket=ticket,
        message_id_header=make_message_id(ticket.pk, recipient.pk),
    )


def _race(runs: int, work: object) -> list[object]:
    """Run ``work()`` in ``runs`` threads released at the same moment; their results."""
    start = threading.Barrier(runs)
    results: list[object] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            results.append(work())  # type: ignore[operator]
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    return results


def test_workers_racing_for_one_row_send_it_once(
    smtp_sink: SmtpSink, customer: User, ticket: Ticket
) -> None:
    mail = _pending(customer, ticket)
    outcomes = _race(4, lambda: outbox_deliver(mail_id=mail.pk))
    assert sorted(outcomes) == sorted([Outcome.SENT] + [Outcome.NOT_CLAIMED] * 3)
    time.sleep(0.2)
    assert len(smtp_sink.with_message_id(mail.message_id_header)) == 1
    row = OutboxMail.objects.get(pk=mail.pk)
    assert (row.status, row.attempts) == (OutboxMail.Status.SENT, 1)


def test_sweeps_running_at_once_send_each_row_once(
    smtp_sink: SmtpSink, customer: User, other_customer: User, ticket: Ticket
) -> None:
    mails = [_pending(customer if n % 2 else other_customer, ticket) for n in range(6)]
    results = _race(3, outbox_sweep)
    sent = sum(result.get(Outcome.SENT, 0) for result in results)  # type: ignore[attr-defined]
    assert sent == 6
    time.sleep(0.2)
    for mail in mails:
        assert len(smtp_sink.with_message_id(mail.message_id_header)) == 1
    assert set(OutboxMail.objects.values_list("status", flat=True)) == {OutboxMail.Status.SENT}


class WriteCommits:
    """Counts the commits that wrote something on the default connection: each write statement
    run outside a transaction (it commits alone), and each transaction that commits."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        original_commit = connection.commit

        def counting_commit() -> None:
            self.count += 1
            original_commit()

        monkeypatch.setattr(connection, "commit", counting_commit)

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        writes = sql.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))
        if writes and not connection.in_atomic_block:
            self.count += 1
        return execute(sql, params, many, context)


def test_a_burst_of_mails_is_claimed_in_one_commit_and_recorded_in_one_more(
    smtp_sink: SmtpSink,
    customer: User,
    other_customer: User,
    ticket: Ticket,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two writes per batch, not two per mail: on SQLite every write waits for the one write
    lock the requests also need, and the worker fell behind under load (bench/README.md)."""
    burst = [_pending(customer if n % 2 else other_customer, ticket) for n in range(6)]
    commits = WriteCommits(monkeypatch)
    with connection.execute_wrapper(commits):
        outbox_deliver_promptly(mail_ids=[burst[0].pk])
        assert commits.count == 2
        for mail in burst[1:]:  # the jobs the other rows asked for: a read each, no write
            outbox_deliver_promptly(mail_ids=[mail.pk])
        assert commits.count == 2
    smtp_sink.wait_for(6)
    assert set(OutboxMail.objects.values_list("status", "attempts")) == {
        (OutboxMail.Status.SENT, 1)
    }


def test_a_change_that_writes_many_mails_asks_for_one_job_that_sends_them_all(
    smtp_sink: SmtpSink,
    customer: User,
    other_customer: User,
    ticket: Ticket,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One job per committed change, not one per mail (a new ticket tells every agent), and
    more mails than one batch holds all leave at once, not some at the next sweep."""
    from frontdesk.notifications import tasks

    jobs: list[list[int]] = []
    real = tasks.deliver_all

    def counted(mail_ids: list[int]) -> None:
        jobs.append(list(mail_ids))
        real(mail_ids)

    monkeypatch.setattr(tasks, "deliver_all", counted)
    with transaction.atomic():
        mails = [
            outbox_enqueue(
                kind="ticket_received",
                recipient=customer if n % 2 else other_customer,
                ticket=ticket,
            )
            for n in range(30)
        ]
    assert jobs == [[mail.pk for mail in mails]]
    smtp_sink.wait_for(30)
    assert set(OutboxMail.objects.values_list("status", flat=True)) == {OutboxMail.Status.SENT}


def test_a_mail_written_after_a_rolled_back_savepoint_still_has_its_job(
    smtp_sink: SmtpSink, customer: User, ticket: Ticket
) -> None:
    with transaction.atomic():
        try:
            with transaction.atomic():
                dropped = outbox_enqueue(kind="ticket_received", recipient=customer, ticket=ticket)
                raise RuntimeError("this part of the change fails")
        except RuntimeError:
            pass
        kept = outbox_enqueue(kind="ticket_received", recipient=customer, ticket=ticket)
    # SQLite may give the kept row the dropped one's id: rows are told apart by Message-ID.
    assert OutboxMail.objects.get(message_id_header=kept.message_id_header).status == (
        OutboxMail.Status.SENT
    )
    assert not OutboxMail.objects.filter(message_id_header=dropped.message_id_header).exists()
