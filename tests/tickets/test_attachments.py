"""The attachment rules: limits, sniffed types, safe names, hashes, visibility and cleanup."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pytest_django.fixtures import Settings

from frontdesk.accounts.models import User
from frontdesk.core.errors import InvalidInput, NotAllowed, NotFound, NotVisible, TooLarge
from frontdesk.tickets import access, file_services, files, services
from frontdesk.tickets.file_services import attachment_add
from frontdesk.tickets.files import clean_filename, sniff_content_type
from frontdesk.tickets.models import Attachment, Message, MessageKind, Status, Ticket, TicketEvent
from tests.conftest import Clock, open_ticket

pytestmark = pytest.mark.django_db

BODY = "Please see the attached file."
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
    b"<script>alert(1)</script></svg>"
)


def image_bytes(fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(buffer, fmt)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "text/plain") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(settings: Settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def open_with(customer: User, *files: SimpleUploadedFile) -> services.Opened:
    """open_ticket with ``files``, and the first message they are on: what these tests read."""
    ticket = open_ticket(customer, "Printer is jammed", BODY, files=files)
    return services.Opened(ticket=ticket, message=ticket.messages.get())


# --- names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\x\\y", "y"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("bad\x00name\x1f.txt", "badname.txt"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # no right-to-left override
        ("zero\u200bwidth.txt", "zerowidth.txt"),
        ("line\nbreak\ttab.txt", "line break tab.txt"),
        ('a<b>:c"d|e?f*.txt', "a_b__c_d_e_f_.txt"),
        (".bashrc", "bashrc"),
        ("trailing dots... ", "trailing dots"),
        ("Ünïcødé résumé.pdf", "Ünïcødé résumé.pdf"),
        ("..", "attachment"),
        ("/", "attachment"),
        ("", "attachment"),
        (None, "attachment"),
    ],
)
def test_file_names_are_sanitised(name: str | None, expected: str) -> None:
    assert clean_filename(name) == expected


def test_long_names_keep_their_extension() -> None:
    cleaned = clean_filename("x" * 400 + ".pdf")
    assert len(cleaned) == 255 and cleaned.endswith("xx.pdf")


# --- types --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (image_bytes("PNG"), "image/png"),
        (image_bytes("JPEG"), "image/jpeg"),
        (image_bytes("GIF"), "image/gif"),
        (image_bytes("WEBP"), "image/webp"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "application/pdf"),
        (HTML, "text/html"),
        (b"\n  <html><p>hi</p></html>", "text/html"),
        (SVG, "image/svg+xml"),
        (b"<svg><script>alert(1)</script></svg>", "image/svg+xml"),
        (b"<!-- logo -->\n<svg><path/></svg>", "image/svg+xml"),
        (b"<!-- page -->\n<p>hello</p>", "text/html"),
        (b"<html><body><svg></svg></body></html>", "text/html"),
        (b'<?xml version="1.0"?><note>hi</note>', "application/xml"),
        ("Grüße aus dem Studio\n".encode(), "text/plain"),
        (b"<3 this studio", "text/plain"),
        (b"caf\xe9 latin-1", "application/octet-stream"),
        (b"text\x00with a NUL", "application/octet-stream"),
    ],
)
def test_type_is_sniffed_from_the_content(customer: User, content: bytes, expected: str) -> None:
    # The client's name and label say "harmless text" every time; neither is believed.
    opened = open_with(customer, upload("notes.txt", content, "text/plain"))
    assert opened.message.attachments.get().content_type == expected


def test_png_named_txt_is_a_png_and_html_named_png_is_html(customer: User) -> None:
    opened = open_with(
        customer,
        upload("notes.txt", image_bytes(), "text/plain"),
        upload("photo.png", HTML, "image/png"),
    )
    png, html = opened.message.attachments.order_by("id")
    assert (png.content_type, png.is_inline_image) == ("image/png", True)
    assert (html.content_type, html.is_inline_image) == ("text/html", False)


def test_utf8_split_across_chunks_is_still_text(customer: User) -> None:
    content = b"a" * (64 * 1024 - 1) + "é and more".encode()  # é straddles the chunk boundary
    opened = open_with(customer, upload("long.log", content))
    assert opened.message.attachments.get().content_type == "text/plain"


def test_sniffing_without_a_head() -> None:
    assert sniff_content_type(b"", is_text=True) == "text/plain"
    assert sniff_content_type(b"\xef\xbb\xbf<!doctype html>", is_text=True) == "text/html"


# --- storing ------------------------------------------------------------------------------


def test_files_are_stored_under_random_names_with_their_hash(
    customer: User, settings: Settings
) -> None:
    content = b"root:x:0:0:root:/root:/bin/bash\n"
    opened = open_with(customer, upload("../../etc/passwd", content))
    attachment = opened.message.attachments.get()
    assert attachment.original_name == "passwd"
    assert attachment.size == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.uploader == customer and attachment.message == opened.message
    path = Path(attachment.file.path).resolve()
    assert path.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert "passwd" not in path.name and ".." not in attachment.file.name
    assert len(path.stem) == 32  # secrets.token_hex(16)
    assert path.read_bytes() == content


def test_same_name_twice_gets_two_files(customer: User) -> None:
    opened = open_with(customer, upload("a.txt", b"first file"), upload("a.txt", b"second file"))
    first, second = opened.message.attachments.order_by("id")
    assert first.file.name != second.file.name
    assert Path(first.file.path).read_bytes() == b"first file"


def test_reply_and_note_carry_files(customer: User, agent: User) -> None:
    ticket = open_with(customer).ticket
    reply = services.message_post(
        actor=customer, ticket_id=ticket.pk, body=BODY, files=[upload("r.txt", b"reply")]
    )
    note = services.message_post(
        actor=agent,
        ticket_id=ticket.pk,
        body="Internal: the logs.",
        internal=True,
        files=[upload("n.txt", b"note")],
    )
    assert reply.attachments.get().original_name == "r.txt"
    assert note.kind == MessageKind.INTERNAL and note.attachments.get().uploader == agent


# --- limits -------------------------------------------------------------------------------


def test_size_limit_at_the_boundary(customer: User, settings: Settings) -> None:
    settings.FRONTDESK_ATTACHMENT_MAX_BYTES = 100
    opened = open_with(customer, upload("exact.txt", b"x" * 100))
    assert opened.message.attachments.get().size == 100

    with pytest.raises(TooLarge) as error:
        open_with(customer, upload("big.txt", b"x" * 101))
    assert error.value.field == "files"
    assert error.value.message == "big.txt is 101\xa0bytes; a file can be at most 100\xa0bytes."
    assert Ticket.objects.count() == 1 and Attachment.objects.count() == 1
    assert len(stored_files(settings)) == 1


def test_default_limit_is_25_mb(settings: Settings) -> None:
    assert settings.FRONTDESK_ATTACHMENT_MAX_BYTES == 25 * 1024 * 1024
    assert files.files_hint() == "Up to 10 files, at most 25\xa0MB each."
    assert files.human_size(1536) == "1.5\xa0KB"


def test_a_size_the_client_understated_is_caught_while_reading(
    customer: User, settings: Settings
) -> None:
    settings.FRONTDESK_ATTACHMENT_MAX_BYTES = 100
    liar = upload("small.txt", b"x" * 5000)
    liar.size = 10
    with pytest.raises(TooLarge):
        open_with(customer, liar)
    assert stored_files(settings) == [] and Ticket.objects.count() == 0


def test_at_most_ten_files_per_message(customer: User, settings: Settings) -> None:
    ten = [upload(f"f{i}.txt", b"some text") for i in range(10)]
    assert open_with(customer, *ten).message.attachments.count() == 10
    eleven = [upload(f"f{i}.txt", b"some text") for i in range(11)]
    with pytest.raises(InvalidInput) as error:
        open_with(customer, *eleven)
    assert error.value.field == "files"
    assert "at most 10 files" in error.value.message and "you chose 11" in error.value.message
    assert Ticket.objects.count() == 1 and len(stored_files(settings)) == 10


def test_empty_file_is_refused(customer: User) -> None:
    with pytest.raises(InvalidInput, match=r"empty\.txt is empty"):
        open_with(customer, upload("empty.txt", b""))
    assert Ticket.objects.count() == 0


def test_a_command_cannot_carry_files(customer: User, settings: Settings) -> None:
    ticket = open_with(customer).ticket
    with pytest.raises(InvalidInput, match="command cannot carry files"):
        services.message_post(
            actor=customer, ticket_id=ticket.pk, body="!close", files=[upload("a.txt", b"a")]
        )
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW and stored_files(settings) == []


# --- nothing left behind ------------------------------------------------------------------


def test_invalid_message_stores_nothing(customer: User, settings: Settings) -> None:
    with pytest.raises(InvalidInput):
        services.ticket_open(
            actor=customer, title="Printer is jammed", body="\n", files=[upload("a.txt", b"a")]
        )
    ticket = open_with(customer).ticket
    with pytest.raises(InvalidInput):
        services.message_post(
            actor=customer, ticket_id=ticket.pk, body="  ", files=[upload("a.txt", b"a")]
        )
    assert stored_files(settings) == [] and Attachment.objects.count() == 0


def test_failure_after_files_were_written_removes_them(
    customer: User, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = open_with(customer).ticket

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "touch", broken)
    with pytest.raises(RuntimeError):
        services.message_post(
            actor=customer,
            ticket_id=ticket.pk,
            body=BODY,
            files=[upload("a.txt", b"first"), upload("b.txt", b"second")],
        )
    assert stored_files(settings) == []
    assert Attachment.objects.count() == 0 and Message.objects.filter(ticket=ticket).count() == 1


def test_a_refused_post_leaves_no_file(
    customer: User, other_customer: User, settings: Settings
) -> None:
    ticket = open_with(customer).ticket
    with pytest.raises(NotVisible):
        services.message_post(
            actor=other_customer, ticket_id=ticket.pk, body=BODY, files=[upload("a.txt", b"a")]
        )
    assert stored_files(settings) == [] and Attachment.objects.count() == 0


def test_second_file_too_large_removes_the_first(customer: User, settings: Settings) -> None:
    settings.FRONTDESK_ATTACHMENT_MAX_BYTES = 100
    liar = upload("b.txt", b"x" * 500)
    liar.size = 50  # passes the early check; the real size shows only while reading
    with pytest.raises(TooLarge):
        open_with(customer, upload("a.txt", b"fine"), liar)
    assert stored_files(settings) == [] and Ticket.objects.count() == 0


# --- who sees what ------------------------------------------------------------------------


@pytest.fixture
def files_on_ticket(customer: User, agent: User) -> dict[str, Attachment]:
    opened = open_with(customer, upload("public.txt", b"public file"))
    services.message_post(
        actor=agent,
        ticket_id=opened.ticket.pk,
        body="Internal: the boiler logs.",
        internal=True,
        files=[upload("secret.txt", b"internal file")],
    )
    return {
        "public": Attachment.objects.get(original_name="public.txt"),
        "internal": Attachment.objects.get(original_name="secret.txt"),
    }


@pytest.mark.parametrize(
    ("who", "public", "internal"),
    [
        ("admin", True, True),
        ("agent", True, True),
        ("other_agent", True, True),
        ("customer", True, False),
        ("other_customer", False, False),
    ],
)
def test_attachment_visibility(
    files_on_ticket: dict[str, Attachment],
    request: pytest.FixtureRequest,
    who: str,
    public: bool,
    internal: bool,
) -> None:
    user = request.getfixturevalue(who)
    for kind, visible in (("public", public), ("internal", internal)):
        attachment_id = files_on_ticket[kind].pk
        if visible:
            found = access.attachment_get(user=user, attachment_id=attachment_id)
            assert found.pk == attachment_id
        else:
            with pytest.raises(NotFound) as error:
                access.attachment_get(user=user, attachment_id=attachment_id)
            # The same answer as for a file that does not exist.
            assert error.value.message == access.ATTACHMENT_NOT_FOUND


@pytest.mark.parametrize("attachment_id", [0, 999_999, 2**70])
def test_missing_attachment_is_not_found(customer: User, attachment_id: int) -> None:
    with pytest.raises(NotFound):
        access.attachment_get(user=customer, attachment_id=attachment_id)


# --- attachment_add (for the REST API) ----------------------------------------------------


def test_add_a_file_to_your_own_message(customer: User) -> None:
    opened = open_with(customer)
    attachment = attachment_add(
        actor=customer,
        message_id=opened.message.pk,
        file=upload("later.txt", b"forgot this"),
        description="  The error log  ",
    )
    assert attachment.message == opened.message and attachment.description == "The error log"


def test_cannot_add_to_someone_elses_message(customer: User, agent: User) -> None:
    opened = open_with(customer)
    with pytest.raises(NotAllowed):
        attachment_add(actor=agent, message_id=opened.message.pk, file=upload("a.txt", b"a"))


@pytest.mark.parametrize("message_id", [None, 999_999, 2**70])
def test_cannot_add_to_a_message_you_cannot_see(
    customer: User, other_customer: User, message_id: int | None
) -> None:
    opened = open_with(customer)
    with pytest.raises(NotFound):
        attachment_add(
            actor=other_customer,
            message_id=message_id or opened.message.pk,
            file=upload("a.txt", b"a"),
        )


def test_adding_to_a_message_respects_the_count(customer: User) -> None:
    opened = open_with(customer, *[upload(f"f{i}.txt", b"text") for i in range(10)])
    with pytest.raises(InvalidInput, match="at most 10 files"):
        attachment_add(actor=customer, message_id=opened.message.pk, file=upload("x.txt", b"x"))


def test_adding_to_a_ticket_posts_a_reply(customer: User, agent: User) -> None:
    ticket = open_with(customer).ticket
    services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.CLOSED)
    attachment = attachment_add(
        actor=customer, ticket_id=ticket.pk, file=upload("photo.png", image_bytes())
    )
    assert attachment.message.body == "Attached photo.png."
    assert attachment.message.kind == MessageKind.PUBLIC
    ticket.refresh_from_db()
    assert ticket.status == Status.REOPENED  # a reply into a closed ticket reopens it


def test_adding_needs_exactly_one_target(customer: User) -> None:
    with pytest.raises(InvalidInput):
        attachment_add(actor=customer, file=upload("a.txt", b"a"))
    with pytest.raises(InvalidInput):
        attachment_add(actor=customer, file=upload("a.txt", b"a"), message_id=1, ticket_id=1)


# --- attachment_describe ------------------------------------------------------------------


def test_describing_a_file_is_recorded(
    customer: User, agent: User, other_agent: User, admin: User, clock: Clock
) -> None:
    ticket = open_with(customer).ticket
    note = services.message_post(
        actor=agent, ticket_id=ticket.pk, body=BODY, internal=True, files=[upload("a.txt", b"a")]
    )
    attachment = note.attachments.get()
    seen = Ticket.objects.get(pk=ticket.pk).updated_at
    clock.advance(60)
    file_services.attachment_describe(
        actor=agent, attachment_id=attachment.pk, description="  The boiler's log  "
    )
    attachment.refresh_from_db()
    assert attachment.description == "The boiler's log"
    event = TicketEvent.objects.filter(ticket=ticket).latest("id")
    assert (event.field, event.old_value, event.new_value) == ("attachment", "a.txt", "a.txt")
    assert (event.actor, event.staff_only) == (agent, True)  # a file on a note: staff's news
    assert Ticket.objects.get(pk=ticket.pk).updated_at == seen
    # The same words again change nothing; an admin may describe anyone's file.
    file_services.attachment_describe(
        actor=admin, attachment_id=attachment.pk, description="The boiler's log"
    )
    assert TicketEvent.objects.filter(field="attachment").count() == 1
    with pytest.raises(NotAllowed, match="uploader"):
        file_services.attachment_describe(
            actor=other_agent, attachment_id=attachment.pk, description=""
        )
    with pytest.raises(NotFound):  # a note's file is not the customer's to see
        file_services.attachment_describe(
            actor=customer, attachment_id=attachment.pk, description=""
        )
    with pytest.raises(InvalidInput, match="at most 500"):
        file_services.attachment_describe(
            actor=agent, attachment_id=attachment.pk, description="x" * 501
        )
    assert Attachment.objects.get(pk=attachment.pk).description == "The boiler's log"


def test_customers_do_not_describe_files(customer: User) -> None:
    attachment = open_with(customer, upload("a.txt", b"a")).message.attachments.get()
    with pytest.raises(NotAllowed):
        file_services.attachment_describe(
            actor=customer, attachment_id=attachment.pk, description=""
        )
