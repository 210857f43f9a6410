"""Attachments in the REST API: multipart uploads, who sees and deletes which file, downloads
served with the pages' header policy."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pytest_django.fixtures import Settings

from frontdesk.accounts.models import User
from frontdesk.tickets.file_services import attachment_add
from frontdesk.tickets.models import Attachment, Message, MessageKind, Ticket
from tests.api.helpers import BASE, Api, error_of, ids
from tests.conftest import open_ticket
from tests.tickets.test_attachments import HTML, SVG, image_bytes

pytestmark = pytest.mark.django_db

SANDBOX = "default-src 'none'; sandbox"
FIELDS = {
    "id",
    "ticket",
    "message",
    "file_name",
    "size",
    "content_type",
    "sha256",
    "uploaded_by",
    "description",
    "created_at",
    "download_url",
}


def upload(api: Api, path: str, name: str, content: bytes, **fields: Any) -> Any:
    """A multipart POST, as a client uploading a file sends it."""
    data = {"file": SimpleUploadedFile(name, content, content_type="text/plain"), **fields}
    return api.client.post(f"{BASE}{path}", data, headers=api.headers)


def file_of(user: User, ticket: Ticket, name: str, content: bytes, **kwargs: Any) -> Attachment:
    return attachment_add(
        actor=user,
        ticket_id=ticket.pk,
        file=SimpleUploadedFile(name, content, content_type="text/plain"),
        **kwargs,
    )


def stored_files(settings: Settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.fixture
def files(ticket: Ticket, customer: User, agent: User) -> dict[str, Attachment]:
    """A customer's file, an agent's public file and an agent's file on an internal note."""
    return {
        "customer": file_of(customer, ticket, "photo.png", image_bytes()),
        "public": file_of(agent, ticket, "answer.txt", b"Try turning it off and on."),
        "internal": file_of(agent, ticket, "notes.txt", b"Customer is on site 3.", internal=True),
    }


# --- uploading ----------------------------------------------------------------------------


