"""Single sign-on in a real browser: the button on the sign-in page, off to the OpenID Connect
provider on loopback (tests/accounts/oidc_provider.py) and back, signed in as an agent."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.fixtures import Settings

from frontdesk.accounts.models import Role, User
from tests.accounts.oidc_provider import Provider, provider_running
from tests.accounts.test_sso import AGENTS, MARIA
from tests.e2e.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def provider(settings: Settings) -> Iterator[Provider]:
    with provider_running() as running:
        for name, value in running.settings().items():
            setattr(settings, name, value)
        settings.FRONTDESK_OIDC_AGENT_VALUES = [AGENTS]
        running.person = dict(MARIA)
        yield running


def test_an_agent_signs_in_with_one_click_on_the_providers_button(
    provider: Provider, new_page: Callable[..., Page], screenshot: Callable[..., Path]
) -> None:
    page = new_page(viewport=DESKTOP)
    page.goto("/login")
    screenshot(page, "sso-sign-in-desktop")
    page.get_by_role("link", name="Sign in with Studio Login").click()

    page.wait_for_url("**/home")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert User.objects.get(email=MARIA["email"]).role == Role.AGENT


def test_a_refusal_comes_back_to_the_sign_in_page_in_words(
    provider: Provider, new_page: Callable[..., Page], screenshot: Callable[..., Path]
) -> None:
    provider.person["groups"] = ["dancers"]
    page = new_page(viewport=PHONE)
    page.goto("/login")
    page.get_by_role("link", name="Sign in with Studio Login").click()

    page.wait_for_url("**/login")
    expect(page.get_by_text("does not give you access to this help desk")).to_be_visible()
    screenshot(page, "sso-refused-phone")
