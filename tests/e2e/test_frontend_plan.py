"""The seed's FRONT-END TEST PLAN, its 17 steps in order, in a real browser.

Two people, each in their own browser context (their own cookies): John, a customer, and
Alice, who registers as a customer and is promoted to agent ("assistant" in SupportMe) by the
server admin with ``frontdesk setrole`` on the command line, as SupportMe's
changeAccountType.py did. A screenshot after each step lands in test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from playwright.sync_api import Locator, Page, expect

from frontdesk.accounts.models import Role, User
from frontdesk.tickets.models import Ticket
from tests.e2e.conftest import confirmed, no_dialogs

pytestmark = pytest.mark.django_db(transaction=True)

LOGIN_FAILED = "A user with the supplied username and password was not found."
PASSWORDS_DIFFER = "Passwords do not match."
PASSWORD_TOO_SHORT = "Password must be at least 8 characters."
LOGGED_OUT = "You have been logged out."

CUSTOMER, CUSTOMER_EMAIL, CUSTOMER_PASSWORD = "John", "john@example.com", "securepassword"
CUSTOMER_NEW_PASSWORD = "evenmoresecure"
ASSISTANT, ASSISTANT_EMAIL, ASSISTANT_PASSWORD = "Alice", "alice@example.com", "assistantpass"

TITLE = "The toilet roll is finished"
FIRST_MESSAGE = "Could somebody refill it please?"
CUSTOMER_MESSAGE = "It is the one on the second floor, next to studio 2."
ASSISTANT_MESSAGE = "We have put new rolls in. Thank you for telling us!"

ICON_LABELS = {"blue": "Blue", "green": "Green", "purple": "Purple", "red": "Red"}


# --- the page, read the way a person reads it ---------------------------------------------


def header(page: Page) -> Locator:
    return page.get_by_role("banner")


def header_avatar(page: Page) -> Locator:
    return header(page).locator("img.avatar")


def section(page: Page, heading: str) -> Locator:
    """A home page section, by the start of its heading ("Closed tickets 1")."""
    return page.get_by_role("region", name=re.compile(rf"^{re.escape(heading)}\b"))


def conversation(page: Page) -> Locator:
    return page.get_by_role("region", name="Conversation")


def detail(page: Page, term: str) -> Locator:
    """The value beside a term of the ticket's details (``Status``, ``Closed``, ...)."""
    return page.get_by_role("complementary").locator(
        f"xpath=.//dt[normalize-space()='{term}']/following-sibling::dd[1]"
    )


def ticket_status(page: Page) -> Locator:
    """The ticket's title, with its status badge beside it."""
    return page.get_by_role("heading", level=1)


def view_link(page: Page, name: str) -> Locator:
    """One of the agent workspace's views ("Claimable 1 tickets")."""
    views = page.get_by_role("navigation", name="Ticket views")
    return views.get_by_role("link", name=re.compile(rf"^{re.escape(name)} \d+ tickets?$"))


def log_out(page: Page) -> None:
    header(page).get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")
    confirmed(page, LOGGED_OUT)