def test_upload_to_a_ticket(as_customer: Api, customer: User, ticket: Ticket) -> None:
    content = image_bytes()
    response = upload(
        as_customer,
        f"/tickets/{ticket.pk}/add_attachment/",
        "../../screen\u202eshot.txt",
        content,
        description="  The error dialog  ",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert set(data) == FIELDS
    attachment = Attachment.objects.get()
    assert data["id"] == attachment.pk
    assert data["ticket"] == ticket.pk
    assert data["file_name"] == "screenshot.txt"  # sanitised: no path, no bidi override
    assert data["content_type"] == "image/png"  # sniffed, whatever the name and label say
    assert data["size"] == len(content)
    assert data["sha256"] == hashlib.sha256(content).hexdigest()
    assert data["uploaded_by"] == customer.pk
    assert data["description"] == "The error dialog"
    assert data["download_url"] == f"{BASE}/attachments/{attachment.pk}/download/"
    message = Message.objects.get(pk=data["message"])
    assert message.kind == MessageKind.PUBLIC and message.body == "Attached screenshot.txt."


def test_upload_to_a_ticket_or_own_message(as_customer: Api, ticket: Ticket) -> None:
    first = ticket.messages.get()
    response = upload(as_customer, "/attachments/", "a.txt", b"hello", message=str(first.pk))
    assert response.status_code == 201, response.content
    assert response.json()["message"] == first.pk
    assert response.json()["content_type"] == "text/plain"
    response = upload(as_customer, "/attachments/", "b.txt", b"hello", ticket=str(ticket.pk))
    assert response.status_code == 201, response.content
    assert response.json()["message"] != first.pk


@pytest.mark.parametrize(
    "target", [{}, {"ticket": "1", "message": "1"}, {"ticket": "x"}, {"nonsense": "1"}]
)
def test_upload_needs_one_target(as_customer: Api, ticket: Ticket, target: dict[str, str]) -> None:
    response = upload(as_customer, "/attachments/", "a.txt", b"hello", **target)
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid"
    assert Attachment.objects.count() == 0


def test_upload_without_a_file_is_400(as_customer: Api, ticket: Ticket) -> None:
    response = as_customer.client.post(
        f"{BASE}/tickets/{ticket.pk}/add_attachment/",
        {"description": "no file"},
        headers=as_customer.headers,
    )
    assert response.status_code == 400
    assert "file" in error_of(response)["fields"]


def test_too_large_is_413_at_the_boundary(
    as_customer: Api, ticket: Ticket, settings: Settings
) -> None:
    settings.FRONTDESK_ATTACHMENT_MAX_BYTES = 100
    path = f"/tickets/{ticket.pk}/add_attachment/"
    assert upload(as_customer, path, "ok.txt", b"x" * 100).status_code == 201
    response = upload(as_customer, path, "big.txt", b"x" * 101)
    assert response.status_code == 413
    error = error_of(response)
    assert error["code"] == "too_large" and "file" in error["fields"]
    assert Attachment.objects.count() == 1 and len(stored_files(settings)) == 1


def test_empty_file_is_400(as_customer: Api, ticket: Ticket) -> None:
    response = upload(as_customer, f"/tickets/{ticket.pk}/add_attachment/", "e.txt", b"")
    assert response.status_code == 400
    assert "file" in error_of(response)["fields"]


def test_too_many_files_is_400(as_customer: Api, ticket: Ticket, settings: Settings) -> None:
    two = {
        "file": [
            SimpleUploadedFile("a.txt", b"one"),
            SimpleUploadedFile("b.txt", b"two"),
        ]
    }
    response = as_customer.client.post(
        f"{BASE}/tickets/{ticket.pk}/add_attachment/", two, headers=as_customer.headers
    )
    assert response.status_code == 400
    assert "file" in error_of(response)["fields"]
    # A message holds at most FRONTDESK_ATTACHMENTS_PER_MESSAGE files.
    settings.FRONTDESK_ATTACHMENTS_PER_MESSAGE = 1
    first = ticket.messages.get()
    assert upload(as_customer, "/attachments/", "a.txt", b"1", message=first.pk).status_code == 201
    response = upload(as_customer, "/attachments/", "b.txt", b"2", message=first.pk)
    assert response.status_code == 400
    assert "file" in error_of(response)["fields"]
    assert Attachment.objects.count() == 1


def test_upload_must_be_multipart(as_customer: Api, ticket: Ticket) -> None:
    response = as_customer.post(f"/tickets/{ticket.pk}/add_attachment/", {"file": "x"})
    assert response.status_code == 415
    error = error_of(response)
    assert error["code"] == "unsupported_media_type" and "multipart" in error["message"]
    # ... and only the upload endpoints take multipart.
    response = as_customer.client.post(
        f"{BASE}/tickets/{ticket.pk}/add_comment/",
        {"content": "Hello there"},
        headers=as_customer.headers,
    )
    assert response.status_code == 415
    assert "JSON" in error_of(response)["message"]


def test_broken_multipart_is_400(as_customer: Api, ticket: Ticket) -> None:
    response = as_customer.client.post(
        f"{BASE}/tickets/{ticket.pk}/add_attachment/",
        b"--nope\r\nContent-Disposition: form-data",
        content_type="multipart/form-data",  # no boundary
        headers=as_customer.headers,
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid"


def test_customers_cannot_upload_internal_notes(as_customer: Api, ticket: Ticket) -> None:
    path = f"/tickets/{ticket.pk}/add_attachment/"
    response = upload(as_customer, path, "a.txt", b"psst", is_internal="true")
    assert response.status_code == 403
    assert Attachment.objects.count() == 0


def test_agents_upload_internal_notes(as_agent: Api, ticket: Ticket) -> None:
    path = f"/tickets/{ticket.pk}/add_attachment/"
    response = upload(as_agent, path, "a.txt", b"psst", is_internal="true")
    assert response.status_code == 201
    assert Message.objects.get(pk=response.json()["message"]).kind == MessageKind.INTERNAL


def test_upload_to_someone_elses_ticket_is_404(as_other_customer: Api, ticket: Ticket) -> None:
    response = upload(as_other_customer, f"/tickets/{ticket.pk}/add_attachment/", "a", b"x")
    assert response.status_code == 404
    response = upload(as_other_customer, "/attachments/", "a", b"x", ticket=ticket.pk)
    assert response.status_code == 404
    assert Attachment.objects.count() == 0


def test_session_upload_needs_csrf(customer: User, ticket: Ticket) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    data = {"file": SimpleUploadedFile("a.txt", b"hello")}
    response = client.post(f"{BASE}/tickets/{ticket.pk}/add_attachment/", data)
    assert response.status_code == 403
    client.get("/home")
    token = client.cookies["csrftoken"].value
    data = {"file": SimpleUploadedFile("a.txt", b"hello")}
    response = client.post(
        f"{BASE}/tickets/{ticket.pk}/add_attachment/", data, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 201, response.content


# --- who sees what ------------------------------------------------------------------------


def _paths(attachment: Attachment) -> list[str]:
    return [f"/attachments/{attachment.pk}/", f"/attachments/{attachment.pk}/download/"]


def test_anonymous_is_401(anonymous: Api, files: dict[str, Attachment], ticket: Ticket) -> None:
    for path in ["/attachments/", *_paths(files["public"])]:
        assert error_of(anonymous.get(path))["code"] == "unauthenticated"
    assert anonymous.delete(f"/attachments/{files['public'].pk}/").status_code == 401
    assert upload(anonymous, "/attachments/", "a", b"x", ticket=ticket.pk).status_code == 401
    path = f"/tickets/{ticket.pk}/add_attachment/"
    assert upload(anonymous, path, "a", b"x").status_code == 401


def test_customer_sees_own_public_files_only(
    as_customer: Api, files: dict[str, Attachment]
) -> None:
    visible = [files["customer"].pk, files["public"].pk]
    assert ids(as_customer.get("/attachments/")) == visible
    for name in ("customer", "public"):
        for path in _paths(files[name]):
            assert as_customer.get(path).status_code == 200
    # The internal note's file: not in the list, detail or download.
    for path in _paths(files["internal"]):
        response = as_customer.get(path)
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"


def test_other_customer_sees_nothing(
    as_other_customer: Api, files: dict[str, Attachment], ticket: Ticket
) -> None:
    assert ids(as_other_customer.get("/attachments/")) == []
    assert ids(as_other_customer.get("/attachments/", ticket=ticket.pk)) == []
    for attachment in files.values():
        for path in _paths(attachment):
            assert as_other_customer.get(path).status_code == 404


@pytest.mark.parametrize("who", ["as_agent", "as_admin"])
def test_staff_see_every_file(
    request: pytest.FixtureRequest, who: str, files: dict[str, Attachment]
) -> None:
    api: Api = request.getfixturevalue(who)
    assert ids(api.get("/attachments/")) == [attachment.pk for attachment in files.values()]
    for attachment in files.values():
        for path in _paths(attachment):
            assert api.get(path).status_code == 200


def test_list_filters_and_pages(
    as_agent: Api, files: dict[str, Attachment], customer: User
) -> None:
    other = open_ticket(customer, title="Second one")
    extra = file_of(customer, other, "x.txt", b"x")
    assert ids(as_agent.get("/attachments/", ticket=other.pk)) == [extra.pk]
    first = as_agent.get("/attachments/", limit=2)
    assert ids(first) == [files["customer"].pk, files["public"].pk]
    rest = as_agent.get(first.json()["next"])
    assert ids(rest) == [files["internal"].pk, extra.pk] and rest.json()["next"] is None
    for bad in ({"ticket": "abc"}, {"limit": "0"}, {"cursor": "nonsense"}):
        response = as_agent.get("/attachments/", **bad)
        assert response.status_code == 400
        assert set(error_of(response)["fields"]) == set(bad)


# --- deleting -----------------------------------------------------------------------------


def test_customers_cannot_delete(as_customer: Api, files: dict[str, Attachment]) -> None:
    assert as_customer.delete(f"/attachments/{files['customer'].pk}/").status_code == 403
    assert as_customer.delete(f"/attachments/{files['internal'].pk}/").status_code == 404
    assert Attachment.objects.count() == 3


def test_only_the_uploader_or_an_admin_deletes(
    other_agent: User,
    as_agent: Api,
    as_admin: Api,
    files: dict[str, Attachment],
    settings: Settings,
    django_capture_on_commit_callbacks: Any,
) -> None:
    assert Api(other_agent).delete(f"/attachments/{files['public'].pk}/").status_code == 403
    assert as_agent.delete(f"/attachments/{files['customer'].pk}/").status_code == 403
    path = Path(files["public"].file.path)
    with django_capture_on_commit_callbacks(execute=True):
        response = as_agent.delete(f"/attachments/{files['public'].pk}/")
    assert response.status_code == 204
    assert not path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert as_admin.delete(f"/attachments/{files['customer'].pk}/").status_code == 204
    assert set(Attachment.objects.values_list("pk", flat=True)) == {files["internal"].pk}
    assert len(stored_files(settings)) == 1
    assert as_admin.delete(f"/attachments/{files['customer'].pk}/").status_code == 404


def test_a_refused_delete_keeps_the_file(as_customer: Api, files: dict[str, Attachment]) -> None:
    path = Path(files["customer"].file.path)
    as_customer.delete(f"/attachments/{files['customer'].pk}/")
    assert path.exists()


# --- downloading --------------------------------------------------------------------------


def download(api: Api, ticket: Ticket, customer: User, name: str, content: bytes) -> Any:
    attachment = file_of(customer, ticket, name, content)
    response = api.get(f"/attachments/{attachment.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == SANDBOX
    assert response["Cache-Control"] == "private, no-cache"
    assert response["ETag"] == f'"{hashlib.sha256(content).hexdigest()}"'
    return response


def test_png_is_inline(as_customer: Api, ticket: Ticket, customer: User) -> None:
    response = download(as_customer, ticket, customer, "Grüße.png", image_bytes())
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == (
        f"inline; filename=\"Gr__e.png\"; filename*=UTF-8''{quote('Grüße.png')}"
    )


@pytest.mark.parametrize(("name", "content"), [("page.html", HTML), ("logo.svg", SVG)])
def test_html_and_svg_are_downloads(
    as_customer: Api, ticket: Ticket, customer: User, name: str, content: bytes
) -> None:
    response = download(as_customer, ticket, customer, name, content)
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == (
        f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}"
    )


def test_download_revalidates(as_customer: Api, files: dict[str, Attachment]) -> None:
    path = f"{BASE}/attachments/{files['customer'].pk}/download/"
    etag = f'"{files["customer"].sha256}"'
    headers = {**as_customer.headers, "If-None-Match": etag}
    response = as_customer.client.get(path, headers=headers)
    assert response.status_code == 304
    assert response["ETag"] == etag and response["X-Content-Type-Options"] == "nosniff"


def test_lost_file_is_404(as_agent: Api, files: dict[str, Attachment]) -> None:
    Path(files["public"].file.path).unlink()
    response = as_agent.get(f"/attachments/{files['public'].pk}/download/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_a_file_is_as_visible_as_its_message(
    as_customer: Api, files: dict[str, Attachment]
) -> None:
    Message.objects.filter(pk=files["public"].message_id).update(kind=MessageKind.INTERNAL)
    for path in _paths(files["public"]):
        assert as_customer.get(path).status_code == 404
    assert files["public"].pk not in ids(as_customer.get("/attachments/"))
