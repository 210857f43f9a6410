"""Mail that opens tickets: bodies in any shape and charset, titles, attachments, limits.
Every test goes through the one way in (mail_receive) and checks the raw is kept."""

from __future__ import annotations

import base64

import pytest
from pytest_django.fixtures import Settings

from frontdesk.accounts.models import Role, User
from frontdesk.mail.bodies import fold_start
from frontdesk.mail.content import FULL_TEXT_NAME, title_of
from frontdesk.mail.models import InboundMail
from frontdesk.tickets.models import Attachment, Channel, Message, Ticket
from frontdesk.tickets.validators import MESSAGE_MAX, message_length
from tests.mail.eml import eml, receive, support_desk  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("support_desk")]

Status = InboundMail.Status


def _only_ticket() -> Ticket:
    (ticket,) = Ticket.objects.all()
    return ticket


def _first_message(ticket: Ticket) -> Message:
    return ticket.messages.order_by("id").first()  # type: ignore[return-value]


def test_plain_mail_from_a_stranger_opens_a_ticket_for_a_new_customer() -> None:
    inbound = receive(eml("plain.eml"))
    assert inbound.status == Status.IMPORTED
    assert inbound.message_id_header == "<plain-1@mail.example.org>"
    assert inbound.from_address == "maria.lopez@example.org"
    ticket = _only_ticket()
    assert (inbound.ticket_id, inbound.message_id) == (ticket.pk, _first_message(ticket).pk)
    assert ticket.channel == Channel.EMAIL
    assert ticket.title == "The heating in studio 2 is off"
    customer = ticket.requester
    assert customer.email == "maria.lopez@example.org"
    assert customer.role == Role.CUSTOMER
    assert customer.username == "MariaLopez"
    assert not customer.has_usable_password()  # claimed later by password recovery
    body = _first_message(ticket).body
    assert body.startswith("Hello,\n\nthe heating in studio 2")
    assert "Ça caille ici ❄️" in body
    assert _first_message(ticket).author == customer


def test_a_known_customer_gets_the_ticket(customer: User) -> None:
    raw = eml("plain.eml").replace(b"maria.lopez@example.org", b"JOHN@example.com")
    inbound = receive(raw)
    assert inbound.status == Status.IMPORTED
    assert _only_ticket().requester == customer
    assert User.objects.filter(email__iexact="john@example.com").count() == 1


def test_multipart_alternative_prefers_the_plain_text() -> None:
    receive(eml("multipart_alternative.eml"))
    ticket = _only_ticket()
    assert ticket.title == "Timetable for December"  # "Fwd: Re:" gone
    body = _first_message(ticket).body
    assert "December timetable out yet?" in body
    assert "HTML VERSION" not in body
    assert not Attachment.objects.exists()


def test_html_only_mail_is_sanitised_into_readable_text() -> None:
    receive(eml("html_only.eml"))
    ticket = _only_ticket()
    assert ticket.title == "Invoice question"
    body = _first_message(ticket).body
    assert "alert" not in body and "color: red" not in body and "<" not in body
    assert "the invoice for November shows two lessons too many." in body
    assert "the invoice (https://portal.example.de/invoice/11)" in body
    assert "- Lesson on 3 Nov\n- Lesson on 10 Nov" in body
    assert "Grüße,\nAnna" in body


def test_utf8_declared_but_latin1_written_is_read_as_latin1() -> None:
    inbound = receive(eml("bad_charset_declared_utf8.eml"))
    assert inbound.status == Status.IMPORTED
    assert "Grüße aus Málaga." in _first_message(_only_ticket()).body


def test_an_unknown_charset_falls_back_instead_of_failing() -> None:
    inbound = receive(eml("unknown_charset.eml"))
    assert inbound.status == Status.IMPORTED
    ticket = _only_ticket()
    assert "Lesson" in ticket.title and "question" in ticket.title
    assert "trial lesson for my son? café" in _first_message(ticket).body


