"""The knowledge base in a real browser: a customer typing a new ticket's title is shown a
matching help-centre article (htmx, as they type) and can open it; an agent inserts an
article's title and address into a reply from the saved-reply picker, and uploads an image
into an article where the cursor is."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from frontdesk.accounts.models import User
from frontdesk.kb import services
from frontdesk.kb.models import ArticleImage
from tests.conftest import PASSWORD, open_ticket
from tests.e2e.conftest import PHONE, no_dialogs, sign_in
from tests.kb.test_versions_and_images import image_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def _help_centre(admin: User, agent: User) -> None:
    passes = services.category_create(actor=admin, values={"name": "Passes and refunds"})
    for title, body, visibility in (
        ("Can I get a refund for my class pass?", "Yes, within **14 days**.", "public"),
        ("Which pass should I buy?", "The ten-class pass suits most dancers.", "public"),
        ("Refunds: how staff process one", "Check the pass first.", "internal"),
    ):
        article = services.article_create(
            actor=agent,
            values={
                "title": title,
                "body": body,
                "category": passes.pk,
                "visibility": visibility,
            },
        )
        services.article_publish(actor=agent, article_id=article.pk)


def test_a_customer_typing_a_title_sees_a_suggested_article(
    admin: User,
    agent: User,
    customer: User,
    new_page: Callable[..., Page],
    screenshot: Callable[..., Path],
) -> None:
    _help_centre(admin, agent)
    page = new_page()
    sign_in(page, customer.username, PASSWORD)
    page.goto("/ticket/new")
    suggestions = page.locator("#kb-suggestions")
    expect(suggestions).to_be_empty()
    page.get_by_label("Title").press_sequentially("Refund for my pass", delay=20)
    expect(suggestions).to_contain_text("These articles may answer your question")
    link = suggestions.get_by_role("link", name="Can I get a refund for my class pass?")
    expect(link).to_be_visible()
    expect(suggestions).not_to_contain_text("how staff process one")  # internal
    screenshot(page, "kb-suggestion")

    # Words no article holds: the suggestions go away.
    page.get_by_label("Title").fill("")
    page.get_by_label("Title").press_sequentially("Heating broken", delay=20)
    expect(suggestions.get_by_role("link")).to_have_count(0)

    # The article opens beside the form, which keeps what was typed.
    page.get_by_label("Title").fill("")
    page.get_by_label("Title").press_sequentially("refund", delay=20)
    with page.context.expect_page() as opened:
        suggestions.get_by_role("link", name="Can I get a refund for my class pass?").click()
    article = opened.value
    article.wait_for_load_state()
    expect(article.get_by_role("heading", level=1)).to_have_text(
        "Can I get a refund for my class pass?"
    )
    article.get_by_role("button", name="Yes").click()
    expect(article.get_by_role("status").last).to_contain_text("Thank you for your answer")
    expect(page.get_by_label("Title")).to_have_value("refund")
    no_dialogs(page)


def test_the_suggestions_fit_a_phone(
    admin: User,
    agent: User,
    customer: User,
    new_page: Callable[..., Page],
    screenshot: Callable[..., Path],
) -> None:
    _help_centre(admin, agent)
    page = new_page(viewport=PHONE)
    sign_in(page, customer.username, PASSWORD)
    page.goto("/ticket/new")
    page.get_by_label("Title").press_sequentially("which pass", delay=20)
    box = page.locator(".kb-suggest")
    expect(box).to_contain_text("Which pass should I buy?")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    screenshot(page, "kb-suggestion-phone")


def test_an_agent_inserts_an_article_link_from_the_picker(
    admin: User,
    agent: User,
    customer: User,
    new_page: Callable[..., Page],
    screenshot: Callable[..., Path],
) -> None:
    _help_centre(admin, agent)
    ticket = open_ticket(customer, "Refund please", "Can I have my money back?")
    page = new_page()
    sign_in(page, agent.username, PASSWORD)
    page.goto(f"/ticket/{ticket.pk}")
    box = page.get_by_label("Message", exact=True)
    box.fill("Hello John, see ")
    page.get_by_role("button", name="Saved replies").click()
    search = page.get_by_role("combobox", name="Find a saved reply")
    search.fill("refund")
    option = page.get_by_role("option", name="Can I get a refund for my class pass?")
    expect(option).to_contain_text("Help centre link")
    expect(page.get_by_role("option", name="Refunds: how staff process one")).to_have_count(0)
    screenshot(page, "kb-picker")
    option.click()
    expect(box).to_have_value(
        "Hello John, see Can I get a refund for my class pass?: "
        "http://127.0.0.1:8000/kb/articles/can-i-get-a-refund-for-my-class-pass"
    )
    expect(page.locator("[data-picker-chip]")).to_be_hidden()  # no saved reply in use
    no_dialogs(page)


def test_an_uploaded_image_goes_where_the_cursor_is(
    admin: User, agent: User, new_page: Callable[..., Page], tmp_path: Path
) -> None:
    passes = services.category_create(actor=admin, values={"name": "Passes"})
    article = services.article_create(
        actor=agent,
        values={
            "title": "Where to find the timetable",
            "body": "Intro — ünïcödé 💃 first.\n\nThe last line.",
            "category": passes.pk,
            "visibility": "public",
        },
    )
    picture = tmp_path / "timetable.png"
    picture.write_bytes(image_bytes())
    page = new_page()
    sign_in(page, agent.username, PASSWORD)
    page.goto(f"/kb/manage/articles/{article.pk}")
    text = page.get_by_label("Text", exact=True)
    text.click()
    # The cursor after "first." (an emoji and accents before it count as one character each).
    text.evaluate(
        "(area) => { const at = area.value.indexOf('first.') + 6; area.setSelectionRange(at, at); }"
    )
    page.get_by_label("Image", exact=True).set_input_files(str(picture))
    page.get_by_label("Description").fill("The timetable")
    page.get_by_role("button", name="Upload image").click()
    expect(page.locator(".flash")).to_contain_text("where the cursor was")
    image = ArticleImage.objects.get()
    expect(text).to_have_value(
        f"Intro — ünïcödé 💃 first.\n\n![The timetable](/kb/images/{image.pk})\n\nThe last line."
    )
    no_dialogs(page)
