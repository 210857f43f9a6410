"""Attaching files on the pages, and downloading them: who may, and how each type is served."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pytest_django.fixtures import Settings

from frontdesk.accounts.models import User
from frontdesk.tickets import services
from frontdesk.tickets.models import Attachment, Message, Ticket
from tests.tickets.test_attachments import HTML, SVG, image_bytes
from tests.web.conftest import html, signed_in

pytestmark = pytest.mark.django_db

CSRF = {"csrfmiddlewaretoken": "x" * 64}
SANDBOX = "default-src 'none'; sandbox"


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> Any:
    return SimpleUploadedFile(name, content, content_type=content_type)


def post_files(client: Client, path: str, data: dict[str, Any]) -> Any:
    """A browser's multipart form post (the dispatcher treats multipart as a page form)."""
    return client.post(path, {**CSRF, **data})


def stored_files(settings: Settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


# --- uploading through the pages ----------------------------------------------------------


def test_forms_accept_several_files(customer: User, ticket: Ticket) -> None:
    client = signed_in(customer)
    for path in ("/ticket/new", f"/ticket/{ticket.pk}"):
        page = html(client.get(path))
        assert 'enctype="multipart/form-data"' in page
        assert re.search(r'<input type="file" name="files"[^>]* multiple[^>]*id="id_files"', page)
        assert "Up to 10 files, at most 25 MB each." in page


def test_open_a_ticket_with_files(customer: User) -> None:
    client = signed_in(customer)
    response = post_files(
        client,
        "/ticket/new",
        {
            "title": "Printer is jammed",
            "message": "Photos of the jam attached.",
            "files": [upload("jam.png", image_bytes()), upload("log.txt", b"paper jam")],
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/ticket/{ticket.pk}"
    png, log = Attachment.objects.order_by("id")
    assert (png.original_name, png.content_type) == ("jam.png", "image/png")
    assert log.message == png.message == Message.objects.get(ticket=ticket)

    page = html(client.get(f"/ticket/{ticket.pk}"))
    assert f'<a class="attachment-name" href="/attachments/{png.pk}/jam.png">jam.png</a>' in page
    assert f'<img src="/attachments/{png.pk}/jam.png" alt="" loading="lazy">' in page
    assert f'href="/attachments/{log.pk}/log.txt" download>log.txt</a>' in page
    assert '<span class="attachment-size">9 bytes</span>' in page
    assert f'<img src="/attachments/{log.pk}/' not in page  # no thumbnail for text


def test_reply_and_note_with_files(ticket: Ticket, customer: User, agent: User) -> None:
    response = post_files(
        signed_in(customer),
        f"/ticket/{ticket.pk}",
        {"action": "reply", "message": "Here is the photo.", "files": [upload("a.jpg", b"x")]},
    )
    assert response.status_code == 302
    response = post_files(
        signed_in(agent),
        f"/ticket/{ticket.pk}",
        {"action": "note", "message": "Internal: the invoice.", "files": [upload("inv.pdf", b"y")]},
    )
    assert response.status_code == 302
    note = Attachment.objects.get(original_name="inv.pdf")
    customer_page = html(signed_in(customer).get(f"/ticket/{ticket.pk}"))
    assert "a.jpg" in customer_page
    assert "inv.pdf" not in customer_page and f"/attachments/{note.pk}/" not in customer_page
    assert "inv.pdf" in html(signed_in(agent).get(f"/ticket/{ticket.pk}"))


def test_too_large_is_shown_next_to_the_field_and_nothing_is_saved(
    ticket: Ticket, customer: User, settings: Settings
) -> None:
    settings.FRONTDESK_ATTACHMENT_MAX_BYTES = 1000
    response = post_files(
        signed_in(customer),
        f"/ticket/{ticket.pk}",
        {
            "action": "reply",
            "message": "Two files for you.",
            "files": [upload("ok.txt", b"fine"), upload("huge.bin", b"x" * 5000)],
        },
    )
    assert response.status_code == 413
    page = html(response)
    error = re.search(r'id="id_files_error">(.*?)</p>', page, re.S)
    assert error is not None
    assert "huge.bin is 4.9 KB; a file can be at most 1000 bytes." in error.group(1)
    kept = re.search(r'<fieldset class="kept-files".*?</fieldset>', page, re.S)
    assert kept is not None and "ok.txt" in kept.group() and "huge.bin" not in kept.group()
    assert "Two files for you.</textarea>" in page  # the text is kept
    assert Message.objects.filter(ticket=ticket).count() == 1
    # Only the file that fits is kept for the next try, and it is no attachment yet.
    assert Attachment.objects.count() == 0 and len(stored_files(settings)) == 1


def test_too_many_files_on_a_new_ticket(customer: User, settings: Settings) -> None:
    settings.FRONTDESK_ATTACHMENTS_PER_MESSAGE = 2
    response = post_files(
        signed_in(customer),
        "/ticket/new",
        {
            "title": "Printer is jammed",
            "message": "Three photos attached.",
            "files": [upload(f"{n}.txt", b"text") for n in range(3)],
        },
    )
    assert response.status_code == 400
    error = re.search(r'id="id_files_error">(.*?)</p>', html(response), re.S)
    assert error is not None and "at most 2 files" in error.group(1)
    assert Ticket.objects.count() == 0 and stored_files(settings) == []


def test_upload_over_the_limit_is_not_kept_on_disk(
    ticket: Ticket, customer: User, settings: Settings
) -> None:
    # Larger than FILE_UPLOAD_MAX_MEMORY_SIZE, so it goes through the capped temporary file.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    settings.FRONTDESK_ATTACHMENT_MAX_BYTES = 64 * 1024
    seen: list[int] = []
    from frontdesk.core import uploads

    original = uploads.CappedTemporaryFileUploadHandler.receive_data_chunk

    def spy(self: Any, raw_data: bytes, start: int) -> None:
        original(self, raw_data, start)
        self.file.flush()
        seen.append(Path(self.file.temporary_file_path()).stat().st_size)

    pytest.MonkeyPatch().setattr(
        uploads.CappedTemporaryFileUploadHandler, "receive_data_chunk", spy
    )
    response = post_files(
        signed_in(customer),
        f"/ticket/{ticket.pk}",
        {
            "action": "reply",
            "message": "A big one.",
            "files": [upload("big.bin", b"x" * 1_000_000)],
        },
    )
    assert response.status_code == 413
    assert "big.bin is 976.6 KB" in html(response)  # the real size, counted to the end
    assert max(seen) <= 64 * 1024  # but no more than the limit was written to disk


# --- downloading: who may -----------------------------------------------------------------


@pytest.fixture
def files(ticket: Ticket, customer: User, agent: User) -> dict[str, Attachment]:
    services.message_post(
        actor=customer,
        ticket_id=ticket.pk,
        body="The photo you asked for.",
        files=[SimpleUploadedFile("photo.png", image_bytes())],
    )
    services.message_post(
        actor=agent,
        ticket_id=ticket.pk,
        body="Internal: supplier quote.",
        internal=True,
        files=[SimpleUploadedFile("quote.txt", b"1200 EUR")],
    )
    return {
        "public": Attachment.objects.get(original_name="photo.png"),
        "internal": Attachment.objects.get(original_name="quote.txt"),
    }


@pytest.mark.parametrize(
    ("who", "public", "internal"),
    [
        ("admin", 200, 200),
        ("agent", 200, 200),
        ("other_agent", 200, 200),
        ("customer", 200, 404),
        ("other_customer", 404, 404),
    ],
)
def test_download_permissions(
    files: dict[str, Attachment],
    request: pytest.FixtureRequest,
    who: str,
    public: int,
    internal: int,
) -> None:
    client = signed_in(request.getfixturevalue(who))
    for kind, expected in (("public", public), ("internal", internal)):
        response = client.get(files[kind].url)
        assert response.status_code == expected, kind
        if expected == 404:
            page = html(response)
            assert files[kind].original_name not in page
            assert "There is no file at this address" in page


def test_anonymous_download_goes_to_sign_in(files: dict[str, Attachment]) -> None:
    url = files["public"].url
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/login?next={quote(url, safe='/')}"


def _main(response: Any) -> str:
    return html(response).split('<main id="main"')[1].split("</main>")[0]


def test_missing_and_invisible_files_look_the_same(
    files: dict[str, Attachment], other_customer: User
) -> None:
    client = signed_in(other_customer)
    missing = client.get("/attachments/999999/photo.png")
    hidden = client.get(files["public"].url)
    assert missing.status_code == hidden.status_code == 404
    assert _main(missing) == _main(hidden)
    assert signed_in(other_customer).get(f"/attachments/{2**70}/x").status_code == 404


def test_the_name_in_the_address_does_not_matter(files: dict[str, Attachment], agent: User) -> None:
    response = signed_in(agent).get(f"/attachments/{files['public'].pk}/whatever.exe")
    assert response.status_code == 200
    assert "photo.png" in response["Content-Disposition"]


def test_download_only_reads(files: dict[str, Attachment], customer: User) -> None:
    client = signed_in(customer)
    assert client.post(files["public"].url, CSRF).status_code == 405
    assert client.head(files["public"].url).status_code == 200


def test_lost_file_is_a_404(files: dict[str, Attachment], agent: User) -> None:
    Path(files["public"].file.path).unlink()
    assert signed_in(agent).get(files["public"].url).status_code == 404


# --- downloading: how -----------------------------------------------------------------------


def _download(client: Client, ticket: Ticket, customer: User, name: str, content: bytes) -> Any:
    message = services.message_post(
        actor=customer,
        ticket_id=ticket.pk,
        body="One more file for you.",
        files=[SimpleUploadedFile(name, content, content_type="image/png")],
    )
    attachment = message.attachments.get()
    response = client.get(attachment.url)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == SANDBOX
    assert response["Cache-Control"] == "private, no-cache"
    assert b"".join(response.streaming_content) == content
    return response


@pytest.mark.parametrize(
    ("name", "fmt", "mime"),
    [
        ("a.png", "PNG", "image/png"),
        ("b.jpg", "JPEG", "image/jpeg"),
        ("c.gif", "GIF", "image/gif"),
        ("d.webp", "WEBP", "image/webp"),
    ],
)
def test_raster_images_are_shown_inline(
    ticket: Ticket, customer: User, name: str, fmt: str, mime: str
) -> None:
    response = _download(signed_in(customer), ticket, customer, name, image_bytes(fmt))
    assert response["Content-Type"] == mime
    assert (
        response["Content-Disposition"] == f"inline; filename=\"{name}\"; filename*=UTF-8''{name}"
    )


def test_html_named_png_is_a_download(ticket: Ticket, customer: User) -> None:
    response = _download(signed_in(customer), ticket, customer, "cute-cat.png", HTML)
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment; ")
    assert "filename*=UTF-8''cute-cat.png" in response["Content-Disposition"]


def test_svg_with_a_script_is_a_download(ticket: Ticket, customer: User) -> None:
    response = _download(signed_in(customer), ticket, customer, "logo.svg", SVG)
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"logo.svg\"; filename*=UTF-8''logo.svg"
    )
    assert Attachment.objects.get(original_name="logo.svg").content_type == "image/svg+xml"


def test_text_and_pdf_are_downloads_with_their_type(ticket: Ticket, customer: User) -> None:
    client = signed_in(customer)
    text = _download(client, ticket, customer, "notes.txt", "Grüße".encode())
    assert text["Content-Type"] == "text/plain; charset=utf-8"
    assert text["Content-Disposition"].startswith("attachment; ")
    pdf = _download(client, ticket, customer, "invoice.pdf", b"%PDF-1.7\n1 0 obj")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("attachment; ")


def test_unicode_and_quotes_in_the_name(ticket: Ticket, customer: User) -> None:
    response = _download(signed_in(customer), ticket, customer, 'Résumé "final".txt', b"cv")
    assert response["Content-Disposition"] == (
        'attachment; filename="R_sum_ _final_.txt"; '
        "filename*=UTF-8''R%C3%A9sum%C3%A9%20_final_.txt"
    )


def test_unchanged_file_answers_304(files: dict[str, Attachment], customer: User) -> None:
    client = signed_in(customer)
    first = client.get(files["public"].url)
    again = client.get(files["public"].url, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304 and again["ETag"] == first["ETag"]
    # A customer who may not see it gets no hint, not even a 304.
    hidden = signed_in(customer).get(
        files["internal"].url, headers={"If-None-Match": f'"{files["internal"].sha256}"'}
    )
    assert hidden.status_code == 404


def test_admin_shows_files_through_the_checked_view(
    files: dict[str, Attachment], admin: User
) -> None:
    client = signed_in(admin)
    attachment = files["public"]
    page = html(client.get(f"/admin/tickets/attachment/{attachment.pk}/change/"))
    assert f'<a href="{attachment.url}">photo.png</a>' in page
    assert 'type="file"' not in page
    assert client.get("/admin/tickets/attachment/add/").status_code == 403
