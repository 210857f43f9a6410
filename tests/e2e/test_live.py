"""Live updates in real browsers: what one person does appears on the other's open page without
a reload. These tests check that it happens (within the suite's generous wait); how fast it
happens is measured by bench/live.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from frontdesk.accounts.models import Role
from frontdesk.tickets import services
from tests.conftest import PASSWORD, make_user, open_ticket
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def _mark_page(page: Page) -> None:
    """A flag that only survives as long as the page is not reloaded."""
    page.evaluate("window.__notReloaded = true")


def _still_same_page(page: Page) -> None:
    assert page.evaluate("window.__notReloaded === true"), "the page was reloaded"


def _wait_until_listening(page: Page) -> None:
    page.locator("body[data-live-state=listening]").wait_for(state="attached")


def test_a_reply_appears_on_the_customers_open_page(
    new_page: Callable[..., Page],
) -> None:
    customer = make_user("John", Role.CUSTOMER)
    make_user("Alice", Role.AGENT)
    ticket = open_ticket(customer, "Heating broken in studio 2", "The radiators are cold.")

    customer_page = new_page()
    sign_in(customer_page, "John", PASSWORD)
    customer_page.goto(f"/ticket/{ticket.pk}")
    _mark_page(customer_page)
    _wait_until_listening(customer_page)

    agent_page = new_page()
    sign_in(agent_page, "Alice", PASSWORD)
    agent_page.goto(f"/ticket/{ticket.pk}")
    agent_page.get_by_label("Message").fill("The engineer is on the way.")
    agent_page.get_by_role("button", name="Send reply").click()

    expect(customer_page.get_by_text("The engineer is on the way.")).to_be_visible()
    _still_same_page(customer_page)


def test_an_internal_note_never_reaches_the_customers_open_page(
    new_page: Callable[..., Page],
) -> None:
    customer = make_user("John", Role.CUSTOMER)
    agent = make_user("Alice", Role.AGENT)
    ticket = open_ticket(customer, "Heating broken in studio 2", "The radiators are cold.")
    customer_page = new_page()
    sign_in(customer_page, "John", PASSWORD)
    customer_page.goto(f"/ticket/{ticket.pk}")
    _wait_until_listening(customer_page)

    services.message_post(
        actor=agent, ticket_id=ticket.pk, body="Boiler quote is 900 pounds", internal=True
    )
    services.message_post(actor=agent, ticket_id=ticket.pk, body="We are looking at it now.")

    expect(customer_page.get_by_text("We are looking at it now.")).to_be_visible()
    assert "Boiler quote" not in customer_page.content()


def test_a_new_ticket_appears_in_the_agents_queue_and_presence_shows(
    new_page: Callable[..., Page],
) -> None:
    customer = make_user("John", Role.CUSTOMER)
    make_user("Alice", Role.AGENT)
    make_user("Bob", Role.AGENT)
    agent_page = new_page()
    sign_in(agent_page, "Alice", PASSWORD)
    _mark_page(agent_page)
    _wait_until_listening(agent_page)

    ticket = open_ticket(customer, "Mirror cracked in studio 3", "Someone bumped into it.")
    expect(agent_page.get_by_text("Mirror cracked in studio 3")).to_be_visible()
    _still_same_page(agent_page)

    agent_page.goto(f"/ticket/{ticket.pk}")
    _wait_until_listening(agent_page)
    other_page = new_page()
    sign_in(other_page, "Bob", PASSWORD)
    other_page.goto(f"/ticket/{ticket.pk}")
    expect(agent_page.get_by_text("Bob is viewing")).to_be_visible()
