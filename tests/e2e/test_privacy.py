"""Privacy in a real browser: a customer downloads their data from the profile page (a zip
with their ticket and its file), and an admin anonymises a customer from the confirmation page
on a phone, which names what will happen first."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect

from frontdesk.accounts.models import Role, User
from tests.conftest import PASSWORD, make_user, open_ticket
from tests.e2e.conftest import PHONE, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_customer_downloads_their_data(
    new_page: Callable[..., Page], screenshot: Callable[..., Path]
) -> None:
    customer = make_user("John", Role.CUSTOMER)
    plan = SimpleUploadedFile("plan.txt", b"Studio plan", "text/plain")
    open_ticket(customer, "Heating broken in studio 2", files=[plan])

    page = new_page()
    sign_in(page, "John", PASSWORD)
    page.goto("/profile")
    section = page.locator("#your-data")
    expect(section.get_by_role("heading", name="Your data")).to_be_visible()
    screenshot(page, "privacy-profile")
    with page.expect_download() as info:
        section.get_by_role("button", name="Download my data").click()
    download = info.value
    assert download.suggested_filename.startswith(f"frontdesk-data-{customer.pk}-")
    with zipfile.ZipFile(download.path()) as archive:
        data = json.loads(archive.read("data.json"))
        names = archive.namelist()
    assert [ticket["title"] for ticket in data["tickets"]] == ["Heating broken in studio 2"]
    assert any(name.endswith("plan.txt") for name in names)


def test_an_admin_anonymises_a_customer_on_a_phone(
    new_page: Callable[..., Page], screenshot: Callable[..., Path]
) -> None:
    make_user("Ada", Role.ADMIN)
    customer = make_user("John", Role.CUSTOMER)
    open_ticket(customer, "Heating broken in studio 2")

    page = new_page(viewport=PHONE)
    sign_in(page, "Ada", PASSWORD)
    page.goto(f"/customers/{customer.pk}/privacy")
    expect(page.get_by_role("heading", name="Privacy: John")).to_be_visible()
    expect(page.get_by_text(f"deleted-user-{customer.pk}").first).to_be_visible()
    screenshot(page, "privacy-confirm-phone")
    page.get_by_role("button", name="Anonymise John").click()
    expect(page.get_by_role("heading", name=f"Anonymised: customer #{customer.pk}")).to_be_visible()
    expect(page.get_by_text("Tickets concerned")).to_be_visible()
    assert User.objects.get(pk=customer.pk).username == f"deleted-user-{customer.pk}"
