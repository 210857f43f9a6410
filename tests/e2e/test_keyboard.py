"""An agent's day by keyboard alone: the shortcuts work in a real browser."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from frontdesk.accounts.models import Role
from frontdesk.tickets.models import Message, MessageKind, Ticket
from tests.conftest import PASSWORD, make_user, open_ticket
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_help_move_open_claim_note_and_close_by_keyboard(new_page: Callable[..., Page]) -> None:
    customer = make_user("John", Role.CUSTOMER)
    make_user("Alice", Role.AGENT)
    first = open_ticket(customer, "Heating broken", "Cold again.")
    open_ticket(customer, "Locker key lost", "Locker 12 please.")
    page = new_page()
    sign_in(page, "Alice", PASSWORD)

    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_hidden()

    page.keyboard.press("j")  # the oldest claimable ticket
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/ticket/{first.pk}?from=*")

    page.keyboard.press("c")
    expect(page.get_by_text("This ticket has been claimed by Alice")).to_be_visible()

    page.keyboard.press("n")  # the composer's note mode: its box says so
    expect(page.get_by_label("Internal note (customers never see this)")).to_be_focused()
    page.keyboard.type("Boiler checked, part on order.")
    page.keyboard.press("Control+Enter")
    expect(page.get_by_text("Boiler checked, part on order.")).to_be_visible()
    note = Message.objects.get(body="Boiler checked, part on order.")
    assert note.kind == MessageKind.INTERNAL

    page.locator("body").click(position={"x": 5, "y": 300})  # leave the text box
    page.keyboard.press("x")
    expect(page.get_by_text("This ticket has been closed by Alice")).to_be_visible()
    assert Ticket.objects.get(pk=first.pk).status == "closed"

    page.keyboard.press("g")
    page.keyboard.press("h")
    page.wait_for_url("**/home")
