"""An agent answers with saved replies in a real browser: one chosen from the picker, one
found by typing "/" in the reply box, both with their placeholders filled in for the ticket;
sending applies the second one's macro (a status and a tag)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from frontdesk.accounts.models import User
from frontdesk.replies import services
from frontdesk.tickets.models import Status, Ticket
from tests.conftest import PASSWORD, open_ticket
from tests.e2e.conftest import confirmed, no_dialogs, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_agent_inserts_saved_replies_and_sending_applies_the_macro(
    admin: User,
    agent: User,
    customer: User,
    new_page: Callable[..., Page],
    screenshot: Callable[..., Path],
) -> None:
    ticket = open_ticket(customer, "Refund for my class pass", "Can I get my money back?")
    services.saved_reply_create(
        actor=agent, name="Greeting", shortcut="hi", body="Hello {{ customer.first_name }},"
    )
    services.saved_reply_create(
        actor=admin,
        name="Refund policy",
        shortcut="refund",
        body="Refunds for {{ ticket.number }} take 14 days. {% now %}\n{{ agent.first_name }}",
        shared=True,
        set_status=Status.PENDING,
        add_tag="refund",
    )

    page = new_page()
    sign_in(page, agent.username, PASSWORD)
    page.goto(f"/ticket/{ticket.pk}")
    box = page.get_by_label("Message", exact=True)

    # The picker: its button, a search, the keyboard.
    opener = page.get_by_role("button", name="Saved replies")
    opener.click()
    expect(opener).to_have_attribute("aria-expanded", "true")
    search = page.get_by_role("combobox", name="Find a saved reply")
    expect(search).to_be_focused()
    listbox = page.get_by_role("listbox", name="Saved replies")
    expect(listbox.get_by_role("option")).to_have_count(2)
    search.fill("greet")
    expect(listbox.get_by_role("option")).to_have_count(1)
    expect(listbox.get_by_role("option", selected=True)).to_contain_text("Greeting")
    search.press("Enter")
    expect(box).to_have_value("Hello John,")
    expect(box).to_be_focused()
    expect(page.get_by_role("listbox")).to_have_count(0)

    # "/" at the start of a line: the same list, filtered by what follows; Escape closes it.
    box.press("End")
    box.press("Enter")
    box.press_sequentially("/zz")
    expect(page.get_by_text("No saved reply matches “zz”.")).to_be_visible()
    box.press("Escape")
    expect(page.locator("[data-picker-panel]")).to_be_hidden()
    expect(box).to_have_value("Hello John,\n/zz")
    for _ in range(3):
        box.press("Backspace")
    box.press_sequentially("/ref")
    option = page.get_by_role("option", name="Refund policy")
    expect(option).to_have_attribute("aria-selected", "true")
    screenshot(page, "saved-replies-slash")
    expect(box).to_have_attribute("aria-activedescendant", option.get_attribute("id") or "")
    box.press("Enter")
    text = f"Hello John,\nRefunds for {ticket.number} take 14 days. {{% now %}}\nAlice"
    expect(box).to_have_value(text)
    expect(page.locator("[data-picker-chip]")).to_contain_text(
        "Using “Refund policy”: sending it adds the tag “refund” and sets the status to Pending."
    )
    screenshot(page, "saved-replies-inserted")

    page.get_by_role("button", name="Send reply").click()
    confirmed(page, "Saved reply “Refund policy”: tag “refund” added, status set to Pending.")
    thread = page.get_by_role("region", name="Conversation")
    expect(thread).to_contain_text(f"Refunds for {ticket.number} take 14 days. {{% now %}}")
    expect(page.locator("#ticket-head")).to_contain_text("Pending")
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.status == Status.PENDING
    assert list(stored.tags.values_list("name", flat=True)) == ["refund"]
    no_dialogs(page)


def test_an_agent_manages_saved_replies_on_their_page(
    agent: User, new_page: Callable[..., Page], screenshot: Callable[..., Path]
) -> None:
    page = new_page()
    sign_in(page, agent.username, PASSWORD)
    page.get_by_role("link", name="Saved replies").click()
    page.wait_for_url("**/replies")
    page.get_by_label("Name").fill("Studio closed")
    page.get_by_label("Text").fill("Hi {{ customer.firstname }}, the studio is closed today.")
    page.get_by_role("button", name="Create saved reply").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("is not a placeholder Frontdesk knows")
    expect(page.get_by_label("Text")).to_have_value(
        "Hi {{ customer.firstname }}, the studio is closed today."
    )
    page.get_by_label("Text").fill("Hi {{ customer.first_name }}, the studio is closed today.")
    page.get_by_role("button", name="Create saved reply").click()
    confirmed(page, "Saved reply “Studio closed” created.")
    expect(page.get_by_role("link", name="Studio closed")).to_be_visible()
    screenshot(page, "saved-replies-page")
    no_dialogs(page)
