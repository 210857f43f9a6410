"""Live updates paused and resumed, in a real browser on a real ``frontdesk serve`` whose Redis
the test stops and starts again: the page says that live updates are paused, still shows a
new reply (it checks by itself), and goes back to listening once Redis is back."""

from __future__ import annotations

import json

from playwright.sync_api import Browser, expect

from tests.core.test_outage_redis import (  # noqa: F401 - fixtures
    PASSWORD,
    Desk,
    RedisProcess,
    call,
    desk,
    redis_server,
    token_of,
)

POLL = 45_000  # ms: the page checks every 30 s while paused (live.js)


def test_the_page_says_live_updates_are_paused_and_catches_up(
    desk: Desk,  # noqa: F811
    redis_server: RedisProcess,  # noqa: F811
    browser: Browser,
) -> None:
    base = desk.base
    customer = token_of(
        base, "/register", {"username": "Rosa", "email": "rosa@example.com", "password": PASSWORD}
    )
    _, _, answer = call(
        base,
        "POST",
        "/ticket/new",
        {"ticket_title": "Shoes left in studio 2", "message": "Black tap shoes, size 38."},
        token=customer,
    )
    ticket = json.loads(answer)["ticket_id"]
    context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto("/login")
        page.fill("#id_username", "admin")
        page.fill("#id_password", (desk.data / "initial_admin_password").read_text().strip())
        page.click("button[type=submit]")
        page.wait_for_url("**/home")
        page.goto(f"/ticket/{ticket}")
        body = page.locator("body")
        expect(body).to_have_attribute("data-live-state", "listening")
        paused = page.get_by_text("Live updates are paused")
        expect(paused).to_be_hidden()

        redis_server.stop()
        expect(paused).to_be_visible(timeout=15_000)
        expect(body).to_have_attribute("data-live-state", "polling")
        status, _, _ = call(
            base, "POST", f"/ticket/{ticket}", {"message": "They are at reception."}, token=customer
        )
        assert status == 200
        expect(page.get_by_text("They are at reception.")).to_be_visible(timeout=POLL)

        redis_server.start()
        expect(body).to_have_attribute("data-live-state", "listening", timeout=POLL)
        expect(paused).to_be_hidden()
        call(base, "POST", f"/ticket/{ticket}", {"message": "Collected, thanks!"}, token=customer)
        expect(page.get_by_text("Collected, thanks!")).to_be_visible(timeout=10_000)
    finally:
        context.close()
