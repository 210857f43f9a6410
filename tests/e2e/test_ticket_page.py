"""An agent's ticket loop in a real browser: open the oldest claimable ticket, claim it, reply,
close it, open the next, counted in clicks and keystrokes; the composer's note mode; folded
long threads; a message arriving live as a fragment."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect

from frontdesk.accounts.models import Role, User
from frontdesk.tickets import services
from frontdesk.tickets.models import Message, MessageKind, Status, Ticket
from tests.conftest import PASSWORD, Clock, make_user, open_ticket
from tests.e2e.conftest import confirmed, no_dialogs, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

REPLY = "The boiler engineer comes at 9; the studio will be warm by 10."


class Moves:
    """Counts what the agent does: clicks, and keys pressed (typing text is not counted)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.clicks = 0
        self.keys = 0

    def click(self, target: Locator) -> None:
        self.clicks += 1
        target.click()

    def press(self, key: str) -> None:
        self.keys += 1
        self.page.keyboard.press(key)


def _queue(clock: Clock) -> tuple[User, list[Ticket]]:
    customer = make_user("John", Role.CUSTOMER)
    make_user("Alice", Role.AGENT)
    tickets = []
    for title in ("Heating broken in studio 2", "Locker key lost", "Invoice twice"):
        tickets.append(open_ticket(customer, title, "Please help."))
        clock.advance(60)
    return customer, tickets


def _loop_done(first: Ticket, agent_name: str = "Alice") -> None:
    first.refresh_from_db()
    assert first.status == Status.CLOSED
    assert first.assignee is not None and first.assignee.username == agent_name
    reply = Message.objects.get(ticket=first, body=REPLY)
    assert reply.kind == MessageKind.PUBLIC


def test_the_loop_by_mouse_takes_three_clicks(new_page: Callable[..., Page], clock: Clock) -> None:
    _, (first, second, _) = _queue(clock)
    page = new_page()
    sign_in(page, "Alice", PASSWORD)
    moves = Moves(page)

    moves.click(page.get_by_role("link", name=re.compile("Heating broken in studio 2")))
    page.wait_for_url(re.compile(rf"/ticket/{first.pk}\?from="))
    moves.click(page.get_by_label("Message", exact=True))
    page.keyboard.type(REPLY)
    moves.click(page.get_by_role("button", name="Send and close"))

    # The reply claimed the ticket, closed it, and the next ticket of the queue is open.
    page.wait_for_url(re.compile(rf"/ticket/{second.pk}\?from="))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Locker key lost")
    confirmed(page, "Your reply has been sent and the ticket closed.")
    _loop_done(first)
    assert moves.clicks <= 3, f"{moves.clicks} clicks"
    no_dialogs(page)


def test_the_loop_by_keyboard_takes_four_keystrokes(
    new_page: Callable[..., Page], clock: Clock
) -> None:
    _, (first, second, _) = _queue(clock)
    page = new_page()
    sign_in(page, "Alice", PASSWORD)
    moves = Moves(page)

    moves.press("j")  # the oldest claimable ticket
    moves.press("Enter")
    page.wait_for_url(re.compile(rf"/ticket/{first.pk}\?from="))
    moves.press("r")
    expect(page.get_by_label("Message", exact=True)).to_be_focused()
    page.keyboard.type(REPLY)
    moves.press("Control+Shift+Enter")  # send and close

    page.wait_for_url(re.compile(rf"/ticket/{second.pk}\?from="))
    _loop_done(first)
    assert moves.keys <= 4, f"{moves.keys} keystrokes"


def test_staying_on_the_ticket_is_a_choice(new_page: Callable[..., Page], clock: Clock) -> None:
    _, (first, _, _) = _queue(clock)
    User.objects.filter(username="Alice").update(after_send="stay")
    page = new_page()
    sign_in(page, "Alice", PASSWORD)
    page.get_by_role("link", name=re.compile("Heating broken in studio 2")).click()
    page.evaluate("window.__notReloaded = true")
    page.get_by_label("Message", exact=True).fill(REPLY)
    page.get_by_role("button", name="Send reply", exact=True).click()
    confirmed(page, "Your reply has been sent.")
    thread = page.locator("#conversation")
    expect(thread).to_contain_text(REPLY)
    expect(thread).to_contain_text("This ticket has been claimed by Alice")
    assert page.evaluate("window.__notReloaded === true"), "the page was reloaded"
    assert f"/ticket/{first.pk}" in page.url


