"""The outbox in the admin (notifications.outboxmail): read-only, searchable and filtered, with
"Send the selected failed mails again" going through the use case, and the admin index saying
how many mails failed. Only admins get in; only admins may send again."""

from __future__ import annotations

import pytest
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.core.errors import NotAllowed
from frontdesk.notifications.delivery import Outcome, outbox_deliver
from frontdesk.notifications.models import OutboxMail
from frontdesk.notifications.outbox import outbox_enqueue
from frontdesk.notifications.services import outbox_retry
from frontdesk.tickets.models import Ticket
from tests.admin_forms import admin_browser, change_form, post_form
from tests.mailservers import SmtpSink

pytestmark = pytest.mark.django_db

OUTBOX = "/admin/notifications/outboxmail/"
Status = OutboxMail.Status


def failed_mail(smtp_sink: SmtpSink, recipient: User, ticket: Ticket) -> OutboxMail:
    smtp_sink.refuse("550 5.1.1 Mailbox unavailable")
    mail = outbox_enqueue(kind="ticket_received", recipient=recipient, ticket=ticket)
    assert outbox_deliver(mail_id=mail.pk) == Outcome.FAILED
    mail.refresh_from_db()
    return mail


def test_admins_see_failed_mail_with_its_reason_and_send_it_again(
    smtp_sink: SmtpSink,
    admin: User,
    customer: User,
    other_customer: User,
    ticket: Ticket,
    django_capture_on_commit_callbacks: object,
) -> None:
    failed = failed_mail(smtp_sink, customer, ticket)
    sent = outbox_enqueue(kind="ticket_received", recipient=other_customer, ticket=ticket)
    assert outbox_deliver(mail_id=sent.pk) == Outcome.SENT
    client = admin_browser(admin)

    index = client.get("/admin/")
    assert b"1 mail could not be sent" in index.content
    assert f'{OUTBOX}?status__exact=failed"'.encode() in index.content

    listing = client.get(OUTBOX + "?status__exact=failed")
    assert listing.status_code == 200
    assert [row.pk for row in listing.context["cl"].result_list] == [failed.pk]
    assert b"550 5.1.1 Mailbox unavailable" in listing.content
    found = client.get(OUTBOX + "?q=jane@")
    assert [row.pk for row in found.context["cl"].result_list] == [sent.pk]
    by_kind = client.get(OUTBOX + "?kind=ticket_received")
    assert {row.pk for row in by_kind.context["cl"].result_list} >= {failed.pk, sent.pk}

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        answer = post_form(
            client,
            listing,
            OUTBOX,
            "changelist-form",
            action="send_again",
            _selected_action=[str(failed.pk), str(sent.pk)],
        )
    assert answer.status_code == 302
    notes = [str(note) for note in client.get(OUTBOX).context["messages"]]
    assert "1 mail will be sent again." in notes
    assert "1 selected mail had not failed and was left as it is." in notes

    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Status.SENT, 1)
    assert len(smtp_sink.with_message_id(failed.message_id_header)) == 1
    assert len(smtp_sink.with_message_id(sent.message_id_header)) == 1  # not again
    assert b"could not be sent" not in client.get("/admin/").content


def test_the_outbox_is_neither_added_to_changed_nor_deleted_in_the_admin(
    smtp_sink: SmtpSink, admin: User, customer: User, ticket: Ticket
) -> None:
    mail = failed_mail(smtp_sink, customer, ticket)
    client = admin_browser(admin)
    page = client.get(f"{OUTBOX}{mail.pk}/change/")
    assert page.status_code == 200 and b"Mailbox unavailable" in page.content  # to read
    assert change_form(client, f"{OUTBOX}{mail.pk}/change/", "outboxmail_form").status_code == 403
    assert client.get(f"{OUTBOX}{mail.pk}/delete/").status_code == 403
    assert client.get(f"{OUTBOX}add/").status_code == 403
    assert b"delete_selected" not in client.get(OUTBOX).content
    mail.refresh_from_db()
    assert mail.status == Status.FAILED


def test_only_admins_send_mail_again(
    smtp_sink: SmtpSink, agent: User, customer: User, ticket: Ticket, client: Client
) -> None:
    mail = failed_mail(smtp_sink, customer, ticket)
    with pytest.raises(NotAllowed):
        outbox_retry(actor=agent, mail_ids=[mail.pk])
    client.force_login(agent)
    assert client.get(OUTBOX).status_code == 302  # to the admin's sign-in page
    assert (
        client.post(OUTBOX, {"action": "send_again", "_selected_action": [mail.pk]}).status_code
        == 302
    )
    mail.refresh_from_db()
    assert mail.status == Status.FAILED
