"""The whole loop with real servers: a parent's mail to the support mailbox (Dovecot) becomes a
ticket; the agent's answer from the ticket page leaves by SMTP (aiosmtpd), threaded, and lands in
the parent's own mailbox; the parent's reply from there joins the same ticket; an outsider's mail
that quotes the ticket number does not."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.mail.addresses import parse_message_id, parse_reply_address, thread_root_id
from frontdesk.mail.imap import imap_poll
from frontdesk.mail.models import InboundMail
from frontdesk.tickets.models import Channel, Message, MessageKind, Ticket
from tests.mailservers import Dovecot, ImapAccount, SmtpSink

SUPPORT = "support@studio.example"
PARENT = "maria.lopez@families.example"


def parent_mail(
    subject: str, body: str, *, sender: str = PARENT, to: str = SUPPORT, **headers: str
) -> bytes:
    mail = EmailMessage()
    mail["From"] = f"María López <{sender}>"
    mail["To"] = to
    mail["Subject"] = subject
    mail["Message-ID"] = make_msgid(domain=sender.partition("@")[2])
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(body)
    return mail.as_bytes()


def delivered_to(box: ImapAccount, sink: SmtpSink, count: int) -> list[Any]:
    """What a mail server does with the desk's outgoing mail: each one for ``box``'s person is
    put in their mailbox; the mails are then read back from it as their mail client would."""
    for received in sink.wait_for(count):
        if PARENT in received.envelope_to:
            box.deliver([received.raw])
    return [raw for raw, _flags in box.folder().values()]


def page_reply(agent: User, ticket: Ticket, text: str) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    page = client.get(f"/ticket/{ticket.pk}").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    answer = client.post(
        f"/ticket/{ticket.pk}",
        {"csrfmiddlewaretoken": token[1], "action": "reply", "message": text},
    )
    assert answer.status_code in (200, 302), answer.content[:300]


@pytest.mark.django_db(transaction=True)
def test_mail_in_reply_out_answer_in_and_an_outsider_kept_out(
    dovecot: Dovecot, smtp_sink: SmtpSink, agent: User, settings: Any
) -> None:
    support_box, parent_box = dovecot.add_user(), dovecot.add_user()
    settings.FRONTDESK_SUPPORT_ADDRESSES = [SUPPORT]
    settings.DEFAULT_FROM_EMAIL = f"Dance studio <{SUPPORT}>"
    settings.FRONTDESK_IMAP_URLS = [support_box.url()]

    # 1. A parent writes to the studio from her phone.
    first = parent_mail("Costume for the June recital", "Which size should Lucía order?")
    support_box.deliver([first])
    assert [result.imported for result in imap_poll()] == [1]
    ticket = Ticket.objects.get()
    parent = ticket.requester
    assert (ticket.channel, parent.email, ticket.title) == (
        Channel.EMAIL,
        PARENT,
        "Costume for the June recital",
    )
    assert not parent.has_usable_password()  # claimed later by password recovery

    # She is told it arrived, threaded under her own mail.
    [receipt] = delivered_to(parent_box, smtp_sink, 1)
    receipt_mail = message_from_bytes(receipt, policy=policy.default)
    first_id = message_from_bytes(first, policy=policy.default)["Message-ID"].strip()
    assert ticket.number in receipt_mail["Subject"]
    assert first_id in receipt_mail["References"]
    assert receipt_mail["Auto-Submitted"] == "auto-generated"

    # 2. The agent answers on the ticket page; the answer reaches her mailbox, threaded.
    page_reply(agent, ticket, "Size 8 fits most seven-year-olds; the shop can swap it.")
    boxed = delivered_to(parent_box, smtp_sink, 2)
    answer = next(
        mail
        for mail in (message_from_bytes(raw, policy=policy.default) for raw in boxed)
        if "Size 8" in mail.get_body(preferencelist=("plain",)).get_content()
    )
    assert answer["References"].split()[0] == thread_root_id(ticket.pk)
    assert first_id in answer["References"]
    reply_to = parse_reply_address(answer["Reply-To"])
    assert reply_to is not None and (reply_to.ticket_id, reply_to.user_id) == (
        ticket.pk,
        parent.pk,
    )
    assert parse_message_id(answer["Message-ID"]) is not None

    # 3. She answers from her mail client: it joins the same ticket as her message.
    support_box.deliver(
        [
            parent_mail(
                f"Re: {answer['Subject']}",
                "Thank you! We'll order size 8.\n\nOn Tuesday the studio wrote:\n> Size 8 fits",
                to=answer["Reply-To"],
                In_Reply_To=answer["Message-ID"].strip(),
                References=f"{answer['References']} {answer['Message-ID']}",
            )
        ]
    )
    assert [result.imported for result in imap_poll()] == [1]
    last = Message.objects.filter(ticket=ticket).order_by("-id").first()
    assert last is not None and last.author_id == parent.pk and last.kind == MessageKind.PUBLIC
    assert last.body.startswith("Thank you! We'll order size 8.")

    # 4. A stranger copies the ticket number into a subject: never appended to her ticket.
    before = Message.objects.filter(ticket=ticket).count()
    support_box.deliver(
        [
            parent_mail(
                f"Re: [{ticket.number}] Costume for the June recital",
                "Please send me her details.",
                sender="eve@elsewhere.example",
            )
        ]
    )
    assert [result.imported for result in imap_poll()] == [1]
    assert Message.objects.filter(ticket=ticket).count() == before
    stranger = InboundMail.objects.order_by("-id").first()
    assert stranger is not None and stranger.ticket is not None
    assert (
        stranger.ticket.pk != ticket.pk
        and stranger.ticket.requester.email == "eve@elsewhere.example"
    )
