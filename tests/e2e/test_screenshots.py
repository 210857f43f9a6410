"""Every page at desktop and phone width: a full-page screenshot of each (test-artifacts/
screenshots/<page>-<width>.png), and the checks that need a real browser's layout:

- at phone width nothing is wider than the screen (no sideways scrolling);
- the product name in the header links home (the seed's user feedback: "it's not made clear
  that clicking the title of the site returns to the homepage");
- every visible form field has an accessible label, and each page has exactly one h1.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from frontdesk.accounts.models import User
from frontdesk.tickets import services
from frontdesk.tickets.models import Status, Ticket
from tests.conftest import PASSWORD, open_ticket
from tests.e2e.conftest import DESKTOP, PHONE, no_dialogs, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

NOTE = "Checked the boiler log: it restarted at 6am. Ask facilities before replying."

UNLABELLED_FIELDS_JS = """() =>
  Array.from(document.querySelectorAll("input, select, textarea"))
    .filter((el) => el.type !== "hidden" && el.getClientRects().length > 0
                    && getComputedStyle(el).visibility !== "hidden")
    .filter((el) => !((el.labels && el.labels.length > 0)
                      || el.getAttribute("aria-label")
                      || el.getAttribute("aria-labelledby")))
    .map((el) => el.outerHTML.slice(0, 160))
"""

# What sticks out on the right, the likeliest causes first: positioned elements (they escape
# a scrolling parent's clipping) and the outermost elements that stick out.
OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  const sticksOut = (el) => el.getBoundingClientRect().right > width + 1;
  const name = (el) => {
    const id = el.id ? `#${el.id}` : "";
    const cls = typeof el.className === "string" && el.className.trim()
      ? "." + el.className.trim().split(/\\s+/).join(".") : "";
    return `${el.tagName.toLowerCase()}${id}${cls}`;
  };
  const describe = (el) => `${el.parentElement ? name(el.parentElement) + " > " : ""}`
    + `${name(el)} (${getComputedStyle(el).position}, right edge `
    + `${Math.round(el.getBoundingClientRect().right)}px)`;
  const out = Array.from(document.querySelectorAll("body *")).filter(sticksOut);
  const positioned = out.filter((el) => ["absolute", "fixed"].includes(
    getComputedStyle(el).position));
  const outermost = out.filter((el) => !(el.parentElement && sticksOut(el.parentElement)));
  const culprits = [...new Set([...positioned, ...outermost])].slice(0, 8).map(describe);
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width, culprits};
}"""


def _cast(customer: User, other_customer: User, agent: User) -> Ticket:
    """A realistic state: a claimed ticket with a conversation and a note, a closed ticket,
    and one waiting in the queue."""
    ticket = open_ticket(
        customer,
        "Heating not working in studio 2",
        "The radiators in studio 2 are cold again this morning. Class starts at 10.",
    )
    services.ticket_claim(actor=agent, ticket_id=ticket.pk)
    services.message_post(
        actor=agent,
        ticket_id=ticket.pk,
        body="Sorry about that! Facilities are on their way; I will update you within the hour.",
    )
    services.message_post(actor=agent, ticket_id=ticket.pk, body=NOTE, internal=True)
    services.message_post(
        actor=customer, ticket_id=ticket.pk, body="Thank you, we moved the class to studio 3."
    )
    done = open_ticket(customer, "Locker key lost", "I lost the key to locker 14 yesterday.")
    services.ticket_claim(actor=agent, ticket_id=done.pk)
    services.ticket_change_status(actor=agent, ticket_id=done.pk, status=Status.CLOSED)
    open_ticket(
        other_customer,
        "Can I move my Tuesday class",
        "I would like to move from Tuesday to Thursday evenings from next month.",
    )
    return ticket


@pytest.mark.parametrize(
    ("width", "viewport"),
    [pytest.param("desktop", DESKTOP, id="desktop"), pytest.param("phone", PHONE, id="phone")],
)
def test_every_page_renders_fits_and_is_labelled(
    width: str,
    viewport: dict[str, int],
    customer: User,
    other_customer: User,
    agent: User,
    admin: User,
    new_page: Callable[..., Page],
    screenshot: Callable[..., Path],
) -> None:
    ticket = _cast(customer, other_customer, agent)
    visitor = new_page(viewport=viewport)
    requester = new_page(viewport=viewport)
    sign_in(requester, customer.username, PASSWORD)
    staff = new_page(viewport=viewport)
    sign_in(staff, agent.username, PASSWORD)
    admin_page = new_page(viewport=viewport)
    sign_in(admin_page, admin.username, PASSWORD)

    pages: list[tuple[str, Page, str, int]] = [
        ("login", visitor, "/login", 200),
        ("register", visitor, "/register", 200),
        ("home-customer", requester, "/home", 200),
        ("home-agent", staff, "/home", 200),
        ("ticket-customer", requester, f"/ticket/{ticket.pk}", 200),
        ("ticket-agent", staff, f"/ticket/{ticket.pk}", 200),
        ("ticket-new", requester, "/ticket/new", 200),
        ("profile", requester, "/profile", 200),
        ("reports", staff, "/reports", 200),
        ("webhooks", admin_page, "/webhooks", 200),
        ("webhook-new", admin_page, "/webhooks/new", 200),
        ("logout-confirm", requester, "/logout", 200),
        ("not-found", requester, "/no-such-page", 404),
    ]
    problems: list[str] = []
    for name, page, path, status in pages:
        response = page.goto(path)
        assert response is not None
        if response.status != status:
            problems.append(f"{name}: {path} answered {response.status}, expected {status}")
        screenshot(page, f"{name}-{width}")

        headings = page.locator("h1").count()
        if headings != 1:
            problems.append(f"{name}: {headings} h1 elements, expected exactly one")
        unlabelled: list[str] = page.evaluate(UNLABELLED_FIELDS_JS)
        if unlabelled:
            problems.append(f"{name}: fields without an accessible label: {unlabelled}")
        brand = page.get_by_role("banner").get_by_role("link", name="Frontdesk", exact=True)
        if brand.count() != 1 or brand.get_attribute("href") != "/home":
            problems.append(f"{name}: the product name in the header does not link to /home")
        if viewport is PHONE:
            layout: dict[str, Any] = page.evaluate(OVERFLOW_JS)
            if layout["scrollWidth"] > layout["innerWidth"] + 1:
                problems.append(
                    f"{name}: {layout['scrollWidth']}px wide on a {layout['innerWidth']}px "
                    f"screen; too wide: {layout['culprits']}"
                )

    # The pages show what they should to whom (the screenshots are of the right thing).
    staff.goto(f"/ticket/{ticket.pk}")
    if staff.get_by_text("Internal — customers never see this").count() != 1:
        problems.append("ticket-agent: the internal note is not labelled for the agent")
    requester.goto(f"/ticket/{ticket.pk}")
    if NOTE in requester.content():
        problems.append("ticket-customer: the internal note reached the customer's page")
    for page in (visitor, requester, staff, admin_page):
        no_dialogs(page)

    assert not problems, f"{len(problems)} problem(s) at {width} width:\n" + "\n".join(problems)
