"""The knowledge base's pages and lists run a fixed number of queries whatever its size: the
help centre, a category, an article, search, suggestions, the staff list and the REST list
each ask the same with 5 articles as with 25 (with votes on them)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from frontdesk.accounts.models import User
from frontdesk.accounts.tokens import access_token_issue
from frontdesk.kb import services
from tests.conftest import Clock
from tests.kb.conftest import Shelf, article

pytestmark = pytest.mark.django_db

PATHS = [
    ("customer", "/kb"),
    ("customer", "/kb/booking-classes"),
    ("customer", "/kb/articles/how-do-i-book-a-class"),
    ("customer", "/kb?q=class"),
    ("customer", "/kb/suggest?title=book+a+class"),
    ("agent", "/kb"),
    ("agent", "/kb/manage"),
    ("agent", "/kb/articles/how-do-i-book-a-class"),
    ("agent", "/api/ticketing/kb/articles/"),
    ("agent", "/api/ticketing/kb/articles/?search=class"),
    ("customer", "/api/ticketing/kb/articles/?search=class"),
]


def _grow(kb: Shelf, agent: User, voters: list[User], count: int) -> None:
    for number in range(count):
        made = article(agent, kb.booking, f"Class {number}", f"A class, number {number}.")
        for voter in voters:
            services.article_vote(
                actor=voter, session_key=None, article_id=made.pk, helpful=number % 2 == 0
            )


def _count(client: Client, path: str, token: str) -> int:
    client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, path
    return len(queries)


@pytest.mark.parametrize(("who", "path"), PATHS, ids=[f"{w} {p}" for w, p in PATHS])
def test_the_same_queries_whatever_the_size(
    kb: Shelf,
    agent: User,
    customer: User,
    other_customer: User,
    clock: Clock,
    who: str,
    path: str,
) -> None:
    asker = {"customer": customer, "agent": agent}[who]
    client = Client()
    client.force_login(asker)
    token = access_token_issue(asker)
    _grow(kb, agent, [customer], 3)
    small = _count(client, path, token)
    _grow(kb, agent, [customer, other_customer], 20)
    assert _count(client, path, token) == small, path
