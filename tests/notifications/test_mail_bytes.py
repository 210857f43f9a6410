"""A notification's bytes: its headers are written by notifications/headers.py's policy, which
must write exactly what ``compat32`` writes, and what it writes must read back as it was meant
(a modern parser, long non-ASCII subjects, long address lists, display names with commas,
quotes and accents, RFC 5322's line lengths)."""

from __future__ import annotations

import email
import random
from email import policy
from email.header import Header
from email.message import Message
from email.utils import getaddresses

import pytest
from django.db import transaction

from frontdesk.accounts.models import User
from frontdesk.notifications.delivery import _Mail, build_email
from frontdesk.notifications.headers import FOLDING
from frontdesk.notifications.outbox import outbox_enqueue
from frontdesk.notifications.rendering import RenderedMail, render
from frontdesk.tickets.models import Ticket
from tests.conftest import open_ticket

NAMES = ["Subject", "To", "From", "Reply-To", "Message-ID", "References", "List-Unsubscribe", "X"]
EDGES = [
    "",
    " ",
    "a",
    "a ",
    " a",
    "a  b",
    "a\tb",
    "a\t",
    "x" * 68,
    "x" * 69,
    "x" * 70,
    "x" * 200,
    "word " * 30,
    "=?utf-8?q?already_encoded?=",
    "<a@b> <c@d> <e@f> <g@h> <i@j> <k@l> <m@n> <o@p> <q@r> <s@t> <u@v> <w@x>",
    "Ünïcödé",
    "a\x0bb",
    "a\x1cb",
    "tab\tand space at the end ",
]


def random_values(count: int) -> list[str]:
    """Values around the one-line limit, from an alphabet with the characters folding treats
    apart: blanks, the split characters, non-ASCII, control characters."""
    rng = random.Random(13)
    alphabet = "abcXYZ019 ;,.:<>@\"'()\\=?_-\t\x7fé€"
    return [
        "".join(rng.choice(alphabet) for _ in range(rng.choice([1, 5, 40, 60, 66, 70, 76, 90])))
        for _ in range(count)
    ]


@pytest.mark.parametrize("linesep", ["\n", "\r\n"])
def test_each_header_is_written_as_compat32_writes_it(linesep: str) -> None:
    ours, theirs = FOLDING.clone(linesep=linesep), policy.compat32.clone(linesep=linesep)
    for name in NAMES:
        for value in [*EDGES, *random_values(400)]:
            assert ours.fold_binary(name, value) == theirs.fold_binary(name, value), (name, value)
        encoded = Header("Ünïcödé " * 12, "utf-8", header_name=name)
        assert ours.fold_binary(name, encoded) == theirs.fold_binary(name, encoded)


def awkward_mail() -> _Mail:
    """A mail whose headers need folding and encoding: a long non-ASCII subject, a long list of
    addresses, display names with commas, quotes and accents."""
    to = [f'"Müller, Jörg {n}" <jorg.muller{n}@example.com>' for n in range(12)]
    to += ['"O\'Brien \\"the boss\\"" <ob@example.org>', "Zoë Ålund <zoe@example.net>"]
    mail = _Mail(
        subject="Réponse à votre demande « imprimante » : elle imprime de nouveau, " * 3,
        body="Bonjour,\n\nC\u2019est réparé.\n",
        from_email='"Support, Frontdesk" <support@example.com>',
        to=to,
        reply_to=["Équipe d\u2019assistance <reply+t1.u2@example.com>"],
        headers={
            "Message-ID": "<t1.u2.abc@example.com>",
            "References": " ".join(f"<id{n}.{'x' * 20}@example.com>" for n in range(10)),
            "List-Unsubscribe": f"<https://desk.example.com/unsubscribe/{'t' * 120}>",
        },
    )
    mail.attach_alternative("<p>C\u2019est réparé.</p>", "text/html")
    return mail


def with_policy(message: Message, chosen: policy.Policy) -> Message:
    for part in message.walk():
        part.policy = chosen
    return message


def test_an_awkward_mail_is_the_bytes_compat32_writes() -> None:
    message = awkward_mail().message()
    ours = message.as_bytes(linesep="\r\n")
    assert ours == with_policy(message, policy.compat32).as_bytes(linesep="\r\n")


def test_an_awkward_mail_reads_back_as_it_was_written() -> None:
    mail = awkward_mail()
    raw = mail.message().as_bytes(linesep="\r\n")
    parsed = email.message_from_bytes(raw, policy=policy.default)

    # Django encodes a non-ASCII subject before compat32 folds it, which starts it on the line
    # after "Subject:"; a modern parser keeps that line's leading blank (so did every earlier
    # version of these mails).
    assert str(parsed["Subject"]) == " " + mail.subject
    assert [(a.display_name, a.addr_spec) for a in parsed["To"].addresses] == getaddresses(mail.to)
    assert parsed["From"].addresses[0].display_name == "Support, Frontdesk"
    assert parsed["Reply-To"].addresses[0].display_name == "Équipe d\u2019assistance"
    assert parsed["References"] == mail.extra_headers["References"]
    # Too long for one line and nowhere to fold: compat32 puts it on the next line, whole.
    assert parsed["List-Unsubscribe"] == " " + mail.extra_headers["List-Unsubscribe"]
    # The parts as sent, each line ending in CRLF on the wire.
    assert parsed.get_body(("plain",)).get_content() == mail.body.replace("\n", "\r\n")
    assert parsed.get_body(("html",)).get_content() == "<p>C\u2019est réparé.</p>"

    lines = raw.split(b"\r\n")
    assert max(len(line) for line in lines) <= 998
    head = lines[: lines.index(b"")]
    long = [line for line in head if len(line) > 78 and not line.startswith(b" =?utf-8?q?")]
    # Past 78 characters: a value with no place to fold (one long link), and an encoded word
    # of the subject by a character (Django encodes it at 76, then it is indented), as before.
    assert long == [b" " + mail.extra_headers["List-Unsubscribe"].encode()]
    assert max(len(line) for line in head if line != long[0]) <= 79
    assert sum(line.startswith((b" ", b"\t")) for line in head) > 10  # folded, not joined


@pytest.mark.django_db
def test_a_notification_is_the_bytes_compat32_writes(customer: User, agent: User) -> None:
    ticket: Ticket = open_ticket(customer, "Ça ne marche plus, « vraiment » pas, " * 3)
    with transaction.atomic():
        row = outbox_enqueue(kind="ticket_received", recipient=customer, ticket=ticket)
    rendered = render(row)
    message = build_email(row, rendered).message()
    ours = message.as_bytes(linesep="\r\n")
    assert ours == with_policy(message, policy.compat32).as_bytes(linesep="\r\n")

    parsed = email.message_from_bytes(ours, policy=policy.default)
    assert str(parsed["Subject"]).lstrip() == rendered.subject
    assert parsed["Message-ID"] == row.message_id_header
    assert isinstance(rendered, RenderedMail) and rendered.subject.startswith(f"[{ticket.number}]")