def test_forwarded_mail_keeps_the_text_and_the_original_as_a_file() -> None:
    receive(eml("forwarded.eml"))
    ticket = _only_ticket()
    assert ticket.title == "Booking confirmation"
    message = _first_message(ticket)
    assert "the date is wrong" in message.body
    assert "Your booking for 12 December is confirmed." in message.body
    (attachment,) = message.attachments.all()
    assert attachment.original_name == "Booking confirmation.eml"
    assert b"Message-ID: <booking-77@venue.example>" in attachment.file.read()


def test_hostile_attachment_names_are_cleaned_and_empty_files_noted() -> None:
    inbound = receive(eml("hostile_attachments.eml"))
    assert inbound.status == Status.IMPORTED
    message = _first_message(_only_ticket())
    names = sorted(message.attachments.values_list("original_name", flat=True))
    for name in names:
        assert "/" not in name and "\\" not in name and "\u202e" not in name
        assert not any(ord(ch) < 32 for ch in name) and not name.startswith(".")
        assert len(name) <= 255
    assert "passwd" in names
    assert "invoicefdp.exe" in names  # the right-to-left override is gone
    assert "bell tab name.bin" in names or "belltab name.bin" in names
    assert any(name.endswith(".txt") and name.startswith("aaaa") for name in names)
    assert "attachment" in names  # ".." has nothing left
    assert "[Left out: empty.bin (empty)]" in message.body
    for attachment in message.attachments.all():
        assert attachment.content_type != "application/pdf" or attachment.size > 0
    pdf = message.attachments.get(original_name="invoicefdp.exe")
    assert pdf.content_type == "application/pdf"  # sniffed from the content, not the label


def test_inline_images_are_kept_as_attachments() -> None:
    receive(eml("inline_image.eml"))
    message = _first_message(_only_ticket())
    assert "The radiator, see:" in message.body
    (image,) = message.attachments.all()
    assert image.content_type == "image/png"
    assert image.original_name == "image-2.png"


def test_too_many_or_too_large_files_are_left_out_with_a_line(settings: Settings) -> None:
    settings.FRONTDESK_ATTACHMENTS_PER_MESSAGE = 2
    settings.FRONTDESK_ATTACHMENT_MAX_BYTES = 1000
    parts = [("small-1.txt", b"a" * 10), ("big.bin", b"b" * 5000), ("small-2.txt", b"c" * 10),
             ("small-3.txt", b"d" * 10)]  # fmt: skip
    raw = _multipart("Files for you", parts)
    inbound = receive(raw)
    assert inbound.status == Status.IMPORTED
    message = _first_message(_only_ticket())
    assert sorted(message.attachments.values_list("original_name", flat=True)) == [
        "small-1.txt",
        "small-2.txt",
    ]
    assert "[Left out: big.bin (4.9\xa0KB; a file can be at most 1000\xa0bytes)]" in message.body
    assert "[Left out: small-3.txt (a message can carry at most 2 files)]" in message.body