def fill_login(page: Page, username: str, password: str) -> None:
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def frontdesk_command(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``frontdesk ARGS`` as the server admin would, against this test's database."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    elif connection.vendor == "postgresql":
        user = quote(str(db["USER"] or ""), safe="")
        if db.get("PASSWORD"):
            user += ":" + quote(str(db["PASSWORD"]), safe="")
        url = f"postgres://{user}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
    else:  # pragma: no cover - Frontdesk runs on SQLite and PostgreSQL only
        pytest.fail(f"no DATABASE_URL for the {db['ENGINE']} engine")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "FRONTDESK_DATA_DIR": str(settings.DATA_DIR),
    }
    return subprocess.run(
        [sys.executable, "-m", "frontdesk.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# --- the plan ---------------------------------------------------------------------------


def test_the_seeds_front_end_test_plan(
    new_page: Callable[..., Page], screenshot: Callable[..., Path]
) -> None:
    started = datetime.now().astimezone()
    customer = new_page()

    # 1) The customer tries to log in without an account: an error, on the page.
    customer.goto("/login")
    fill_login(customer, CUSTOMER, CUSTOMER_PASSWORD)
    expect(customer).to_have_url(re.compile(r"/login$"))
    expect(customer.get_by_role("main")).to_contain_text(LOGIN_FAILED)
    expect(customer.get_by_label("Username or email")).to_have_value(CUSTOMER)
    no_dialogs(customer)
    screenshot(customer, "plan-01-customer-login-without-account")

    # 2) They register, but the passwords do not match: the error is next to the field.
    customer.get_by_role("link", name="Register here").click()
    expect(customer).to_have_url(re.compile(r"/register$"))
    customer.get_by_label("Username").fill(CUSTOMER)
    customer.get_by_label("Email address").fill(CUSTOMER_EMAIL)
    customer.get_by_label("Password", exact=True).fill(CUSTOMER_PASSWORD)
    customer.get_by_label("Confirm password").fill(CUSTOMER_PASSWORD + "x")
    customer.get_by_role("button", name="Create account").click()
    confirm = customer.get_by_label("Confirm password")
    expect(confirm).to_have_accessible_description(re.compile(re.escape(PASSWORDS_DIFFER)))
    expect(confirm).to_have_attribute("aria-invalid", "true")
    expect(customer.locator(".field", has=confirm)).to_contain_text(PASSWORDS_DIFFER)
    expect(customer.get_by_label("Username")).to_have_value(CUSTOMER)  # what was typed stays
    assert not User.objects.filter(username=CUSTOMER).exists()
    no_dialogs(customer)
    screenshot(customer, "plan-02-customer-passwords-do-not-match")

    # 3) They register properly and land at home, signed in, with open and closed tickets.
    customer.get_by_label("Password", exact=True).fill(CUSTOMER_PASSWORD)
    confirm.fill(CUSTOMER_PASSWORD)
    customer.get_by_role("button", name="Create account").click()
    customer.wait_for_url("**/home")
    confirmed(customer, f"Welcome to Frontdesk, {CUSTOMER}.")
    expect(header(customer)).to_contain_text(CUSTOMER)
    expect(header(customer).get_by_role("button", name="Log out")).to_be_visible()
    expect(section(customer, "Open tickets")).to_be_visible()
    expect(section(customer, "Closed tickets")).to_be_visible()
    screenshot(customer, "plan-03-customer-registered-home")

    # 4) They open a support ticket and land on the ticket's own page.
    customer.get_by_role("main").get_by_role("link", name="Open a ticket").click()
    customer.wait_for_url("**/ticket/new")
    customer.get_by_label("Title").fill(TITLE)
    customer.get_by_label("Describe the problem").fill(FIRST_MESSAGE)
    customer.get_by_role("button", name="Open ticket").click()
    customer.wait_for_url(re.compile(r"/ticket/\d+$"))
    ticket = Ticket.objects.get(title=TITLE)
    assert customer.url.endswith(f"/ticket/{ticket.pk}")
    confirmed(customer, f"Your ticket {ticket.number} has been opened.")
    expect(customer.get_by_role("heading", level=1)).to_contain_text(TITLE)
    expect(conversation(customer)).to_contain_text(FIRST_MESSAGE)
    screenshot(customer, "plan-04-customer-opened-ticket")

    # 5) They send a message, see it in the thread, and go back home.
    customer.get_by_label("Message", exact=True).fill(CUSTOMER_MESSAGE)
    customer.get_by_role("button", name="Send reply").click()
    confirmed(customer, "Your reply has been sent.")
    expect(conversation(customer)).to_contain_text(CUSTOMER_MESSAGE)
    screenshot(customer, "plan-05-customer-sent-message")
    header(customer).get_by_role("link", name="Frontdesk", exact=True).click()  # the name
    customer.wait_for_url("**/home")
    expect(section(customer, "Open tickets")).to_contain_text(TITLE)

    # 6) They edit their profile: a new picture and a new password.
    header(customer).get_by_role("link", name="Profile", exact=True).click()
    customer.wait_for_url("**/profile")
    old_icon = User.objects.get(username=CUSTOMER).profile_icon
    expect(header_avatar(customer)).to_have_attribute("src", f"/profile-icons/{old_icon}.png")
    new_icon = next(icon for icon in ICON_LABELS if icon != old_icon)
    customer.get_by_label(ICON_LABELS[new_icon], exact=True).check()
    expect(customer.get_by_alt_text("Preview of your chosen picture")).to_have_attribute(
        "src", f"/profile-icons/{new_icon}.png"
    )
    customer.get_by_label("New password (optional)").fill(CUSTOMER_NEW_PASSWORD)
    customer.get_by_label("Confirm new password").fill(CUSTOMER_NEW_PASSWORD)
    customer.get_by_label("Current password").fill(CUSTOMER_PASSWORD)
    customer.get_by_role("button", name="Save changes").click()
    confirmed(customer, "Your profile has been saved.")
    expect(customer).to_have_url(re.compile(r"/profile$"))
    expect(header_avatar(customer)).to_have_attribute("src", f"/profile-icons/{new_icon}.png")
    saved = User.objects.get(username=CUSTOMER)
    assert saved.profile_icon == new_icon
    assert saved.check_password(CUSTOMER_NEW_PASSWORD)
    no_dialogs(customer)
    screenshot(customer, "plan-06-customer-profile-saved")

    # 7) The assistant registers with a too-short password (an error), then a valid one.
    assistant = new_page()
    assistant.goto("/register")
    password = assistant.get_by_label("Password", exact=True)
    expect(password).to_have_accessible_description(re.compile("Between 8 and 32 characters"))
    assistant.get_by_label("Username").fill(ASSISTANT)
    assistant.get_by_label("Email address").fill(ASSISTANT_EMAIL)
    password.fill("short")
    assistant.get_by_label("Confirm password").fill("short")
    assistant.get_by_role("button", name="Create account").click()
    expect(password).to_have_accessible_description(re.compile(re.escape(PASSWORD_TOO_SHORT)))
    expect(assistant.locator(".field", has=password)).to_contain_text(PASSWORD_TOO_SHORT)
    no_dialogs(assistant)
    screenshot(assistant, "plan-07-assistant-password-too-short")
    password.fill(ASSISTANT_PASSWORD)
    assistant.get_by_label("Confirm password").fill(ASSISTANT_PASSWORD)
    assistant.get_by_role("button", name="Create account").click()

    # 8) ... and is taken to the home page (a customer's, for now).
    assistant.wait_for_url("**/home")
    expect(header(assistant)).to_contain_text(ASSISTANT)
    expect(assistant.get_by_role("heading", level=1)).to_have_text("Your tickets")
    expect(section(assistant, "Claimable")).to_have_count(0)
    screenshot(assistant, "plan-08-assistant-registered-home")

    # 9) The server admin promotes the account from the command line.
    alice = User.objects.get(username=ASSISTANT)
    done = frontdesk_command("setrole", ASSISTANT, "agent")
    assert done.returncode == 0, f"frontdesk setrole failed:\n{done.stdout}\n{done.stderr}"
    assert f"User {ASSISTANT} (ID: {alice.pk}) is now Agent." in done.stdout
    alice.refresh_from_db()
    assert alice.role == Role.AGENT

    # 10) The assistant logs out, then tries a wrong password.
    log_out(assistant)
    screenshot(assistant, "plan-10-assistant-logged-out")
    fill_login(assistant, ASSISTANT, "not-my-password")
    expect(assistant).to_have_url(re.compile(r"/login$"))
    expect(assistant.get_by_role("main")).to_contain_text(LOGIN_FAILED)
    no_dialogs(assistant)
    screenshot(assistant, "plan-10-assistant-wrong-password")

    # 11) The right password: home, now the agents' workspace, whose views are the open,
    # closed and claimable tickets; it opens on the claimable queue, the customer's ticket in it.
    fill_login(assistant, ASSISTANT, ASSISTANT_PASSWORD)
    assistant.wait_for_url("**/home")
    expect(assistant.get_by_role("heading", level=1)).to_have_text("Tickets")
    expect(view_link(assistant, "Claimable")).to_have_text(re.compile(r"Claimable\s*1"))
    expect(view_link(assistant, "Claimable")).to_have_attribute("aria-current", "page")
    expect(view_link(assistant, "Mine")).to_be_visible()
    expect(view_link(assistant, "All open")).to_be_visible()
    expect(view_link(assistant, "Recently closed")).to_be_visible()
    queue = assistant.get_by_role("table", name="Claimable")
    row = queue.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(CUSTOMER)
    screenshot(assistant, "plan-11-assistant-home")

    # 12) The assistant opens the unclaimed ticket and claims it.
    row.get_by_role("link", name=re.compile(re.escape(TITLE))).click()
    assistant.wait_for_url(f"**/ticket/{ticket.pk}?from=*")
    expect(conversation(assistant)).to_contain_text(CUSTOMER_MESSAGE)
    assistant.get_by_role("button", name="Claim ticket").click()
    claimed = f"This ticket has been claimed by {ASSISTANT} (ID: {alice.pk})."
    expect(conversation(assistant)).to_contain_text(claimed)
    confirmed(assistant, "You have claimed this ticket.")
    expect(assistant.get_by_role("button", name="Claim ticket")).to_have_count(0)
    screenshot(assistant, "plan-12-assistant-claimed")

    # 13) The assistant sends a message, then closes the ticket.
    assistant.get_by_label("Message", exact=True).fill(ASSISTANT_MESSAGE)
    assistant.get_by_role("button", name="Send reply").click()
    confirmed(assistant, "Your reply has been sent.")
    expect(conversation(assistant)).to_contain_text(ASSISTANT_MESSAGE)
    assistant.get_by_role("button", name="Close ticket").click()
    closed = f"This ticket has been closed by {ASSISTANT} (ID: {alice.pk})."
    expect(conversation(assistant)).to_contain_text(closed)
    expect(ticket_status(assistant)).to_contain_text("Closed")
    no_dialogs(assistant)
    screenshot(assistant, "plan-13-assistant-closed")

    # 14) The assistant logs out.
    log_out(assistant)

    # 15) The customer goes home, finds the ticket under closed tickets and opens it.
    customer.goto("/home")
    expect(section(customer, "Open tickets")).not_to_contain_text(TITLE)
    closed_section = section(customer, "Closed tickets")
    expect(closed_section).to_contain_text(TITLE)
    screenshot(customer, "plan-15-customer-home-closed")
    closed_section.get_by_role("link", name=re.compile(re.escape(TITLE))).click()
    customer.wait_for_url(f"**/ticket/{ticket.pk}")

    # 16) They see the assistant's message, and that (and when) the ticket was closed: in
    # plain words, the assistant by name without an id (the SupportMe API keeps the id).
    thread = conversation(customer)
    expect(thread).to_contain_text(ASSISTANT_MESSAGE)
    expect(thread).to_contain_text(f"This ticket has been closed by {ASSISTANT}.")
    expect(thread).not_to_contain_text("(ID:")
    expect(ticket_status(customer)).to_contain_text("Closed")
    expect(detail(customer, "Status")).to_contain_text("Closed")
    expect(detail(customer, "Claimed by")).to_contain_text(ASSISTANT)
    closed_time = detail(customer, "Closed").locator("time")
    expect(closed_time).to_have_text(re.compile(r"^\d{1,2} \w{3} \d{4}, \d{2}:\d{2} UTC$"))
    moment = datetime.fromisoformat(closed_time.get_attribute("datetime") or "")
    assert started - timedelta(minutes=1) <= moment <= datetime.now().astimezone()
    screenshot(customer, "plan-16-customer-sees-closed-ticket")

    # 17) The customer logs out; home is no longer theirs to see.
    log_out(customer)
    customer.goto("/home")
    expect(customer).to_have_url(re.compile(r"/login\?next=/home$"))
    no_dialogs(customer)
    screenshot(customer, "plan-17-customer-logged-out")
