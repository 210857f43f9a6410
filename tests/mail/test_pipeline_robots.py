"""Loops and floods: bounces, auto-replies, lists, duplicates and mail over the size cap are
recorded (the raw kept) and never start a conversation between two machines."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db.models.signals import post_save
from pytest_django.fixtures import Settings

from frontdesk.accounts.models import User
from frontdesk.mail import pipeline
from frontdesk.mail.addresses import make_message_id
from frontdesk.mail.loop import automatic_mail_allowed
from frontdesk.mail.models import InboundMail
from frontdesk.notifications.models import OutboxMail
from frontdesk.notifications.outbox import outbox_enqueue
from frontdesk.notifications.rendering import render
from frontdesk.tickets.models import Message, Ticket
from tests.conftest import Clock
from tests.mail.eml import eml, receive, support_desk  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("support_desk")]

Status = InboundMail.Status


def test_an_out_of_office_reply_is_kept_as_ignored_on_its_ticket(
    ticket: Ticket, customer: User
) -> None:
    raw = eml("auto_reply.eml", message_id=make_message_id(ticket.pk, customer.pk))
    inbound = receive(raw)
    assert inbound.status == Status.IGNORED
    assert inbound.reason == "An automatic reply (out of office)."
    assert inbound.ticket_id == ticket.pk
    assert ticket.messages.count() == 1


def test_a_dsn_bounce_is_ignored_and_noted_on_the_mail_it_returns(
    ticket: Ticket, customer: User
) -> None:
    sent = outbox_enqueue(kind="ticket_received", recipient=customer, ticket=ticket)
    inbound = receive(eml("bounce_dsn.eml", sent_message_id=sent.message_id_header))
    assert inbound.status == Status.IGNORED
    assert "bounces never open tickets" in inbound.reason
    assert "delivery status report" in inbound.reason
    assert inbound.ticket_id == ticket.pk
    sent.refresh_from_db()
    assert sent.last_error.startswith("Bounced: 5.1.1; smtp; 550 5.1.1")
    assert Ticket.objects.count() == 1
    assert not User.objects.filter(email__icontains="mailer-daemon").exists()


def test_a_bounce_naming_a_message_id_we_did_not_sign_changes_nothing(customer: User) -> None:
    sent = outbox_enqueue(kind="ticket_received", recipient=customer)
    forged = "<fd.t1.u1.abcd.00000000000000000000@studio.example>"
    inbound = receive(eml("bounce_dsn.eml", sent_message_id=forged))
    assert inbound.status == Status.IGNORED
    sent.refresh_from_db()
    assert sent.last_error == ""


def test_mail_from_a_mailer_daemon_or_with_an_empty_return_path_is_a_bounce() -> None:
    assert receive(eml("mailer_daemon.eml")).status == Status.IGNORED
    raw = b"Return-Path: <>\r\n" + eml("plain.eml")
    inbound = receive(raw)
    assert inbound.status == Status.IGNORED
    assert "empty Return-Path" in inbound.reason
    null_envelope = receive(
        eml("plain.eml").replace(b"<plain-1@", b"<plain-9@"), envelope_from="<>"
    )
    assert null_envelope.status == Status.IGNORED
    assert not Ticket.objects.exists()


@pytest.fixture
def quiet_while_saving() -> Iterator[list[bool]]:
    """Whether the sender could be mailed automatically at the moment each message was
    written (what the notification rules ask, inside the same use case)."""
    seen: list[bool] = []

    def record(sender: type, instance: Message, created: bool, **kwargs: object) -> None:
        if created:
            seen.append(automatic_mail_allowed(instance.author.email))

    post_save.connect(record, sender=Message, dispatch_uid="quiet-test")
    yield seen
    post_save.disconnect(dispatch_uid="quiet-test", sender=Message)


def test_list_mail_is_imported_but_never_answered_automatically(
    quiet_while_saving: list[bool],
) -> None:
    inbound = receive(eml("list_mail.eml"))
    assert inbound.status == Status.IMPORTED
    assert quiet_while_saving == [False]
    assert automatic_mail_allowed("news@lists.example")  # only while the mail is handled


def test_a_persons_mail_may_be_answered(quiet_while_saving: list[bool]) -> None:
    receive(eml("plain.eml"))
    assert quiet_while_saving == [True]


@pytest.mark.parametrize(
    "header",
    [b"Auto-Submitted: auto-generated", b"Precedence: bulk", b"Precedence: junk"],
)
def test_other_automatic_mail_is_imported_quietly(
    header: bytes, quiet_while_saving: list[bool]
) -> None:
    assert receive(header + b"\r\n" + eml("plain.eml")).status == Status.IMPORTED
    assert quiet_while_saving == [False]


def test_auto_submitted_no_is_a_person(quiet_while_saving: list[bool]) -> None:
    assert receive(b"Auto-Submitted: no\r\n" + eml("plain.eml")).status == Status.IMPORTED
    assert quiet_while_saving == [True]


def test_a_message_id_already_imported_is_imported_once() -> None:
    first = receive(eml("plain.eml"))
    again = receive(eml("plain.eml"))
    assert first.status == Status.IMPORTED
    assert again.status == Status.IGNORED
    assert again.reason == f"Already imported as mail {first.pk}."
    assert again.ticket_id == first.ticket_id
    assert Ticket.objects.count() == 1 and Message.objects.count() == 1


def test_mail_without_message_id_is_not_taken_for_a_duplicate() -> None:
    raw = eml("plain.eml").replace(b"Message-ID: <plain-1@mail.example.org>\r\n", b"")
    assert receive(raw).status == Status.IMPORTED
    assert receive(raw).status == Status.IMPORTED
    assert Ticket.objects.count() == 2


def _huge(size: int, sender: bytes = b"maria.lopez@example.org") -> bytes:
    head = eml("plain.eml").replace(b"maria.lopez@example.org", sender)
    return head + b"x" * size


def test_mail_over_the_size_cap_is_quarantined_with_one_notice_a_day(
    settings: Settings, clock: Clock
) -> None:
    settings.FRONTDESK_MAIL_MAX_BYTES = 25 * 1024 * 1024  # the default, spelled out
    raw = _huge(25 * 1024 * 1024)
    inbound = receive(raw)
    assert inbound.status == Status.QUARANTINED
    assert inbound.size == len(raw)
    assert "at most 25\xa0MB" in inbound.reason and "The sender was told." in inbound.reason
    assert not Ticket.objects.exists()
    (notice,) = OutboxMail.objects.filter(kind="mail_too_large")
    assert notice.to_address == "maria.lopez@example.org" and notice.recipient is None
    rendered = render(notice)
    assert rendered.subject == "Your mail was too large to reach us: The heating in studio 2 is off"
    assert "at most 25\xa0MB" in rendered.text and "at most 25\xa0MB" in rendered.html

    clock.advance(3600)
    second = receive(_huge(25 * 1024 * 1024 + 10))
    assert second.status == Status.QUARANTINED
    assert "told" not in second.reason
    assert OutboxMail.objects.filter(kind="mail_too_large").count() == 1
    clock.advance(24 * 3600)
    receive(_huge(25 * 1024 * 1024 + 20))
    assert OutboxMail.objects.filter(kind="mail_too_large").count() == 2


def test_no_size_notice_goes_to_a_robot(settings: Settings) -> None:
    settings.FRONTDESK_MAIL_MAX_BYTES = 1000
    inbound = receive(b"Precedence: bulk\r\n" + _huge(2000))
    assert inbound.status == Status.QUARANTINED
    daemon = receive(_huge(2000, sender=b"MAILER-DAEMON@mx.example.com"))
    assert daemon.status == Status.QUARANTINED
    assert not OutboxMail.objects.exists()


def test_a_failure_inside_the_pipeline_quarantines_and_is_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("frontdesk.mail.pipeline.ticket_open", broken)
    inbound = receive(eml("plain.eml"))
    assert inbound.status == Status.QUARANTINED
    assert "disk on fire" in inbound.reason
    assert [r.levelname for r in caplog.records if "quarantined" in r.getMessage()] == ["ERROR"]
    assert (
        not Ticket.objects.exists()
        and not User.objects.filter(email="maria.lopez@example.org").exists()
    )


def test_a_failure_after_the_ticket_was_written_leaves_no_dangling_link(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_settle = pipeline._settle

    def failing_when_imported(
        inbound: InboundMail, status: str, reason: str, **fields: object
    ) -> InboundMail:
        if status == Status.IMPORTED:
            for name, value in fields.items():  # in memory, as the real one does first
                setattr(inbound, name, value)
            raise RuntimeError("lost the connection")
        return real_settle(inbound, status, reason, **fields)

    monkeypatch.setattr(pipeline, "_settle", failing_when_imported)
    inbound = receive(eml("plain.eml"))
    assert inbound.status == Status.QUARANTINED
    assert inbound.ticket_id is None and inbound.message_id is None
    assert not Ticket.objects.exists()