def test_a_text_longer_than_a_message_is_cut_and_attached_whole() -> None:
    line = "All work and no play makes Jack a dull boy. " * 2 + "\n"
    text = line * (MESSAGE_MAX // len(line) + 50)
    raw = _multipart("Long story", [], text=text)
    inbound = receive(raw)
    assert inbound.status == Status.IMPORTED
    message = _first_message(_only_ticket())
    assert message_length(message.body) <= MESSAGE_MAX
    assert f"all of it is in {FULL_TEXT_NAME}" in message.body
    full = message.attachments.get(original_name=FULL_TEXT_NAME)
    stored = "\n".join(line.rstrip() for line in text.strip("\n").split("\n"))
    assert full.file.read().decode() == stored  # every line (trailing spaces aside)


def test_a_mail_without_text_still_opens_a_ticket() -> None:
    raw = _multipart("", [("photo.txt", b"just a file")], text="")
    receive(raw)
    ticket = _only_ticket()
    assert ticket.title == "Email from parent@example.org"
    assert _first_message(ticket).body == "(This mail has no text, only the attached files.)"


def test_a_body_that_reads_as_a_command_is_not_run(customer: User) -> None:
    raw = _multipart("!close", [], text="!close")
    inbound = receive(raw)
    assert inbound.status == Status.IMPORTED
    ticket = _only_ticket()
    assert ticket.status == "new"
    assert _first_message(ticket).body.strip() == "!close"


def test_garbage_and_headerless_bytes_are_quarantined_with_the_raw_kept() -> None:
    for name in ("garbage.eml", "no_headers.eml"):
        inbound = receive(eml(name))
        assert inbound.status == Status.QUARANTINED
        assert inbound.reason == "No mail headers could be read."
    assert not Ticket.objects.exists()


def test_a_mail_without_sender_is_quarantined() -> None:
    raw = b"To: support@studio.example\r\nSubject: who am I\r\n\r\nno From\r\n"
    inbound = receive(raw)
    assert inbound.status == Status.QUARANTINED
    assert "no sender" in inbound.reason
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("subject", "title"),
    [
        ("Re: RE: Fwd: AW: SV: Hello", "Hello"),
        ("Re[2]: Hello", "Hello"),
        ("  Wg:  Tr: Rückfrage  ", "Rückfrage"),
        ("Bell\x07 and \u202etab\tin a subject", "Bell and tab in a subject"),
        ("x" * 300, "x" * 199 + "…"),
        ("Re: ", "First line of the text"),
    ],
)
def test_titles_lose_prefixes_and_control_characters(subject: str, title: str) -> None:
    assert title_of(subject, "\n\nFirst line of the text\nsecond", "a@b.example") == title


def test_fold_starts_at_quoted_history_and_signatures() -> None:
    assert fold_start("Thanks!\n-- \nMaria\n07700 900123") == len("Thanks!\n")
    outlook = "Yes.\n\n-----Original Message-----\nFrom: x\nSent: y\n"
    assert fold_start(outlook) == len("Yes.\n\n")
    headers = "Yes.\n\nFrom: Studio <s@x>\nSent: Monday\nTo: me\n"
    assert fold_start(headers) == len("Yes.\n\n")
    wrapped = "Fine.\n\nOn Tue, 1 Dec 2026 at 10:00, Studio Support\n<s@x> wrote:\n> hi\n"
    assert fold_start(wrapped) == len("Fine.\n\n")
    interleaved = "> question one\nanswer one\n> question two\nanswer two"
    assert fold_start(interleaved) is None  # answers between quotes are not history
    assert fold_start("> all quoted\n> nothing else") is None
    assert fold_start("No quote here.\nJust text.") is None


def test_a_reply_with_an_outlook_quote_keeps_it_all() -> None:
    receive(eml("outlook_reply.eml"))
    body = _first_message(_only_ticket()).body
    assert body.startswith("Tuesday works for us.")
    assert "Would Tuesday or Thursday suit you?" in body  # kept, folded only on the page
    assert fold_start(body) == body.index("-----Original Message-----")


def _multipart(subject: str, files: list[tuple[str, bytes]], *, text: str = "See files.") -> bytes:
    parts = [
        "--p1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n"
        f"\r\n{base64.encodebytes(text.encode()).decode()}\r\n"
    ]
    for name, content in files:
        parts.append(
            "--p1\r\nContent-Type: application/octet-stream\r\n"
            f'Content-Disposition: attachment; filename="{name}"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n"
            f"{base64.encodebytes(content).decode()}\r\n"
        )
    head = (
        "From: Parent <parent@example.org>\r\nTo: support@studio.example\r\n"
        f"Subject: {subject}\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="p1"\r\n\r\n'
    )
    return (head + "".join(parts) + "--p1--\r\n").encode()
