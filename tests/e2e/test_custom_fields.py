"""Custom fields in a real browser: the customer's new-ticket form with its fields (a
required one refused beside it), and the agent's sidebar editing them, at desktop and phone
width, with screenshots (test-artifacts/screenshots/custom-fields-*.png) and no sideways
scrolling on a phone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from frontdesk.accounts.models import User
from frontdesk.fields import selectors, services
from frontdesk.tickets.models import Ticket
from tests.conftest import PASSWORD, open_ticket
from tests.e2e.conftest import DESKTOP, PHONE, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def _fields(admin: User) -> None:
    define = services.field_define
    define(
        actor=admin,
        values={
            "key": "dance_style",
            "label": "Dance style",
            "type": "choice",
            "choices": ["Salsa", "Tango", "Waltz"],
            "required": True,
            "customer_visible": True,
            "help_text": "The class your question is about.",
        },
    )
    define(
        actor=admin,
        values={
            "key": "class_date",
            "label": "Class date",
            "type": "date",
            "customer_visible": True,
        },
    )
    define(actor=admin, values={"key": "member_number", "label": "Member number"})
    define(
        actor=admin,
        values={
            "key": "levels",
            "label": "Levels",
            "type": "multi_choice",
            "choices": ["Beginner", "Improver", "Advanced"],
        },
    )


def _fits(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1  # type: ignore[index]


@pytest.mark.parametrize(("width", "viewport"), [("1280", DESKTOP), ("360", PHONE)])
def test_custom_fields_on_the_forms_and_the_sidebar(
    width: str,
    viewport: dict[str, int],
    admin: User,
    customer: User,
    agent: User,
    new_page: Callable[..., Page],
    screenshot: Callable[..., Path],
) -> None:
    _fields(admin)
    requester = new_page(viewport=viewport)
    sign_in(requester, customer.username, PASSWORD)
    requester.goto("/ticket/new")
    requester.get_by_label("Title").fill("Which shoes for class?")
    requester.get_by_label("Describe the problem").fill("Do I need special shoes?")
    requester.get_by_role("button", name="Open ticket").click()
    expect(requester.locator("#id_field_dance_style_error")).to_contain_text(
        "Dance style is required."
    )
    requester.wait_for_timeout(800)
    screenshot(requester, f"custom-fields-new-ticket-refused-{width}")
    _fits(requester)
    requester.get_by_label("Dance style").select_option("Tango")
    requester.get_by_role("button", name="Open ticket").click()
    requester.wait_for_url("**/ticket/*")
    ticket = Ticket.objects.get()
    assert selectors.values_for_tickets(user=agent, ticket_ids=[ticket.pk])[ticket.pk] == {
        "dance_style": "Tango"
    }

    other = open_ticket(customer, "Second ticket")
    staff = new_page(viewport=viewport)
    sign_in(staff, agent.username, PASSWORD)
    staff.goto(f"/ticket/{other.pk}")
    staff.get_by_label("Member number").fill("M-2048")
    staff.get_by_label("Advanced").check()
    staff.get_by_role("button", name="Save custom fields").click()
    staff.wait_for_load_state("load")
    expect(staff.locator(".history-list").last).to_contain_text("set field 'Member number'")
    staff.wait_for_timeout(800)
    screenshot(staff, f"custom-fields-sidebar-{width}")
    _fits(staff)

    staff.goto("/home?view=open&field_dance_style=Tango")
    staff.locator("#filter-more summary").click()
    expect(staff.locator("#id_field_dance_style")).to_have_value("Tango")
    expect(staff.locator("#export-csv")).to_be_visible()
    staff.wait_for_timeout(800)
    screenshot(staff, f"custom-fields-workspace-{width}")
    _fits(staff)