def test_a_note_is_never_sent_as_a_reply(new_page: Callable[..., Page], customer: User) -> None:
    make_user("Alice", Role.AGENT)
    ticket = open_ticket(customer, "Refund for May", "I was charged twice.")
    page = new_page()
    sign_in(page, "Alice", PASSWORD)
    page.goto(f"/ticket/{ticket.pk}")
    composer = page.locator("#composer")
    reply_colour = composer.evaluate("e => getComputedStyle(e).backgroundColor")

    page.keyboard.press("n")
    expect(composer).to_have_attribute("data-mode", "note")
    box = page.get_by_label("Internal note (customers never see this)")
    expect(box).to_be_focused()
    # Other words, other colour, and no public button to press by mistake.
    expect(page.get_by_role("button", name="Add internal note")).to_be_visible()
    for name in ("Send reply", "Send and close"):
        expect(page.get_by_role("button", name=name)).to_be_hidden()
    assert composer.evaluate("e => getComputedStyle(e).backgroundColor") != reply_colour
    expect(composer).to_contain_text("only agents see this")

    box.type("Card ending 4242 was charged twice.")
    page.keyboard.press("Control+Shift+Enter")  # even "send and close" adds only the note
    confirmed(page, "Your internal note has been added.")
    note = Message.objects.get(body="Card ending 4242 was charged twice.")
    assert note.kind == MessageKind.INTERNAL
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW and ticket.assignee_id is None
    # Back in reply mode for the next message.
    expect(composer).to_have_attribute("data-mode", "reply")


def test_a_long_thread_folds_and_unfolds(
    new_page: Callable[..., Page], customer: User, agent: User
) -> None:
    ticket = open_ticket(customer, "Long story", "Message number 0")
    for number in range(1, 20):
        services.message_post(actor=customer, ticket_id=ticket.pk, body=f"Message number {number}")
    page = new_page()
    sign_in(page, agent.username, PASSWORD)
    page.goto(f"/ticket/{ticket.pk}")
    thread = page.locator("#conversation")
    expect(thread.locator("[data-message-id]")).to_have_count(7)
    expect(thread).to_contain_text("Message number 0")
    expect(thread).to_contain_text("Message number 19")
    expect(thread).not_to_contain_text("Message number 5")
    page.get_by_role("link", name="13 earlier messages").click()
    expect(thread.locator("[data-message-id]")).to_have_count(20)
    expect(thread).to_contain_text("Message number 5")


def test_a_live_message_arrives_as_a_fragment(
    new_page: Callable[..., Page], customer: User, agent: User
) -> None:
    ticket = open_ticket(customer, "Heating broken", "The radiators are cold.")
    page = new_page()
    sign_in(page, agent.username, PASSWORD)
    page.goto(f"/ticket/{ticket.pk}")
    page.locator("body[data-live-state=listening]").wait_for(state="attached")
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))

    services.message_post(actor=customer, ticket_id=ticket.pk, body="Still cold at 11.")

    arrived = page.locator("#conversation .message--arrived")
    expect(arrived).to_contain_text("Still cold at 11.")
    expect(page.locator("#thread-announcer")).to_have_text(f"New message from {customer.username}")
    assert any(f"/ticket/{ticket.pk}/thread?after=" in url for url in fetched), fetched
    assert not any(url.endswith(f"/ticket/{ticket.pk}") for url in fetched), fetched


def test_a_property_saves_as_it_changes_without_a_reload(
    new_page: Callable[..., Page], customer: User, agent: User
) -> None:
    ticket = open_ticket(customer, "Heating broken", "The radiators are cold.")
    page = new_page()
    sign_in(page, agent.username, PASSWORD)
    page.goto(f"/ticket/{ticket.pk}")
    page.evaluate("window.__notReloaded = true")
    status = page.get_by_label("Status", exact=True)
    expect(status).to_have_value("new")  # the control shows what the ticket is now
    expect(page.locator("#save-priority")).to_be_hidden()  # no button: a change saves

    page.get_by_label("Priority").select_option("high")
    confirmed(page, "Priority set to High.")
    # The live update of the sidebar (the change's own event) keeps its forms working.
    page.wait_for_timeout(500)
    status.select_option("pending")
    confirmed(page, "Status changed to Pending.")
    expect(page.get_by_label("Status", exact=True)).to_have_value("pending")
    # Resolving waits for its resolution and Save.
    page.get_by_label("Status", exact=True).select_option("resolved")
    expect(page.locator("#save-status")).to_be_visible()
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.status) == ("high", Status.PENDING)
    assert page.evaluate("window.__notReloaded === true"), "the page was reloaded"
