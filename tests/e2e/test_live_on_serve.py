"""Live updates in a real browser against a real ``frontdesk serve`` (not the test server):
the page's stream is served on the server's event loop, and a message posted through the
SupportMe API appears on an agent's open ticket page without a reload, while the server has
only two request threads, both free for the post."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.cli.test_serve import _post, server  # noqa: F401 - the server fixture


@pytest.fixture
def serve_args() -> list[str]:
    return ["--threads", "2"]


def test_a_message_appears_on_an_open_page_served_by_frontdesk_serve(
    server: tuple[str, subprocess.Popen[str]],  # noqa: F811
    browser: Browser,
    tmp_path: Path,
) -> None:
    base, _ = server
    customer = _post(
        base + "/register",
        {"username": "Rosa", "email": "rosa@example.com", "password": "securepassword"},
    )["access_token"]
    ticket = _post(
        base + "/ticket/new",
        {"ticket_title": "Shoes left in studio 2", "message": "Black tap shoes, size 38."},
        str(customer),
    )["ticket_id"]

    context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 800})
    try:
        pages = [context.new_page() for _ in range(3)]  # more open pages than request threads
        page = pages[0]
        page.goto("/login")
        page.fill("#id_username", "admin")
        page.fill(
            "#id_password", (tmp_path / "data" / "initial_admin_password").read_text().strip()
        )
        page.click("button[type=submit]")
        page.wait_for_url("**/home")
        for open_page in pages:
            open_page.goto(f"/ticket/{ticket}")
            expect(open_page.locator("body")).to_have_attribute("data-live-state", "listening")

        _post(base + f"/ticket/{ticket}", {"message": "They are at reception now."}, str(customer))
        for open_page in pages:
            expect(open_page.get_by_text("They are at reception now.")).to_be_visible(
                timeout=10_000
            )
    finally:
        context.close()
