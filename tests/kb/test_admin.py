"""The knowledge base in the admin, posted as a browser does: a category and an article
saved through their use cases (an article's text as a new draft version), refusals beside
their field with nothing saved, publishing as an action; the history (kbevent) read-only."""

from __future__ import annotations

import pytest

from frontdesk.accounts.models import User
from frontdesk.kb.models import Action, Article, ArticleVersion, Category, KbEvent
from tests.admin_forms import admin_browser, change_form, form_errors
from tests.kb.conftest import Shelf

pytestmark = pytest.mark.django_db
CATEGORIES = "/admin/kb/category/"
ARTICLES = "/admin/kb/article/"


def test_an_admin_adds_and_changes_a_category(admin: User) -> None:
    client = admin_browser(admin)
    response = change_form(
        client, f"{CATEGORIES}add/", "category_form", name="Events", order="4", description="Shows"
    )
    assert response.status_code == 302, form_errors(response)
    category = Category.objects.get()
    assert (category.slug, category.order) == ("events", 4)
    response = change_form(
        client, f"{CATEGORIES}{category.pk}/change/", "category_form", slug="articles"
    )
    assert "the help centre's own" in form_errors(response)["slug"][0]
    assert Category.objects.get().slug == "events"
    assert KbEvent.objects.filter(action=Action.CATEGORY_CREATED, actor=admin).count() == 1


def test_an_article_saved_in_the_admin_is_a_new_draft(kb: Shelf, admin: User) -> None:
    client = admin_browser(admin)
    response = change_form(
        client, f"{ARTICLES}{kb.public.pk}/change/", "article_form", body="Use the **app**."
    )
    assert response.status_code == 302, form_errors(response)
    article = Article.objects.get(pk=kb.public.pk)
    assert article.draft_number == 2 and article.published_number == 1
    assert ArticleVersion.objects.get(article=article, number=2).author == admin
    response = change_form(client, f"{ARTICLES}{kb.public.pk}/change/", "article_form", title="")
    assert form_errors(response)["title"]
    assert Article.objects.get(pk=kb.public.pk).title == "How do I book a class?"


def test_publishing_from_the_admin(kb: Shelf, admin: User) -> None:
    client = admin_browser(admin)
    page = client.get(ARTICLES)
    token = page.cookies.get("csrftoken") or client.cookies["csrftoken"]
    response = client.post(
        ARTICLES,
        {
            "action": "publish",
            "_selected_action": [str(kb.draft.pk), str(kb.public.pk)],
            "csrfmiddlewaretoken": token.value,
        },
    )
    assert response.status_code == 302
    assert Article.objects.get(pk=kb.draft.pk).is_published
    messages = [str(m) for m in response.wsgi_request._messages]  # type: ignore[attr-defined]
    assert any("already published" in m for m in messages)


def test_the_history_is_read_only(kb: Shelf, admin: User) -> None:
    client = admin_browser(admin)
    assert client.get("/admin/kb/kbevent/").status_code == 200
    assert client.get("/admin/kb/kbevent/add/").status_code == 403
    assert client.get(f"{ARTICLES}{kb.public.pk}/delete/").status_code == 403
