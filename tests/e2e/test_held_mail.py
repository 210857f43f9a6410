"""Held mail in a real browser: an agent finds it from the header, reads why it was held and
accepts or dismisses it; the ticket page folds a mailed reply's quoted history. Desktop and
phone widths."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from frontdesk.accounts.models import User
from frontdesk.mail.addresses import make_message_id, reply_address
from frontdesk.mail.intake import mail_receive
from tests.conftest import PASSWORD, open_ticket
from tests.e2e.conftest import PHONE, confirmed, no_dialogs, sign_in
from tests.mail.eml import eml

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_agent_accepts_and_dismisses_held_mail(
    agent: User,
    customer: User,
    new_page: Callable[..., Page],
    screenshot: Callable[..., Path],
    settings: object,
) -> None:
    settings.FRONTDESK_SUPPORT_ADDRESSES = ["support@studio.example"]  # type: ignore[attr-defined]
    ticket = open_ticket(customer, "Heating not working", "The heating in studio 2 is off.")
    answers = make_message_id(ticket.pk, customer.pk)
    mail_receive(
        eml("reply_non_participant.eml", message_id=answers, ticket_number=ticket.number),
        source="test",
    )
    lookalike = eml("lookalike.eml")
    mail_receive(lookalike, source="test")
    mail_receive(
        eml("reply_signed_address.eml", reply_address=reply_address(ticket.pk, customer.pk),
            ticket_number=ticket.number),
        source="test",
    )  # fmt: skip

    page = new_page()
    sign_in(page, agent.username, PASSWORD)
    page.get_by_role("link", name="Held mail").click()
    page.wait_for_url("**/mail/held")
    expect(page.get_by_role("heading", name="Held mail", level=1)).to_be_visible()
    expect(page.get_by_text("is not a participant of that ticket")).to_be_visible()
    expect(page.get_by_text("imitates support@studio.example")).to_be_visible()
    screenshot(page, "held-mail-desktop")

    phone = new_page(viewport=PHONE)
    sign_in(phone, agent.username, PASSWORD)
    phone.goto("/mail/held")
    screenshot(phone, "held-mail-phone")

    page.get_by_role("button", name=f"Accept: add to {ticket.number}").click()
    confirmed(page, f"accepted: it is on {ticket.number} now.")
    page.get_by_role("button", name="Dismiss").click()
    confirmed(page, "dismissed. It stays on record.")
    expect(page.get_by_text("No held mail.")).to_be_visible()
    no_dialogs(page)

    page.goto(f"/ticket/{ticket.pk}")
    expect(page.get_by_text("It is working again, thank you!")).to_be_visible()
    folded = page.locator("details.quoted")
    expect(folded).to_have_count(1)
    expect(folded).not_to_have_attribute("open", "")
    screenshot(page, "mail-reply-folded")
    folded.get_by_text("Show quoted text").click()
    expect(folded).to_have_attribute("open", "")
    expect(folded).to_contain_text("We sent someone round.")
    expect(page.get_by_text("I am the landlord; the heating is fine.")).to_be_visible()
    screenshot(page, "held-mail-accepted-ticket")
