"""The knowledge base's pages for the whole cast, with CSRF checked as a browser's requests
are: the help centre (anyone), "was this helpful?", the suggestions under a new ticket's
title, article links in the reply picker, and the staff pages that write, preview, publish
and arrange the help centre."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.kb import services
from frontdesk.kb.models import Action, Article, ArticleVersion, ArticleVote, Category, KbEvent
from tests.kb.conftest import Shelf
from tests.web.conftest import html

pytestmark = pytest.mark.django_db

CAST = ["admin", "agent", "other_agent", "customer", "other_customer", "anonymous"]
STAFF = {"admin", "agent", "other_agent"}


def browser(user: User | None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def someone(who: str, request: pytest.FixtureRequest) -> User | None:
    return None if who == "anonymous" else request.getfixturevalue(who)


_TOKENS = re.compile(r'(csrf-token" content|csrfmiddlewaretoken" value)="[^"]*"')


def without_tokens(page: str) -> str:
    return _TOKENS.sub("", page)


def token(client: Client, path: str) -> str:
    page = html(client.get(path))
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found is not None, page[:500]
    return found.group(1)


def post(client: Client, path: str, data: dict[str, Any], *, page: str, **extra: Any) -> Any:
    return client.post(path, {"csrfmiddlewaretoken": token(client, page), **data}, **extra)


# --- the help centre, for everyone ----------------------------------------------------------


@pytest.mark.parametrize("who", CAST)
def test_the_cast_reads_what_it_may(kb: Shelf, who: str, request: pytest.FixtureRequest) -> None:
    client = browser(someone(who, request))
    staff = who in STAFF
    home = html(client.get("/kb"))
    assert "How do I book a class?" in home
    assert ("Processing a refund" in home) is staff
    assert "Waiting lists" not in home  # a draft is never in the help centre
    category = client.get("/kb/booking-classes")
    assert category.status_code == 200 and "How do I book a class?" in html(category)
    internal_only = client.get("/kb/for-staff")  # a category of internal articles
    assert internal_only.status_code == (200 if staff else 404)
    page = client.get(f"/kb/articles/{kb.public.slug}")
    assert page.status_code == 200
    assert "<em>Book</em>" in html(page)
    assert ("Readers' answers (staff only)" in html(page)) is staff
    internal = client.get(f"/kb/articles/{kb.internal.slug}")
    assert internal.status_code == (200 if staff else 404)
    draft = client.get(f"/kb/articles/{kb.draft.slug}")
    assert draft.status_code == 404  # drafts are read on the staff pages
    missing = client.get("/kb/articles/no-such-article")
    assert missing.status_code == 404
    if not staff:  # the same answer for an internal article and for none
        assert without_tokens(html(internal)) == without_tokens(html(missing))


def test_search_on_the_help_centre(kb: Shelf, customer: User, agent: User) -> None:
    page = html(browser(customer).get("/kb", {"q": "class"}))
    assert "Articles matching “class”" in page and "How do I book a class?" in page
    assert "No article matches “refund”" in html(browser(customer).get("/kb", {"q": "refund"}))
    assert "Processing a refund" in html(browser(agent).get("/kb", {"q": "refund"}))


def test_an_unknown_category_is_404(kb: Shelf) -> None:
    assert browser(None).get("/kb/no-such-thing").status_code == 404


# --- was this helpful? ------------------------------------------------------------------------


def test_a_customer_votes_once(kb: Shelf, customer: User, agent: User) -> None:
    client = browser(customer)
    page = f"/kb/articles/{kb.public.slug}"
    for answer in ("yes", "yes", "no"):
        response = post(client, f"{page}/vote", {"helpful": answer}, page=page)
        assert response.status_code == 302
    vote = ArticleVote.objects.get()
    assert vote.user == customer and vote.helpful is False
    assert 'aria-pressed="true">No' in html(client.get(page))
    assert "<strong>0</strong> yes, <strong>1</strong> no" in html(browser(agent).get(page))


def test_an_anonymous_reader_votes_once_per_session(kb: Shelf) -> None:
    page = f"/kb/articles/{kb.public.slug}"
    first = browser(None)
    for _ in range(2):
        response = post(first, f"{page}/vote", {"helpful": "yes"}, page=page)
        assert response.status_code == 302
    post(browser(None), f"{page}/vote", {"helpful": "no"}, page=page)
    assert sorted(ArticleVote.objects.values_list("helpful", flat=True)) == [False, True]
    assert ArticleVote.objects.filter(user__isnull=True).count() == 2


def test_a_vote_answers_htmx_with_the_fragment(kb: Shelf, customer: User) -> None:
    page = f"/kb/articles/{kb.public.slug}"
    client = browser(customer)
    response = post(client, f"{page}/vote", {"helpful": "yes"}, page=page, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    fragment = html(response)
    assert fragment.lstrip().startswith('<section class="kb-vote" id="kb-vote"')
    assert "Thank you for your answer" in fragment
    bad = post(client, f"{page}/vote", {"helpful": "maybe"}, page=page, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400 and "Answer yes or no." in html(bad)
    assert ArticleVote.objects.get().helpful is True


def test_a_vote_without_the_csrf_token_is_refused(kb: Shelf, customer: User) -> None:
    response = browser(customer).post(f"/kb/articles/{kb.public.slug}/vote", {"helpful": "yes"})
    assert response.status_code == 403
    assert not ArticleVote.objects.exists()


@pytest.mark.parametrize("who", ["customer", "anonymous"])
def test_no_vote_on_what_the_reader_cannot_see(
    kb: Shelf, who: str, request: pytest.FixtureRequest
) -> None:
    client = browser(someone(who, request))
    for article in (kb.internal, kb.draft):
        response = post(
            client,
            f"/kb/articles/{article.slug}/vote",
            {"helpful": "yes"},
            page=f"/kb/articles/{kb.public.slug}",
        )
        assert response.status_code == 404
    assert not ArticleVote.objects.exists()


# --- suggestions under a new ticket's title ---------------------------------------------------


def test_the_new_ticket_form_asks_for_suggestions(customer: User) -> None:
    page = html(browser(customer).get("/ticket/new"))
    assert 'hx-get="/kb/suggest"' in page and "from:#id_title" in page


@pytest.mark.parametrize("who", CAST)
def test_suggestions_are_public_articles(
    kb: Shelf, who: str, request: pytest.FixtureRequest
) -> None:
    client = browser(someone(who, request))
    response = client.get("/kb/suggest", {"title": "How can I book a class and a refund"})
    assert response.status_code == 200
    fragment = html(response)
    assert "These articles may answer your question" in fragment
    assert f'href="/kb/articles/{kb.public.slug}"' in fragment
    assert "Processing a refund" not in fragment  # internal: never suggested
    assert "<html" not in fragment


def test_no_match_no_suggestion(kb: Shelf, customer: User) -> None:
    for title in ("", "   ", "the heating is broken", "x" * 5000):
        response = browser(customer).get("/kb/suggest", {"title": title})
        assert response.status_code == 200 and html(response).strip() == ""


# --- the reply picker -------------------------------------------------------------------------


def test_the_picker_lists_matching_articles_with_their_address(
    kb: Shelf, agent: User, settings: Any
) -> None:
    settings.FRONTDESK_SITE_URL = "https://help.studio.example"
    response = browser(agent).get("/replies/picker", {"q": "book"})
    fragment = html(response)
    url = f"https://help.studio.example/kb/articles/{kb.public.slug}"
    assert f'data-article-url="{url}"' in fragment
    assert 'data-article-title="How do I book a class?"' in fragment
    assert 'role="option"' in fragment
    internal = html(browser(agent).get("/replies/picker", {"q": "refund"}))
    assert "data-article-url" not in internal  # a customer could not open it
    assert "data-article-url" not in html(browser(agent).get("/replies/picker"))


def test_customers_have_no_picker(kb: Shelf, customer: User) -> None:
    assert browser(customer).get("/replies/picker", {"q": "book"}).status_code == 403


# --- the staff pages --------------------------------------------------------------------------

STAFF_PAGES = ["/kb/manage", "/kb/manage/new", "/kb/manage/categories"]


@pytest.mark.parametrize("who", ["customer", "other_customer"])
def test_customers_are_refused_the_staff_pages(
    kb: Shelf, who: str, request: pytest.FixtureRequest
) -> None:
    client = browser(request.getfixturevalue(who))
    for path in [*STAFF_PAGES, f"/kb/manage/articles/{kb.public.pk}"]:
        assert client.get(path).status_code == 403, path
    response = post(
        client,
        f"/kb/manage/articles/{kb.draft.pk}/publish",
        {},
        page="/ticket/new",
    )
    assert response.status_code == 403
    assert not Article.objects.get(pk=kb.draft.pk).is_published


def test_anonymous_is_sent_to_sign_in(kb: Shelf) -> None:
    for path in [*STAFF_PAGES, f"/kb/manage/articles/{kb.public.pk}"]:
        response = browser(None).get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login")


def test_an_agent_writes_previews_and_publishes(kb: Shelf, agent: User) -> None:
    client = browser(agent)
    new = {
        "title": "What to wear",
        "category": str(kb.booking.pk),
        "visibility": "public",
        "slug": "",
        "body": "Clean **indoor** shoes.\r\n\r\n[Shop](https://shop.example)",
    }
    preview = post(
        client,
        "/kb/manage/new",
        {**new, "action": "preview"},
        page="/kb/manage/new",
        HTTP_HX_REQUEST="true",
    )
    assert preview.status_code == 200 and "<strong>indoor</strong>" in html(preview)
    assert not Article.objects.filter(title="What to wear").exists()

    created = post(client, "/kb/manage/new", {**new, "action": "save"}, page="/kb/manage/new")
    article = Article.objects.get(title="What to wear")
    editor = f"/kb/manage/articles/{article.pk}"
    assert created.status_code == 302 and created["Location"] == editor
    assert article.body == "Clean **indoor** shoes.\n\n[Shop](https://shop.example)"
    assert browser(None).get(f"/kb/articles/{article.slug}").status_code == 404  # a draft

    post(client, f"{editor}/publish", {}, page=editor)
    page = html(browser(None).get(f"/kb/articles/{article.slug}"))
    assert '<a href="https://shop.example" rel="noopener noreferrer nofollow">Shop</a>' in page

    changed = post(
        client, editor, {**new, "title": "What to wear and bring", "action": "save"}, page=editor
    )
    assert changed.status_code == 302
    page = html(client.get(editor))
    assert "draft version 2 is not published yet" in page
    assert "Version 2" in page and "Version 1" in page
    assert "What to wear and bring" not in html(browser(None).get(f"/kb/articles/{article.slug}"))

    post(client, f"{editor}/unpublish", {}, page=editor)
    assert browser(None).get(f"/kb/articles/{article.slug}").status_code == 404
    assert list(
        KbEvent.objects.filter(article=article).order_by("id").values_list("action", flat=True)
    ) == [Action.ARTICLE_CREATED, Action.PUBLISHED, Action.DRAFT_SAVED, Action.UNPUBLISHED]


def test_a_refused_value_is_shown_beside_its_field(kb: Shelf, agent: User) -> None:
    editor = f"/kb/manage/articles/{kb.public.pk}"
    values = {
        "title": "",
        "category": str(kb.booking.pk),
        "visibility": "public",
        "slug": kb.draft.slug,
        "body": "x",
        "action": "save",
    }
    response = post(browser(agent), editor, values, page=editor)
    assert response.status_code == 400
    assert "Give the title." in html(response)
    values["title"] = "New title"
    response = post(browser(agent), editor, values, page=editor)
    assert response.status_code == 400 and "Another article has the address" in html(response)
    assert ArticleVersion.objects.filter(article=kb.public).count() == 1


def test_writing_without_the_csrf_token_is_refused(kb: Shelf, agent: User) -> None:
    client = browser(agent)
    response = client.post(f"/kb/manage/articles/{kb.draft.pk}/publish")
    assert response.status_code == 403
    assert not Article.objects.get(pk=kb.draft.pk).is_published


def test_the_staff_list_shows_drafts_and_answers(kb: Shelf, agent: User, customer: User) -> None:
    services.article_vote(actor=customer, session_key=None, article_id=kb.public.pk, helpful=True)
    page = html(browser(agent).get("/kb/manage"))
    for title in ("How do I book a class?", "Processing a refund", "Waiting lists"):
        assert title in page
    assert "1 yes · 0 no" in page
    assert "Waiting lists" in html(browser(agent).get("/kb/manage", {"q": "wait"}))
    assert "How do I book" not in html(browser(agent).get("/kb/manage", {"q": "wait"}))


def test_admins_arrange_categories_and_agents_read_them(
    kb: Shelf, admin: User, agent: User
) -> None:
    page = html(browser(agent).get("/kb/manage/categories"))
    assert "Booking classes" in page and "Only admins add and change them" in page
    refused = post(
        browser(agent),
        "/kb/manage/categories",
        {"name": "Agents'", "order": "3"},
        page="/ticket/new",
    )
    assert refused.status_code == 403
    assert browser(agent).get(f"/kb/manage/categories/{kb.booking.pk}").status_code == 403

    client = browser(admin)
    added = post(
        client,
        "/kb/manage/categories",
        {"name": "Events", "slug": "", "order": "5", "description": "Shows"},
        page="/kb/manage/categories",
    )
    assert added.status_code == 302
    events = Category.objects.get(name="Events")
    assert events.slug == "events" and events.order == 5
    taken = post(
        client,
        f"/kb/manage/categories/{events.pk}",
        {"name": "Events", "slug": "articles", "order": "5", "description": ""},
        page="/kb/manage/categories",
    )
    assert taken.status_code == 400 and "the help centre&#x27;s own" in html(taken)
    kept = post(
        client,
        f"/kb/manage/categories/{kb.booking.pk}/delete",
        {},
        page="/kb/manage/categories",
    )
    assert kept.status_code == 302 and Category.objects.filter(pk=kb.booking.pk).exists()
    post(client, f"/kb/manage/categories/{events.pk}/delete", {}, page="/kb/manage/categories")
    assert not Category.objects.filter(pk=events.pk).exists()


@pytest.mark.parametrize("path", ["/kb/manage/articles/{}", "/kb/manage/categories/{}"])
def test_ids_that_are_not_ids_are_404(kb: Shelf, admin: User, path: str) -> None:
    for bad in ("987654", "²", "0"):
        assert browser(admin).get(path.format(bad)).status_code == 404
