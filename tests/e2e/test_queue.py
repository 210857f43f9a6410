"""The workspace as an agent works it all day: a dense list at 1280 by 800 and on a phone, filters
as removable chips, saved views with their counts, and changes to many tickets at once chosen
with the `x` key and shift-click."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from frontdesk.accounts.models import Role, User
from frontdesk.tickets.models import Priority, SavedView, Status, Ticket, TicketEvent
from tests.conftest import PASSWORD, make_user, open_ticket
from tests.e2e.conftest import PHONE, confirmed, no_dialogs, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

LAPTOP = {"width": 1280, "height": 800}

TITLES = [
    "Can't book Friday's class?",
    "Refund for 10-class pass – €80",  # noqa: RUF001 (as customers type it)
    "Heating not working in studio 2",
    "Double charged for my September membership",
    "Door entry code for the Riverside studio not working",
    "Live stream of the Tuesday salsa class keeps buffering and then stops altogether, "
    "every single week since the start of the autumn term",
    "Invoice INV-2041 shows the wrong amount",
    "Student discount not applied at checkout",
    "Can I freeze my membership over the summer",
    "Private lesson booking for contemporary",
    "Locker key lost",
    "Mirror cracked in studio 4",
    "Kursbuchung für Kinderballett – Warteliste?",  # noqa: RUF001
    "Café card not accepted at the front desk",
    "予約のキャンセルについて",
    "Parking permit for evening classes",
    "Timetable app shows classes twice",
    "Please add a dark mode to the booking app",
    "Showers in the changing rooms are cold",
    "Lost property: a blue water bottle",
]


def _desk(count: int = 40) -> tuple[User, list[Ticket]]:
    customers = [make_user(name) for name in ("John", "Maria", "Kenji", "Aisha")]
    # An agent at work has confirmed their address: no "confirm your address" banner above
    # the queue (it would take a phone's first screen).
    agent = make_user("Alice", Role.AGENT, email_verified_at=timezone.now())
    make_user("Bob", Role.AGENT)
    start = timezone.now() - timedelta(days=count)
    tickets = []
    for number in range(count):
        ticket = open_ticket(
            customers[number % len(customers)],
            f"Ticket {number}",
            "Hello, the booking page says the class is full but the studio told me there is "
            "space. Could you check, please? Thank you!",
            at=start + timedelta(days=number),
        )
        # Titles as customers write them (up to 200 characters of any script), stored as an
        # import would store them.
        Ticket.objects.filter(pk=ticket.pk).update(title=TITLES[number % len(TITLES)])
        ticket.refresh_from_db()
        tickets.append(ticket)
    return agent, tickets


def _rows_in_view(page: Page, height: int) -> int:
    """How many ticket rows are wholly inside the window, each one line tall."""
    boxes = page.evaluate(
        """() => Array.from(document.querySelectorAll("[data-ticket-row]"))
            .map((row) => row.getBoundingClientRect().toJSON())"""
    )
    return sum(1 for box in boxes if box["top"] >= 0 and box["bottom"] <= height)


@pytest.mark.parametrize(
    ("viewport", "least", "name"),
    [pytest.param(LAPTOP, 15, "desktop", id="laptop"), pytest.param(PHONE, 5, "phone", id="phone")],
)
def test_the_first_screen_holds_the_queue(
    new_page: Callable[..., Page],
    screenshot: Callable[..., Path],
    viewport: dict[str, int],
    least: int,
    name: str,
) -> None:
    agent, _ = _desk()
    page = new_page(viewport=viewport)
    sign_in(page, agent.username, PASSWORD)
    page.goto("/home?view=open")
    screenshot(page, f"queue-{name}", full_page=False)

    shown = _rows_in_view(page, viewport["height"])
    assert shown >= least, f"{shown} tickets on the first screen at {viewport}, {least} wanted"
    # One line each on a laptop: the long title is cut short, whole on hover and focus.
    long_title = TITLES[5]
    link = page.locator(f'a.ticket-link[title="{long_title}"]').first
    if name == "desktop":
        heights = page.evaluate(
            """() => Array.from(document.querySelectorAll("[data-ticket-row]"))
                .map((row) => row.getBoundingClientRect().height)"""
        )
        assert max(heights) < 40, heights
        before = link.bounding_box()
        assert before is not None
        assert link.evaluate("(el) => el.scrollWidth > el.clientWidth")  # cut short
        link.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")  # focus by keyboard: the whole title shows
        after = link.bounding_box()
        assert after is not None and after["height"] > before["height"]
    expect(link).to_have_attribute("title", long_title)
    no_dialogs(page)


def test_filters_apply_at_once_and_come_off_as_chips(new_page: Callable[..., Page]) -> None:
    agent, _ = _desk(12)
    page = new_page(viewport=LAPTOP)
    sign_in(page, agent.username, PASSWORD)
    page.goto("/home?view=open")
    rows = page.locator("[data-ticket-row]")
    expect(rows).to_have_count(12)

    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Status", exact=True).select_option("closed")  # applies on change, no button
    expect(page.get_by_role("list", name="Active filters")).to_contain_text("Status: Closed")
    expect(page.locator("p.empty")).to_be_visible()
    assert "status=closed" in page.url

    page.get_by_label("Status", exact=True).select_option("new")
    chip = page.get_by_role("link", name="Remove filter Status: New")
    expect(chip).to_be_visible()
    expect(rows).to_have_count(12)
    page.get_by_label("Search tickets").fill("heating")
    page.get_by_label("Search tickets").press("Enter")
    expect(page.get_by_role("link", name="Remove filter Search: heating")).to_be_visible()
    expect(rows).to_have_count(1)

    page.get_by_role("link", name="Remove filter Search: heating").click()
    expect(page.get_by_role("link", name="Remove filter Search: heating")).to_have_count(0)
    expect(rows).to_have_count(12)
    page.get_by_role("link", name="Remove filter Status: New").click()
    expect(page.get_by_role("list", name="Active filters")).to_have_count(0)
    assert "status=" not in page.url and "q=" not in page.url
    page.go_back()  # the address is the state: back brings the filter again
    expect(page.get_by_role("link", name="Remove filter Status: New")).to_be_visible()
    no_dialogs(page)


def test_a_saved_view_sits_with_the_built_in_ones_with_its_count(
    new_page: Callable[..., Page],
) -> None:
    agent, tickets = _desk(6)
    Ticket.objects.filter(pk__in=[tickets[1].pk, tickets[4].pk]).update(priority=Priority.URGENT)
    page = new_page(viewport=LAPTOP)
    sign_in(page, agent.username, PASSWORD)
    page.goto("/home?view=open&priority=urgent")
    expect(page.locator("[data-ticket-row]")).to_have_count(2)

    page.get_by_text("Save view", exact=True).click()
    page.get_by_label("Name of the view").fill("Urgent ones")
    page.get_by_role("button", name="Save", exact=True).click()
    confirmed(page, "Saved the view “Urgent ones”.")

    views = page.get_by_role("navigation", name="Ticket views")
    saved = views.get_by_role("link", name=re.compile("Urgent ones"))
    expect(saved).to_contain_text("2")
    expect(saved).to_have_attribute("aria-current", "page")
    assert SavedView.objects.get(owner=agent).query == "view=open&priority=urgent"

    views.get_by_role("link", name=re.compile("Claimable")).click()
    expect(saved).not_to_have_attribute("aria-current", "page")
    saved.click()
    expect(page.locator("[data-ticket-row]")).to_have_count(2)
    expect(page.get_by_role("heading", name="Urgent ones")).to_be_visible()

    page.get_by_text("Rename or delete views").click()
    page.get_by_label("New name for Urgent ones").fill("On fire")
    page.get_by_role("button", name="Rename Urgent ones").click()
    confirmed(page, "Renamed the view to “On fire”.")
    expect(views.get_by_role("link", name=re.compile("On fire"))).to_be_visible()
    no_dialogs(page)


def test_bulk_change_with_the_x_key_and_shift_click(new_page: Callable[..., Page]) -> None:
    agent, tickets = _desk(8)
    page = new_page(viewport=LAPTOP)
    sign_in(page, agent.username, PASSWORD)
    page.goto("/home?view=open")
    bar = page.get_by_role("group", name=re.compile("change them all at once"))
    expect(bar).to_be_hidden()  # nothing selected yet

    page.keyboard.press("j")  # the first ticket
    page.keyboard.press("x")
    expect(bar).to_be_visible()
    expect(page.locator("#bulk-count")).to_have_text("1 ticket selected")
    page.locator(f"#select-{tickets[3].pk}").click(modifiers=["Shift"])  # rows 1 to 4
    expect(page.locator("#bulk-count")).to_have_text("4 tickets selected")
    page.keyboard.press("k")  # from the fourth, where the click left the focus
    page.keyboard.press("k")
    page.keyboard.press("x")  # the second again: off
    expect(page.locator("#bulk-count")).to_have_text("3 tickets selected")

    bar.get_by_label("Set priority").select_option("urgent")
    bar.get_by_label("Add or remove the tag").select_option("add")
    bar.get_by_label("Tag", exact=True).fill("Front desk")
    bar.get_by_role("button", name="Apply").click()
    confirmed(page, "Changed 3 tickets.")
    chosen = [tickets[0].pk, tickets[2].pk, tickets[3].pk]
    for ticket in Ticket.objects.filter(pk__in=chosen):
        assert ticket.priority == Priority.URGENT
        assert list(ticket.tags.values_list("name", flat=True)) == ["front desk"]
    assert Ticket.objects.get(pk=tickets[1].pk).priority == Priority.MEDIUM
    assert TicketEvent.objects.filter(ticket_id__in=chosen, field="priority").count() == 3
    expect(bar).to_be_hidden()  # the list is fresh, nothing selected

    page.locator("#select-all").check()
    expect(page.locator("#bulk-count")).to_have_text("8 tickets selected")
    bar.get_by_role("button", name="Close tickets").click()
    confirmed(page, "Changed 8 tickets.")
    assert Ticket.objects.filter(status=Status.CLOSED).count() == 8
    expect(page.locator("p.empty")).to_be_visible()
    no_dialogs(page)
