"""The reports page in a real browser: an agent follows the header's link, sees the charts
(SVG with their names) and the tables, switches the range to the last 7 days and to dates of
their own; on a phone the page fits the screen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from frontdesk.accounts.models import User
from frontdesk.core.clock import now
from tests.conftest import PASSWORD
from tests.e2e.conftest import PHONE, sign_in
from tests.reports.helpers import worked

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_agent_reads_the_reports_and_switches_the_range(
    agent: User,
    customer: User,
    new_page: Callable[..., Page],
    screenshot: Callable[..., Path],
) -> None:
    today = now()
    worked(customer, agent, opened=today - timedelta(days=20), answered_after=timedelta(hours=1),
           solved_at=today - timedelta(days=19))  # fmt: skip
    worked(customer, agent, opened=today - timedelta(days=2), answered_after=timedelta(minutes=5))

    page = new_page()
    sign_in(page, agent.username, PASSWORD)
    page.get_by_role("link", name="Reports").click()
    page.wait_for_url("**/reports")
    expect(page.get_by_role("heading", name="Reports", level=1)).to_be_visible()
    daily = page.get_by_role("img", name="Tickets created and solved per day")
    expect(daily).to_be_visible()
    expect(page.get_by_role("img", name="Open tickets at the end of each day")).to_be_visible()
    expect(page.get_by_role("img", name="Tickets created and solved per agent")).to_be_visible()
    created = page.locator(".report-tile").filter(has_text="Tickets created")
    expect(created.locator(".report-tile-value")).to_have_text("2")  # the last 30 days
    expect(page.get_by_role("table").first).to_be_attached()
    screenshot(page, "reports-30-days-desktop")

    page.get_by_role("link", name="Last 7 days").click()
    page.wait_for_url("**/reports?range=7")
    expect(created.locator(".report-tile-value")).to_have_text("1")
    expect(page.get_by_role("link", name="Last 7 days")).to_have_attribute("aria-current", "page")
    expect(daily).to_be_visible()

    first = (today - timedelta(days=25)).date().isoformat()
    last = (today - timedelta(days=15)).date().isoformat()
    page.get_by_label("From", exact=True).fill(first)
    page.get_by_label("To", exact=True).fill(last)
    page.get_by_role("button", name="Show these dates").click()
    page.wait_for_url("**/reports?range=custom*")
    expect(created.locator(".report-tile-value")).to_have_text("1")
    expect(page.locator(".report-tile").filter(has_text="Tickets solved")).to_contain_text("1")

    phone = new_page(viewport=PHONE)
    sign_in(phone, agent.username, PASSWORD)
    phone.goto("/reports")
    expect(phone.get_by_role("img", name="Tickets created and solved per day")).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    screenshot(phone, "reports-30-days-phone")
