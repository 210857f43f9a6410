"""A small help centre for the knowledge-base tests: two categories, a published public
article, a published internal one, and a draft never published."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from frontdesk.accounts.models import User
from frontdesk.kb import services
from frontdesk.kb.models import Article, Category


@dataclass
class Shelf:
    booking: Category
    staff: Category
    public: Article
    internal: Article
    draft: Article


def article(
    author: User,
    category: Category,
    title: str,
    body: str,
    *,
    visibility: str = "public",
    publish: bool = True,
) -> Article:
    made = services.article_create(
        actor=author,
        values={"title": title, "body": body, "category": category.pk, "visibility": visibility},
    )
    if publish:
        made = services.article_publish(actor=author, article_id=made.pk)
    return made


@pytest.fixture
def kb(admin: User, agent: User) -> Shelf:
    booking = services.category_create(
        actor=admin, values={"name": "Booking classes", "order": 1, "description": "Classes."}
    )
    staff = services.category_create(actor=admin, values={"name": "For staff", "order": 2})
    return Shelf(
        booking=booking,
        staff=staff,
        public=article(agent, booking, "How do I book a class?", "Choose a class, then *Book*."),
        internal=article(
            agent, staff, "Processing a refund", "Check the pass first.", visibility="internal"
        ),
        draft=article(agent, booking, "Waiting lists", "Coming soon.", publish=False),
    )
