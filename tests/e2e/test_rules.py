"""Automation rules in a real browser: an admin writes a rule with the rows' selects, tries it
with the dry-run, saves it and moves it up the list. Desktop and phone widths."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from frontdesk.accounts.models import User
from frontdesk.automations.models import Rule
from frontdesk.automations.services import rule_create
from tests.conftest import PASSWORD, open_ticket
from tests.e2e.conftest import PHONE, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_admin_writes_tries_and_orders_a_rule(
    admin: User,
    customer: User,
    new_page: Callable[..., Page],
    screenshot: Callable[..., Path],
) -> None:
    rule_create(
        actor=admin,
        values={
            "name": "Tag every new ticket",
            "event": "ticket_created",
            "active": True,
            "actions": [{"action": "add_tag", "value": "new"}],
        },
    )
    invoice = open_ticket(customer, "Invoice for the May classes", "I was charged twice.")
    # The rule fired on its own: the event was queued after the opening committed.
    assert Rule.objects.get().runs.get().ticket_id == invoice.pk
    open_ticket(customer, "Heating not working", "Studio 2 is cold.")

    page = new_page()
    sign_in(page, admin.username, PASSWORD)
    page.get_by_role("link", name="Rules").click()
    page.wait_for_url("**/rules")
    page.get_by_role("link", name="New rule").click()
    page.get_by_label("Name").fill("Billing mails")
    page.get_by_label("Condition 1 field").select_option("title")
    page.get_by_label("Condition 1 operator").select_option("contains")
    page.get_by_label("Condition 1 typed value").fill("invoice")
    page.get_by_label("Action 1", exact=True).select_option("set_category")
    page.get_by_label("Action 1 value").select_option("billing")
    page.get_by_label("Action 2", exact=True).select_option("set_priority")
    page.get_by_label("Action 2 value").select_option("high")
    page.get_by_role("button", name="Dry-run: which tickets match now?").click()
    expect(page.get_by_role("heading", name="Dry-run: 1 ticket matches now")).to_be_visible()
    expect(page.get_by_role("link", name="Invoice for the May classes")).to_be_visible()
    page.wait_for_timeout(800)
    screenshot(page, "rule-dry-run-desktop")
    page.get_by_role("button", name="Save rule").click()
    expect(page.get_by_text("Rule “Billing mails” saved (off).")).to_be_visible()
    page.get_by_role("link", name="All rules").click()
    page.get_by_role("button", name="Up — Billing mails").click()
    page.wait_for_url("**/rules")
    assert list(Rule.objects.values_list("name", flat=True)) == [
        "Billing mails",
        "Tag every new ticket",
    ]
    page.wait_for_timeout(800)
    screenshot(page, "rules-desktop")

    page.goto(f"/ticket/{invoice.pk}")
    sidebar = page.locator("section.rule-runs")
    expect(sidebar.get_by_role("link", name="Tag every new ticket")).to_be_visible()
    expect(sidebar.get_by_text("Add tag new")).to_be_visible()
    sidebar.scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    screenshot(page, "rule-runs-ticket-desktop", full_page=False)

    phone = new_page(viewport=PHONE)
    sign_in(phone, admin.username, PASSWORD)
    phone.goto(f"/rules/{Rule.objects.get(name='Billing mails').pk}")
    phone.wait_for_load_state("load")
    phone.wait_for_timeout(800)
    screenshot(phone, "rule-phone")
