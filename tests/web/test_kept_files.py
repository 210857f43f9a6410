"""Files chosen with a form that comes back with an error are kept (tickets/staging.py) and
offered again, with a Remove box, on the new-ticket page and on a ticket's composer: the
next try sends them. Only their owner can use them; abandoned ones expire."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django.fixtures import Settings

from frontdesk.accounts.models import User
from frontdesk.tickets import staging
from frontdesk.tickets.models import Attachment, StagedUpload, Ticket
from frontdesk.tickets.tasks import staged_uploads_expire
from tests.conftest import Clock
from tests.web.conftest import html
from tests.web.test_real_text import browser, post_form

pytestmark = pytest.mark.django_db


def upload(name: str, content: bytes) -> Any:
    return SimpleUploadedFile(name, content, content_type="text/plain")


def stored(settings: Settings) -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return (
        {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
        if root.exists()
        else set()
    )


def kept_tokens(page: str) -> dict[str, str]:
    """The files the page offers again: name -> token."""
    found = re.findall(
        r'name="kept_files" value="([^"]+)">\s*<span class="kept-files__name">([^<]+)</span>', page
    )
    return {name: token for token, name in found}


def test_files_survive_an_error_on_the_new_ticket_page(
    customer: User, settings: Settings, django_capture_on_commit_callbacks: Any
) -> None:
    client = browser(customer)
    first = post_form(
        client,
        "/ticket/new",
        {
            "title": "Bad \u202etitle",
            "message": "Photos of the jam.",
            "files": [upload("front.txt", b"front side"), upload("back.txt", b"back side")],
        },
    )
    assert first.status_code == 400
    page = html(first)
    assert "Photos of the jam.</textarea>" in page  # the text is kept
    assert "Kept from your last try" in page
    tokens = kept_tokens(page)
    assert set(tokens) == {"front.txt", "back.txt"}
    assert len(stored(settings)) == 2 and not Attachment.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        second = post_form(
            client,
            "/ticket/new",
            {
                "title": "Printer is jammed",
                "message": "Photos of the jam.",
                "kept_files": list(tokens.values()),
                "files": [upload("side.txt", b"left side")],
            },
        )
    assert second.status_code == 302
    ticket = Ticket.objects.get()
    files = {
        a.original_name: a.file.read() for a in Attachment.objects.filter(message__ticket=ticket)
    }
    assert files == {"front.txt": b"front side", "back.txt": b"back side", "side.txt": b"left side"}
    # Used: the kept copies are gone, only the attachments remain on disk.
    assert not StagedUpload.objects.exists()
    assert stored(settings) == {a.file.name for a in Attachment.objects.all()}


def test_a_kept_file_can_be_removed(
    customer: User, settings: Settings, django_capture_on_commit_callbacks: Any
) -> None:
    client = browser(customer)
    page = html(
        post_form(
            client,
            "/ticket/new",
            {
                "title": " ",
                "message": "Two files.",
                "files": [upload("a.txt", b"a"), upload("b.txt", b"b")],
            },
        )
    )
    tokens = kept_tokens(page)
    with django_capture_on_commit_callbacks(execute=True):
        again = post_form(
            client,
            "/ticket/new",
            {
                "title": "",
                "message": "Two files.",
                "kept_files": list(tokens.values()),
                "remove_files": [tokens["a.txt"]],
            },
        )
    assert again.status_code == 400
    assert set(kept_tokens(html(again))) == {"b.txt"}
    assert list(StagedUpload.objects.values_list("original_name", flat=True)) == ["b.txt"]
    assert len(stored(settings)) == 1


def test_files_survive_an_error_in_a_tickets_composer(
    ticket: Ticket, agent: User, settings: Settings
) -> None:
    client = browser(agent)
    path = f"/ticket/{ticket.pk}"
    first = post_form(
        client, path, {"action": "note", "message": "   ", "files": [upload("plan.txt", b"plan")]}
    )
    assert first.status_code == 400
    tokens = kept_tokens(html(first))
    assert set(tokens) == {"plan.txt"}
    second = post_form(
        client,
        path,
        {"action": "note", "message": "The plan, for later.", "kept_files": list(tokens.values())},
    )
    assert second.status_code == 302
    note = ticket.messages.last()
    assert note is not None and note.kind == "internal"
    assert [a.original_name for a in note.attachments.all()] == ["plan.txt"]
    assert not StagedUpload.objects.exists()


def test_only_the_owner_can_use_a_kept_file(
    customer: User, other_customer: User, settings: Settings
) -> None:
    page = html(
        post_form(
            browser(customer),
            "/ticket/new",
            {"title": "", "message": "Mine.", "files": [upload("private.txt", b"secret")]},
        )
    )
    [token] = kept_tokens(page).values()
    response = post_form(
        browser(other_customer),
        "/ticket/new",
        {"title": "Not my file", "message": "Trying a token.", "kept_files": [token]},
    )
    assert response.status_code == 302
    assert not Attachment.objects.exists()  # nothing was attached for the other customer
    assert StagedUpload.objects.get().owner == customer  # and John's file is still his
    assert staging.staged_uploads_of(actor=other_customer, tokens=[token]) == []


def test_more_files_than_a_message_carries_are_not_kept(customer: User, settings: Settings) -> None:
    settings.FRONTDESK_ATTACHMENTS_PER_MESSAGE = 2
    response = post_form(
        browser(customer),
        "/ticket/new",
        {
            "title": "Three files",
            "message": "Here.",
            "files": [upload(f"{n}.txt", b"x") for n in range(3)],
        },
    )
    assert response.status_code == 400
    page = html(response)
    assert "at most 2 files" in page and "choose them again" in page
    assert not StagedUpload.objects.exists() and stored(settings) == set()


def test_kept_files_expire_after_a_day(
    customer: User, settings: Settings, clock: Clock, django_capture_on_commit_callbacks: Any
) -> None:
    [kept] = staging.staged_upload_create(actor=customer, files=[upload("old.txt", b"old")])
    clock.advance(staging.STAGED_FOR.total_seconds() - 60)
    assert staging.staged_uploads_of(actor=customer, tokens=[kept.token]) == [kept]
    clock.advance(120)
    assert staging.staged_uploads_of(actor=customer, tokens=[kept.token]) == []
    with django_capture_on_commit_callbacks(execute=True):
        staged_uploads_expire.call_local()
    assert not StagedUpload.objects.exists() and stored(settings) == set()


def test_a_kept_file_lost_from_storage_is_left_out(customer: User, settings: Settings) -> None:
    [kept] = staging.staged_upload_create(actor=customer, files=[upload("gone.txt", b"gone")])
    kept.file.storage.delete(kept.file.name)
    response = post_form(
        browser(customer),
        "/ticket/new",
        {"title": "Lost file", "message": "It was here.", "kept_files": [kept.token]},
    )
    assert response.status_code == 302
    assert Ticket.objects.get().title == "Lost file" and not Attachment.objects.exists()
