"""The recovery and verification pages in a real browser, at desktop and phone width: a
screenshot of each (test-artifacts/screenshots/recovery-*.png), one h1, every field labelled,
nothing wider than a phone's screen; and the whole reset walked through by clicking."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from playwright.sync_api import Page

from frontdesk.accounts import recovery, services, verification
from frontdesk.accounts.models import User
from tests.conftest import PASSWORD
from tests.e2e.conftest import DESKTOP, PHONE, no_dialogs, sign_in
from tests.e2e.test_screenshots import OVERFLOW_JS, UNLABELLED_FIELDS_JS

pytestmark = pytest.mark.django_db(transaction=True)

VERIFY_LINK = re.compile(r"/email/verify/([A-Za-z0-9_:.-]+)")


@pytest.mark.parametrize(
    ("width", "viewport"),
    [pytest.param("desktop", DESKTOP, id="desktop"), pytest.param("phone", PHONE, id="phone")],
)
def test_recovery_pages_render_fit_and_are_labelled(
    width: str,
    viewport: dict[str, int],
    customer: User,
    new_page: Callable[..., Page],
    screenshot: Callable[..., Path],
) -> None:
    reset = recovery.reset_issue(user_id=customer.pk)
    claimer = services.customer_create_from_mail(email="maria@example.org", name="Maria")
    claim = recovery.reset_issue(user_id=claimer.pk)
    with transaction.atomic():
        verification.email_change_request(
            user=customer, new_email="john.new@example.com", password=PASSWORD
        )
    found = VERIFY_LINK.search(mail.outbox[-1].body)
    assert found is not None and reset and claim
    visitor = new_page(viewport=viewport)
    member = new_page(viewport=viewport)
    sign_in(member, customer.username, PASSWORD)

    pages: list[tuple[str, Page, str, int]] = [
        ("forgot", visitor, "/password/forgot", 200),
        ("forgot-sent", visitor, "/password/forgot?sent=1", 200),
        ("reset", visitor, f"/password/reset/{reset}", 200),
        ("reset-claim", visitor, f"/password/reset/{claim}", 200),
        ("reset-invalid", visitor, "/password/reset/no-such-link", 404),
        ("verify", visitor, f"/email/verify/{found.group(1)}", 200),
        ("verify-banner", member, "/home", 200),
        ("profile-email", member, "/profile/email", 200),
    ]
    problems: list[str] = []
    for name, page, path, status in pages:
        response = page.goto(path)
        assert response is not None
        if response.status != status:
            problems.append(f"{name}: {path} answered {response.status}, expected {status}")
        screenshot(page, f"recovery-{name}-{width}")
        if page.locator("h1").count() != 1:
            problems.append(f"{name}: not exactly one h1")
        unlabelled: list[str] = page.evaluate(UNLABELLED_FIELDS_JS)
        if unlabelled:
            problems.append(f"{name}: fields without an accessible label: {unlabelled}")
        if viewport is PHONE:
            layout: dict[str, Any] = page.evaluate(OVERFLOW_JS)
            if layout["scrollWidth"] > layout["innerWidth"] + 1:
                problems.append(f"{name}: too wide: {layout['culprits']}")
    for page in (visitor, member):
        no_dialogs(page)
    assert not problems, "\n".join(problems)


def test_forgot_password_walked_through(
    customer: User, new_page: Callable[..., Page], screenshot: Callable[..., Path]
) -> None:
    page = new_page()
    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email address or username").fill(customer.email)
    page.get_by_role("button", name="Send me a link").click()
    page.wait_for_url("**/password/forgot?sent=1")
    link = re.search(r"http://[^/]+(/password/reset/[A-Za-z0-9_-]+)", mail.outbox[-1].body)
    assert link is not None
    page.goto(link.group(1))
    page.get_by_label("New password", exact=True).fill("walked-through-1")
    page.get_by_label("Confirm the new password").fill("walked-through-1")
    page.get_by_role("button", name="Change password").click()
    page.wait_for_url("**/login")
    screenshot(page, "recovery-after-reset-desktop")
    assert "Your password is set. Sign in with it." in page.content()
    sign_in(page, customer.username, "walked-through-1")
    no_dialogs(page)
