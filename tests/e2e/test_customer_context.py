"""The customer context in a real browser: the customer panel with the customer's other
tickets and the agents' note saved in place, a ticket opened for a caller who has no
account, the tab title counting news live (and a desktop notification when opted in), and
times shown in the user's time zone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from frontdesk.accounts.models import CustomerNote, Role, User
from frontdesk.tickets import services
from tests.conftest import PASSWORD, make_user, open_ticket
from tests.e2e.conftest import no_dialogs, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

# Stands in for the browser's Notification API: permission granted, each one recorded.
NOTIFICATION_RECORDER = """
window.__notifications = [];
window.Notification = class {
  static permission = "granted";
  static requestPermission() { return Promise.resolve("granted"); }
  constructor(title, options) { window.__notifications.push({ title, ...options }); }
  addEventListener() {}
};
"""


def _wait_until_listening(page: Page) -> None:
    page.locator("body[data-live-state=listening]").wait_for(state="attached")


def test_the_customer_panel_shows_other_tickets_and_saves_the_note(
    new_page: Callable[..., Page], screenshot: Callable[..., Path]
) -> None:
    customer = make_user("John", Role.CUSTOMER)
    make_user("Alice", Role.AGENT)
    older = open_ticket(customer, "Mirror cracked in studio 1", "Someone bumped into it.")
    ticket = open_ticket(customer, "Heating broken in studio 2", "The radiators are cold.")

    page = new_page()
    sign_in(page, "Alice", PASSWORD)
    page.goto(f"/ticket/{ticket.pk}")
    panel = page.locator("#customer-panel")
    expect(panel.get_by_role("heading", name="Customer")).to_be_visible()
    expect(panel.get_by_text("john@example.com")).to_be_visible()
    other = panel.get_by_role("link", name="Mirror cracked in studio 1")
    expect(other).to_have_attribute("href", f"/ticket/{older.pk}")

    page.evaluate("window.__notReloaded = true")
    panel.get_by_label("Note for agents").fill("Teaches salsa on Mondays; call after 6 pm.")
    panel.get_by_role("button", name="Save note").click()
    expect(panel.get_by_role("status")).to_contain_text("Note saved.")
    expect(panel.get_by_role("status")).to_contain_text("Last changed by Alice")
    assert page.evaluate("window.__notReloaded === true"), "saving the note reloaded the page"
    note = CustomerNote.objects.get(customer=customer)
    assert note.text == "Teaches salsa on Mondays; call after 6 pm."
    screenshot(page, "context-customer-panel")

    other.click()
    page.wait_for_url(f"**/ticket/{older.pk}")
    expect(page.locator("#customer-panel").get_by_label("Note for agents")).to_have_value(
        "Teaches salsa on Mondays; call after 6 pm."
    )
    no_dialogs(page)


def test_an_agent_opens_a_ticket_for_a_caller_without_an_account(
    new_page: Callable[..., Page], screenshot: Callable[..., Path]
) -> None:
    make_user("Alice", Role.AGENT)
    page = new_page()
    sign_in(page, "Alice", PASSWORD)
    page.goto("/ticket/new")
    page.get_by_text("No account yet? Add the caller").click()
    page.get_by_label("Caller's name").fill("María López")
    page.get_by_label("Caller's email address").fill("maria@example.org")
    page.get_by_label("Title").fill("Lost property in studio 2")
    page.get_by_label("Describe the problem").fill("A blue water bottle after the 7 pm class.")
    screenshot(page, "context-phone-in")
    page.get_by_role("button", name="Open ticket").click()

    page.wait_for_url("**/ticket/*")
    expect(page.get_by_role("heading", name="Lost property in studio 2")).to_be_visible()
    panel = page.locator("#customer-panel")
    expect(panel.get_by_text("MariaLopez")).to_be_visible()
    expect(panel.get_by_text("(no password yet)")).to_be_visible()
    person = User.objects.get(email="maria@example.org")
    assert not person.has_usable_password()
    no_dialogs(page)


def test_the_tab_title_counts_news_live_and_notifies_when_asked(
    new_page: Callable[..., Page],
) -> None:
    customer = make_user("John", Role.CUSTOMER)
    agent = make_user("Alice", Role.AGENT)
    mine = open_ticket(customer, "Heating broken in studio 2", "The radiators are cold.")
    services.ticket_claim(actor=agent, ticket_id=mine.pk)

    page = new_page()
    page.context.add_init_script(NOTIFICATION_RECORDER)
    sign_in(page, "Alice", PASSWORD)
    page.goto("/profile")
    page.get_by_role("button", name="Turn on desktop notifications").click()
    expect(page.locator("#notifications-state")).to_have_text("On in this browser.")

    page.goto(f"/ticket/{mine.pk}")  # read: nothing new on it
    page.goto("/home")
    _wait_until_listening(page)
    page.wait_for_function("document.body.dataset.newsCount === '0'")
    title = page.title()
    assert not title.startswith("(")

    page.evaluate("window.__notReloaded = true")
    fresh = open_ticket(customer, "Mirror cracked in studio 3", "Someone bumped into it.")
    page.wait_for_function("title => document.title === `(1) ${title}`", arg=title)
    services.message_post(actor=customer, ticket_id=mine.pk, body="Any news on the heating?")
    page.wait_for_function("title => document.title === `(2) ${title}`", arg=title)
    assert page.evaluate("window.__notReloaded === true")

    shown = page.evaluate("window.__notifications")
    assert [(n["title"], n["body"], n["silent"]) for n in shown] == [
        (f"New ticket: {fresh.number}", "Mirror cracked in studio 3", True),
        (f"New reply: {mine.number}", "Heating broken in studio 2", True),
    ]
    no_dialogs(page)


def test_times_show_in_the_browsers_zone_then_the_chosen_one(
    new_context: Callable[..., BrowserContext],
) -> None:
    customer = make_user("John", Role.CUSTOMER)
    ticket = open_ticket(customer, "Heating broken in studio 2", "The radiators are cold.")
    page = new_context(timezone_id="Asia/Tokyo").new_page()
    sign_in(page, "John", PASSWORD)
    page.locator("body[data-time-zone=set]").wait_for(state="attached")
    customer.refresh_from_db()
    assert customer.time_zone == "Asia/Tokyo"

    page.goto(f"/ticket/{ticket.pk}")
    opened = page.locator("#ticket-sidebar dd time").first
    expect(opened).to_contain_text("JST")

    page.goto("/profile")
    page.get_by_role("combobox", name="Time zone").select_option("America/New_York")
    page.get_by_role("button", name="Save time zone").click()
    expect(page.get_by_text("Times are now shown in America/New_York.")).to_be_visible()
    page.goto(f"/ticket/{ticket.pk}")
    expect(page.locator("#ticket-sidebar dd time").first).to_contain_text("E")  # EST or EDT
    assert "JST" not in page.locator("#ticket-sidebar").inner_text()
    customer.refresh_from_db()
    assert customer.time_zone == "America/New_York"
