"""An agent's internal note is labelled as such for agents and never reaches the customer's
browser: not in the text on screen, and not anywhere in the page's source."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from frontdesk.accounts.models import User
from tests.conftest import PASSWORD, open_ticket
from tests.e2e.conftest import confirmed, no_dialogs, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

NOTE_LABEL = "Internal — customers never see this"
NOTE = "Customer paid late twice; check invoice 5512 before refunding"
REPLY = "We are looking into it and will write back today."


def test_internal_note_is_shown_to_agents_and_never_sent_to_the_customer(
    agent: User,
    customer: User,
    new_page: Callable[..., Page],
    screenshot: Callable[..., Path],
) -> None:
    ticket = open_ticket(customer, "Refund for the May class", "I was charged twice in May.")

    staff = new_page()
    sign_in(staff, agent.username, PASSWORD)
    staff.goto(f"/ticket/{ticket.pk}")
    message = staff.get_by_label("Message", exact=True)
    staff.locator("label[for=mode-note]").click()  # the composer's "Internal note" tab
    staff.get_by_label("Internal note (customers never see this)").fill(NOTE)
    staff.get_by_role("button", name="Add internal note").click()
    confirmed(staff, "Your internal note has been added.")
    message.fill(REPLY)
    staff.get_by_role("button", name="Send reply").click()
    confirmed(staff, "Your reply has been sent.")

    # The agent sees the note, labelled, in the conversation.
    thread = staff.get_by_role("region", name="Conversation")
    note = thread.get_by_role("listitem").filter(has_text=NOTE)
    expect(note).to_have_count(1)
    expect(note).to_contain_text(NOTE_LABEL)
    expect(thread.get_by_role("listitem").filter(has_text=REPLY)).not_to_contain_text(NOTE_LABEL)
    no_dialogs(staff)
    screenshot(staff, "internal-note-agent-view")

    # The customer sees the reply, and nothing of the note: not on screen, not in the source.
    requester = new_page()
    sign_in(requester, customer.username, PASSWORD)
    requester.goto(f"/ticket/{ticket.pk}")
    expect(requester.get_by_role("region", name="Conversation")).to_contain_text(REPLY)
    on_screen = requester.locator("body").inner_text()
    source = requester.content()
    for secret in (NOTE, "invoice 5512", NOTE_LABEL):
        assert secret not in on_screen, f"the customer's page shows {secret!r}"
        assert secret not in source, f"the customer's page source contains {secret!r}"
    expect(requester.get_by_role("button", name="Add internal note")).to_have_count(0)
    screenshot(requester, "internal-note-customer-view")

    # Nor on the customer's home page, where the last activity is summarised.
    requester.goto("/home")
    expect(requester.get_by_role("main")).to_contain_text(ticket.title)
    assert not re.search(r"invoice 5512", requester.content())
    no_dialogs(requester)
