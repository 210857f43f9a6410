"""The limits told before Submit, in a real browser: a live count near a field's limit, a
file over the size limit (or one file too many) refused before anything is uploaded, and the
files chosen with a form that comes back with an error still there for the next try."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from frontdesk.accounts.models import User
from frontdesk.tickets.models import Attachment, StagedUpload, Ticket
from tests.conftest import PASSWORD
from tests.e2e.conftest import no_dialogs, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def text_file(name: str, size: int) -> dict[str, Any]:
    return {"name": name, "mimeType": "text/plain", "buffer": b"x" * size}


def test_a_live_count_appears_near_the_limit(customer: User, new_page: Callable[..., Page]) -> None:
    page = new_page()
    sign_in(page, customer.username, PASSWORD)
    page.goto("/ticket/new")
    title = page.get_by_label("Title")
    count = page.locator("#id_title_count")

    title.fill("Can't book Friday's class? " + "x" * 100)  # 127 of 200: no count yet
    expect(count).to_be_hidden()
    title.fill("Refund for 10-class pass \u2013 €80 " + "y" * 140)  # 171 characters
    expect(count).to_have_text("You have 29 characters left (limit 200).")
    expect(title).to_have_attribute("aria-describedby", "id_title_helptext id_title_count")
    # Screen readers hear it once the writer pauses.
    expect(page.locator("#id_title_count + [aria-live=polite]")).to_have_text(
        "You have 29 characters left (limit 200)."
    )
    title.fill("€" * 203)
    expect(count).to_have_text("You have 3 characters too many (limit 200).")
    expect(count).to_have_class("char-count char-count--over")

    message = page.get_by_label("Describe the problem")
    message.fill("Line one\n" + "z" * 60_000)
    expect(page.locator("#id_message_count")).to_have_text(
        "You have 5,527 characters left (limit 65,536)."
    )
    no_dialogs(page)


def test_a_file_over_the_limit_is_refused_before_it_is_uploaded(
    customer: User, new_page: Callable[..., Page], settings: Any
) -> None:
    settings.FRONTDESK_ATTACHMENT_MAX_BYTES = 1000
    settings.FRONTDESK_ATTACHMENTS_PER_MESSAGE = 2
    page = new_page()
    sign_in(page, customer.username, PASSWORD)
    page.goto("/ticket/new")
    uploads: list[str] = []
    page.on(
        "request", lambda request: uploads.append(request.url) if request.method == "POST" else None
    )
    files = page.get_by_label("Attach files (optional)")
    error = page.locator("#id_files_browser_error")

    files.set_input_files([text_file("small.txt", 10), text_file("huge.txt", 5000)])
    expect(error).to_have_text(
        "Error: huge.txt is 4.9\u00a0KB; a file can be at most 1000\u00a0bytes. "
        "Choose a smaller file."
    )
    expect(error).to_have_attribute("role", "alert")
    assert files.evaluate("input => input.files.length") == 0
    expect(files).to_have_attribute("aria-invalid", "true")

    files.set_input_files([text_file(f"{n}.txt", 10) for n in range(3)])
    expect(error).to_have_text("Error: You can attach at most 2 files to a message; you chose 3.")
    assert files.evaluate("input => input.files.length") == 0

    files.set_input_files([text_file("fits.txt", 10)])
    expect(error).to_be_hidden()
    assert uploads == []  # nothing was sent while choosing

    page.get_by_label("Title").fill("Refund for 10-class pass \u2013 €80")
    page.get_by_label("Describe the problem").fill("Receipt attached.")
    page.get_by_role("button", name="Open ticket").click()
    page.wait_for_url("**/ticket/*")
    assert [a.original_name for a in Attachment.objects.all()] == ["fits.txt"]


def test_chosen_files_are_kept_after_a_validation_error(
    customer: User, new_page: Callable[..., Page]
) -> None:
    page = new_page()
    sign_in(page, customer.username, PASSWORD)
    page.goto("/ticket/new")
    page.get_by_label("Title").fill("Studio 2 \u202eis cold")
    page.get_by_label("Describe the problem").fill("Photos of the thermostat attached.")
    page.get_by_label("Attach files (optional)").set_input_files(
        [text_file("thermostat.txt", 20), text_file("radiator.txt", 30), text_file("extra.txt", 5)]
    )
    page.get_by_role("button", name="Open ticket").click()

    expect(page.locator("#id_title_error")).to_contain_text("text-direction overrides")
    kept = page.get_by_role("group", name="Kept from your last try: sent with your message")
    expect(kept).to_contain_text("thermostat.txt")
    expect(kept).to_contain_text("radiator.txt")
    expect(page.get_by_label("Describe the problem")).to_have_value(
        "Photos of the thermostat attached."
    )
    kept.get_by_label("Remove extra.txt").check()

    page.get_by_label("Title").fill("Studio 2 is cold")
    page.get_by_role("button", name="Open ticket").click()
    page.wait_for_url("**/ticket/*")
    ticket = Ticket.objects.get()
    names = sorted(a.original_name for a in Attachment.objects.filter(message__ticket=ticket))
    assert names == ["radiator.txt", "thermostat.txt"]
    expect(page.get_by_role("link", name="thermostat.txt")).to_be_visible()
    assert not StagedUpload.objects.exists()
    no_dialogs(page)
