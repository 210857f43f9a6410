"""Followers and CC in a real browser: an agent follows from the ticket page, a requester copies
someone, the CC person reads the public conversation; screenshots at desktop and phone width."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from frontdesk.accounts.models import User
from frontdesk.tickets import services
from tests.conftest import PASSWORD, open_ticket
from tests.e2e.conftest import PHONE, no_dialogs, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

WIDE = {"width": 1280, "height": 800}


def test_follow_and_cc_in_the_browser(
    new_page: Callable[..., Page],
    screenshot: Callable[..., Path],
    customer: User,
    other_customer: User,
    agent: User,
    live_server: Any,
) -> None:
    ticket = open_ticket(customer)
    services.message_post(actor=agent, ticket_id=ticket.pk, body="We are on our way.")
    services.message_post(
        actor=agent, ticket_id=ticket.pk, body="Boiler log says 6am.", internal=True
    )

    staff = new_page(viewport=WIDE)
    sign_in(staff, agent.username, PASSWORD)
    staff.goto(f"/ticket/{ticket.pk}")
    followers = staff.locator("section.followers")
    expect(followers.get_by_text("Alice")).to_be_visible()  # she wrote: she follows
    followers.get_by_role("button", name="Unfollow").click()
    staff.wait_for_load_state("load")
    expect(staff.locator("section.followers").get_by_role("button", name="Follow")).to_be_visible()
    no_dialogs(staff)

    requester = new_page(viewport=WIDE)
    sign_in(requester, customer.username, PASSWORD)
    requester.goto(f"/ticket/{ticket.pk}")
    requester.get_by_label("Add people by email").fill("jane@example.com, nonsense")
    requester.locator("section.cc").get_by_role("button", name="Add").click()
    requester.wait_for_load_state("load")
    expect(requester.locator("#id_cc_error")).to_contain_text("is not an email address")
    requester.get_by_label("Add people by email").fill("jane@example.com")
    requester.locator("section.cc").get_by_role("button", name="Add").click()
    requester.wait_for_load_state("load")
    expect(requester.locator("section.cc")).to_contain_text("jane@example.com")
    requester.wait_for_timeout(800)
    screenshot(requester, "following-requester-1280")
    no_dialogs(requester)

    copied = new_page(viewport=WIDE)
    sign_in(copied, other_customer.username, PASSWORD)
    copied.goto(f"/ticket/{ticket.pk}")
    expect(copied.get_by_text("We are on our way.")).to_be_visible()
    expect(copied.get_by_text("Boiler log says 6am.")).to_have_count(0)
    copied.wait_for_timeout(800)
    screenshot(copied, "following-cc-person-1280")

    staff.goto(f"/ticket/{ticket.pk}")
    staff.wait_for_timeout(800)
    screenshot(staff, "following-agent-1280")
    phone = new_page(viewport=PHONE)
    sign_in(phone, agent.username, PASSWORD)
    phone.goto(f"/ticket/{ticket.pk}")
    phone.wait_for_timeout(800)
    screenshot(phone, "following-agent-360")
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1


def test_new_ticket_form_has_cc(
    new_page: Callable[..., Page], screenshot: Callable[..., Path], customer: User
) -> None:
    page = new_page(viewport=PHONE)
    sign_in(page, customer.username, PASSWORD)
    page.goto("/ticket/new")
    expect(page.get_by_label("CC (optional)")).to_be_visible()
    page.wait_for_timeout(800)
    screenshot(page, "following-new-ticket-360")
