"""Full-text search over published articles, on whichever database the suite runs (SQLite's
FTS5 or PostgreSQL's tsvector): best matches first (the title above the text), every word
required in the search box, any word for suggestions, and only what the reader may see."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from frontdesk.accounts.models import User
from frontdesk.kb import selectors, services
from frontdesk.kb.models import Article
from tests.kb.conftest import Shelf, article

pytestmark = pytest.mark.django_db


def titles(found: list[Article]) -> list[str]:
    return [a.published_title for a in found]


@pytest.fixture
def refunds(kb: Shelf, agent: User) -> list[Article]:
    return [
        article(agent, kb.booking, "Passes and prices", "A refund is possible within 14 days."),
        article(agent, kb.booking, "Refunds for class passes", "Ask the desk for the form."),
        article(agent, kb.booking, "Parking", "The car park is behind the studio."),
    ]


def test_a_title_match_ranks_above_a_text_match(refunds: list[Article], customer: User) -> None:
    found = selectors.articles_search(user=customer, text="refund")  # "Refunds": a prefix
    assert titles(found) == ["Refunds for class passes", "Passes and prices"]
    found = selectors.articles_search(user=customer, text="pass")  # both in the title
    assert set(titles(found)) == {"Refunds for class passes", "Passes and prices"}
    assert "Parking" not in titles(found)


def test_every_word_is_required(refunds: list[Article], customer: User) -> None:
    assert titles(selectors.articles_search(user=customer, text="refund desk")) == [
        "Refunds for class passes"
    ]
    assert selectors.articles_search(user=customer, text="refund parking") == []


def test_any_text_is_safe(refunds: list[Article], customer: User) -> None:
    for text in ['"', "refund OR", "NEAR(a b)", "a*", "'; DROP TABLE kb_article; --", "&|!:*", ""]:
        selectors.articles_search(user=customer, text=text)  # no error
    assert Article.objects.count() == 6
    assert titles(selectors.articles_search(user=customer, text='"Parking"')) == ["Parking"]


def test_accents_and_case_do_not_matter(kb: Shelf, agent: User, customer: User) -> None:
    article(agent, kb.booking, "Café opening hours", "The CAFÉ opens at nine.")
    found = selectors.articles_search(user=customer, text="cafe")
    if connection.vendor == "postgresql":  # 'simple' keeps accents; the word as written finds it
        found = selectors.articles_search(user=customer, text="café")
    assert titles(found) == ["Café opening hours"]


def test_readers_find_only_what_they_may_read(kb: Shelf, customer: User, agent: User) -> None:
    for reader in (customer, AnonymousUser()):
        assert selectors.articles_search(user=reader, text="refund") == []  # internal
        assert selectors.articles_search(user=reader, text="soon") == []  # a draft
        assert titles(selectors.articles_search(user=reader, text="book")) == [
            "How do I book a class?"
        ]
    assert titles(selectors.articles_search(user=agent, text="refund")) == ["Processing a refund"]
    assert selectors.articles_search(user=agent, text="soon") == []  # drafts are not searched


def test_a_new_published_version_is_what_search_finds(kb: Shelf, agent: User) -> None:
    services.article_update(
        actor=agent, article_id=kb.public.pk, values={"body": "Use the timetable."}
    )
    assert selectors.articles_search(user=agent, text="timetable") == []  # still a draft
    services.article_publish(actor=agent, article_id=kb.public.pk)
    assert titles(selectors.articles_search(user=agent, text="timetable")) == [
        "How do I book a class?"
    ]


def test_suggestions_take_any_word_and_public_articles_only(
    refunds: list[Article], kb: Shelf
) -> None:
    found = selectors.articles_suggest(text="How can I get a refund for my pass?")
    assert titles(found)[0] == "Refunds for class passes"
    assert "Parking" not in titles(found)
    assert "Processing a refund" not in titles(found)  # internal
    assert selectors.articles_suggest(text="how do I") == []  # only common words
    assert len(selectors.articles_suggest(text="the class pass refund studio")) <= (
        selectors.SUGGESTIONS_MAX
    )


def test_the_title_outweighs_a_text_full_of_the_word(
    kb: Shelf, agent: User, customer: User
) -> None:
    article(agent, kb.booking, "Studio news", "Salsa salsa salsa: salsa nights, salsa shoes.")
    article(agent, kb.booking, "Salsa for beginners", "Start with the basic step.")
    assert titles(selectors.articles_search(user=customer, text="salsa")) == [
        "Salsa for beginners",
        "Studio news",
    ]
