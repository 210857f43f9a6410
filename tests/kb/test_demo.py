"""The demo help centre: categories, public and internal articles, one draft, added once."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from frontdesk.accounts.models import User
from frontdesk.kb import selectors
from frontdesk.kb.demo import DEMO_ARTICLES, demo_kb_create
from frontdesk.kb.models import Article, Category

pytestmark = pytest.mark.django_db


def test_the_demo_help_centre_is_added_once(admin: User) -> None:
    assert demo_kb_create() == f"Added {len(DEMO_ARTICLES)} help-centre articles."
    assert demo_kb_create() == "Added 0 help-centre articles."
    assert Category.objects.count() == 5
    public = selectors.articles_readable_by(AnonymousUser())
    assert public.count() == 10
    assert Article.objects.filter(visibility="internal", published_at__isnull=False).count() == 2
    assert Article.objects.filter(published_at__isnull=True).count() == 1
    best = selectors.articles_suggest(text="refund my pass")[0]
    assert best.published_title == "Can I get a refund for my class pass?"
