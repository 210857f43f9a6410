"""In a browser (issue 12): a new API token asks for the password; a new password with "Keep my
API tokens working" keeps this session and the tokens. Screenshots at 1280 and 360 wide."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from frontdesk.accounts.api_tokens import api_tokens_active_for
from frontdesk.accounts.models import User
from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width", [1280, 360])
def test_token_needs_the_password_and_a_new_password_can_keep_tokens(
    agent: User,
    new_page: Callable[..., Page],
    screenshot: Callable[..., Path],
    width: int,
) -> None:
    page = new_page({"width": width, "height": 800})
    sign_in(page, agent.username, PASSWORD)
    page.goto("/profile")
    tokens = page.locator("#api-tokens")
    tokens.locator("#id_name").fill("Reporting")
    tokens.locator("#id_password").fill("not-my-password")
    tokens.get_by_role("button", name="Create token").click()
    expect(page.get_by_text("That password is not right; no token was made.").first).to_be_visible()
    screenshot(page, f"tokens-wrong-password-{width}")

    tokens = page.locator("#api-tokens")
    tokens.locator("#id_password").fill(PASSWORD)
    tokens.get_by_role("button", name="Create token").click()
    expect(page.get_by_text("You won't see it again.")).to_be_visible()

    page.locator("#id_new_password").fill("a-new-password-9")
    page.locator("#id_new_password_confirm").fill("a-new-password-9")
    page.get_by_label("Keep my API tokens working").check()
    page.locator("#id_old_password").fill(PASSWORD)
    page.locator("#id_keep_api_tokens").scroll_into_view_if_needed()
    screenshot(page, f"password-keep-tokens-{width}")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Your profile has been saved.")).to_be_visible()
    assert api_tokens_active_for(agent).count() == 1
