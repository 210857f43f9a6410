"""The inactivity warning in a real browser: it appears before the session ends, "Stay signed
in" keeps the session, and an ignored warning ends on the sign-in page with the reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from frontdesk.accounts.models import Role
from tests.conftest import PASSWORD, make_user
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


SESSION_SECONDS = 8
WARNING_SECONDS = 6  # the warning shows 2 s after the last activity


@pytest.fixture(autouse=True)
def _short_sessions(settings: Any) -> None:
    settings.SESSION_COOKIE_AGE = settings.FRONTDESK_SESSION_TIMEOUT = SESSION_SECONDS
    settings.FRONTDESK_SESSION_WARNING = WARNING_SECONDS


def test_warning_stay_signed_in_and_expiry(new_page: Callable[..., Page]) -> None:
    make_user("John", Role.CUSTOMER)
    page = new_page()
    sign_in(page, "John", PASSWORD)

    warning = page.get_by_role("alertdialog", name="Your session is about to end")
    # Waits as long as the session lasts: the warning can only show while it is alive.
    expect(warning).to_be_visible(timeout=SESSION_SECONDS * 1000)
    page.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_be_hidden()

    # Ignored this time: the session ends and the sign-in page says why.
    page.wait_for_url("**/login?expired=1**", timeout=3 * SESSION_SECONDS * 1000)
    expect(page.get_by_text("You were signed out after")).to_be_visible()
    page.goto("/home")
    page.wait_for_url("**/login**")  # the server agrees: the session is over
