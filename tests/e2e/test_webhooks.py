"""Webhooks in a real browser: an admin follows the header's link, adds a webhook for a
receiver listening on this machine, sends a test and reads its delivery in the log. Desktop
and phone widths."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from frontdesk.accounts.models import User
from frontdesk.webhooks.models import Webhook
from tests.conftest import PASSWORD
from tests.e2e.conftest import PHONE, sign_in
from tests.webhooks.conftest import Receiver, running_receiver

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hook_receiver(settings: Any) -> Iterator[Receiver]:
    settings.FRONTDESK_WEBHOOKS_ALLOW_PRIVATE = True  # the receiver is on 127.0.0.1
    with running_receiver() as found:
        yield found


def test_an_admin_adds_a_webhook_and_sends_a_test(
    admin: User,
    hook_receiver: Receiver,
    new_page: Callable[..., Page],
    screenshot: Callable[..., Path],
) -> None:
    page = new_page()
    sign_in(page, admin.username, PASSWORD)
    page.get_by_role("link", name="Webhooks").click()
    page.wait_for_url("**/webhooks")
    page.get_by_role("link", name="New webhook").click()
    page.get_by_label("Name").fill("Studio chat")
    page.get_by_label("URL").fill(hook_receiver.url)
    page.get_by_label("The status changes").check()
    page.get_by_label("Slack-compatible incoming webhook").check()
    page.get_by_role("button", name="Save webhook").click()
    expect(page.get_by_text("Webhook “Studio chat” saved (on).")).to_be_visible()
    webhook = Webhook.objects.get()
    assert webhook.events == ["ticket.created", "ticket.status_changed"]
    assert webhook.format == "slack"

    page.get_by_role("button", name="Send test").click()
    log = page.locator("#deliveries")
    expect(log.get_by_text("Delivered", exact=True)).to_be_visible()
    expect(log.get_by_text("webhook.test", exact=True)).to_be_visible()
    assert hook_receiver.requests[0].headers["Frontdesk-Event"] == "webhook.test"
    page.get_by_text("Show the secret").click()
    expect(page.get_by_text(webhook.secret)).to_be_visible()
    page.wait_for_timeout(500)
    screenshot(page, "webhook-desktop")

    phone = new_page(viewport=PHONE)
    sign_in(phone, admin.username, PASSWORD)
    phone.goto("/webhooks")
    expect(phone.get_by_role("link", name="Studio chat")).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width  # nothing wider than the phone
    phone.wait_for_timeout(500)
    screenshot(phone, "webhooks-phone")
