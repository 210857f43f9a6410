"""Knowledge-base use cases: who may write what, drafts and versions, publishing, the log
of every change, and readers' votes (once per user or per browser session)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from frontdesk.accounts.models import User
from frontdesk.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from frontdesk.kb import selectors, services
from frontdesk.kb.models import Action, Article, ArticleVersion, ArticleVote, Category, KbEvent
from tests.kb.conftest import Shelf

pytestmark = pytest.mark.django_db


def _values(category: Category, **more: object) -> dict[str, object]:
    return {"title": "Dress code", "body": "Comfortable clothes.", "category": category.pk, **more}


# --- who may write ------------------------------------------------------------------------


def test_agents_and_admins_write_articles(kb: Shelf, admin: User, other_agent: User) -> None:
    for writer in (admin, other_agent):
        made = services.article_create(
            actor=writer, values=_values(kb.booking, title=f"By {writer.username}")
        )
        assert made.created_by == writer and not made.is_published
        services.article_update(actor=writer, article_id=kb.public.pk, values={"body": "New"})
        services.article_publish(actor=writer, article_id=made.pk)


@pytest.mark.parametrize("who", ["customer", "other_customer", "anonymous"])
def test_customers_and_strangers_write_nothing(
    kb: Shelf, who: str, request: pytest.FixtureRequest
) -> None:
    actor = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)
    before = (Article.objects.count(), ArticleVersion.objects.count(), KbEvent.objects.count())
    calls = [
        lambda: services.article_create(actor=actor, values=_values(kb.booking)),
        lambda: services.article_update(actor=actor, article_id=kb.public.pk, values={"body": "x"}),
        lambda: services.article_publish(actor=actor, article_id=kb.draft.pk),
        lambda: services.article_unpublish(actor=actor, article_id=kb.public.pk),
        lambda: services.article_preview(actor=actor, body="x"),
        lambda: services.category_create(actor=actor, values={"name": "Mine"}),
    ]
    for call in calls:
        with pytest.raises(NotAllowed):
            call()
    after = (Article.objects.count(), ArticleVersion.objects.count(), KbEvent.objects.count())
    assert after == before


def test_only_admins_arrange_categories(kb: Shelf, admin: User, agent: User) -> None:
    with pytest.raises(NotAllowed, match="Only admins"):
        services.category_create(actor=agent, values={"name": "Agent's"})
    with pytest.raises(NotAllowed):
        services.category_update(actor=agent, category_id=kb.booking.pk, values={"order": 9})
    with pytest.raises(NotAllowed):
        services.category_delete(actor=agent, category_id=kb.staff.pk)
    changed = services.category_update(
        actor=admin, category_id=kb.booking.pk, values={"order": 9, "name": "Classes"}
    )
    assert (changed.order, changed.name, changed.slug) == (9, "Classes", "booking-classes")
    assert KbEvent.objects.filter(action=Action.CATEGORY_CHANGED, actor=admin).count() == 1


def test_a_category_with_articles_is_not_deleted(kb: Shelf, admin: User) -> None:
    with pytest.raises(Conflict, match="still holds articles"):
        services.category_delete(actor=admin, category_id=kb.booking.pk)
    empty = services.category_create(actor=admin, values={"name": "Empty"})
    services.category_delete(actor=admin, category_id=empty.pk)
    assert not Category.objects.filter(pk=empty.pk).exists()
    assert KbEvent.objects.filter(action=Action.CATEGORY_DELETED, summary="Empty").exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "Articles", "slug": "articles"}, "slug"),  # the help centre's own address
        ({"name": "Bad", "slug": "Bad Slug"}, "slug"),
        ({"name": "Order", "order": -1}, "order"),
        ({"name": "Booking CLASSES"}, "name"),  # taken, in any case
        ({"name": "Colour", "colour": "red"}, "colour"),
    ],
)
def test_bad_category_values_are_refused(
    kb: Shelf, admin: User, values: dict[str, object], field: str
) -> None:
    before = Category.objects.count()
    with pytest.raises(InvalidInput) as refused:
        services.category_create(actor=admin, values=values)
    assert refused.value.field == field
    assert Category.objects.count() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "evil \u202e txt"}, "title"),
        ({"body": " \n "}, "body"),
        ({"body": "nul \x00"}, "body"),
        ({"visibility": "secret"}, "visibility"),
        ({"category": 987654}, "category"),
        ({"slug": "not a slug"}, "slug"),
        ({"author": 1}, "author"),
    ],
)
def test_bad_article_values_are_refused(
    kb: Shelf, agent: User, change: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.article_update(actor=agent, article_id=kb.public.pk, values=change)
    assert refused.value.field == field
    assert ArticleVersion.objects.filter(article=kb.public).count() == 1


def test_a_taken_address_is_refused_and_a_free_one_is_made(kb: Shelf, agent: User) -> None:
    with pytest.raises(InvalidInput, match="Another article"):
        services.article_update(
            actor=agent, article_id=kb.draft.pk, values={"slug": kb.public.slug}
        )
    twin = services.article_create(
        actor=agent, values=_values(kb.booking, title="How do I book a class?")
    )
    assert twin.slug == "how-do-i-book-a-class-2"


# --- drafts, versions, publishing ---------------------------------------------------------


def test_editing_saves_a_draft_and_publishing_shows_it(
    kb: Shelf, agent: User, other_agent: User
) -> None:
    services.article_update(
        actor=other_agent,
        article_id=kb.public.pk,
        values={"title": "Booking a class", "body": "Open the **timetable**."},
    )
    article = Article.objects.get(pk=kb.public.pk)
    assert (article.draft_number, article.published_number) == (2, 1)
    assert article.published_title == "How do I book a class?"  # readers still see version 1
    assert "timetable" not in article.published_html
    versions = list(ArticleVersion.objects.filter(article=article).order_by("number"))
    assert [(v.number, v.author) for v in versions] == [(1, agent), (2, other_agent)]
    assert versions[1].title == "Booking a class"

    services.article_publish(actor=other_agent, article_id=article.pk)
    article.refresh_from_db()
    assert article.published_title == "Booking a class" and article.published_number == 2
    assert "<strong>timetable</strong>" in article.published_html
    assert article.published_by == other_agent
    actions = list(
        KbEvent.objects.filter(article=article).order_by("id").values_list("action", flat=True)
    )
    assert actions == [
        Action.ARTICLE_CREATED,
        Action.PUBLISHED,
        Action.DRAFT_SAVED,
        Action.PUBLISHED,
    ]
    with pytest.raises(InvalidInput, match="already published"):
        services.article_publish(actor=agent, article_id=article.pk)


def test_an_unchanged_save_makes_no_version(kb: Shelf, agent: User) -> None:
    services.article_update(actor=agent, article_id=kb.public.pk, values={"title": kb.public.title})
    assert ArticleVersion.objects.filter(article=kb.public).count() == 1


def test_moving_and_hiding_change_the_article_at_once(kb: Shelf, agent: User) -> None:
    services.article_update(
        actor=agent,
        article_id=kb.public.pk,
        values={"category": kb.staff.pk, "visibility": "internal"},
    )
    article = Article.objects.get(pk=kb.public.pk)
    assert article.category == kb.staff and article.is_internal
    assert article.draft_number == 1  # no new text, no new version
    event = KbEvent.objects.filter(article=article, action=Action.ARTICLE_CHANGED).get()
    assert "category For staff" in event.summary and "visibility internal" in event.summary
    with pytest.raises(NotFound):
        selectors.article_get_by_slug(user=AnonymousUser(), slug=article.slug)


def test_unpublishing_takes_it_out_and_keeps_the_draft(kb: Shelf, agent: User) -> None:
    services.article_unpublish(actor=agent, article_id=kb.public.pk)
    article = Article.objects.get(pk=kb.public.pk)
    assert not article.is_published and article.published_title == ""
    assert article.title == "How do I book a class?"
    assert selectors.articles_search(user=agent, text="book") == []
    with pytest.raises(InvalidInput, match="not published"):
        services.article_unpublish(actor=agent, article_id=article.pk)


def test_preview_renders_without_saving(kb: Shelf, agent: User) -> None:
    html = services.article_preview(actor=agent, body="**Hi** <script>x</script>")
    assert "<strong>Hi</strong>" in html and "<script" not in html
    with pytest.raises(InvalidInput):
        services.article_preview(actor=agent, body="x" * (services.BODY_MAX + 1))


# --- votes --------------------------------------------------------------------------------


def test_a_user_votes_once_and_may_change_the_answer(kb: Shelf, customer: User) -> None:
    services.article_vote(actor=customer, session_key=None, article_id=kb.public.pk, helpful=True)
    services.article_vote(actor=customer, session_key="s1", article_id=kb.public.pk, helpful=True)
    assert ArticleVote.objects.filter(article=kb.public).count() == 1
    services.article_vote(actor=customer, session_key=None, article_id=kb.public.pk, helpful=False)
    vote = ArticleVote.objects.get(article=kb.public)
    assert vote.user == customer and vote.helpful is False


def test_anonymous_readers_vote_once_per_session(kb: Shelf, agent: User) -> None:
    anonymous = AnonymousUser()
    for key in ("session-a", "session-a", "session-b"):
        services.article_vote(
            actor=anonymous, session_key=key, article_id=kb.public.pk, helpful=True
        )
    assert ArticleVote.objects.filter(article=kb.public).count() == 2
    with pytest.raises(NotAllowed, match="cookies"):
        services.article_vote(
            actor=anonymous, session_key=None, article_id=kb.public.pk, helpful=True
        )
    votes = selectors.article_votes(user=agent, article=kb.public)
    assert votes is not None and (votes.yes, votes.no) == (2, 0)
    assert selectors.article_votes(user=anonymous, article=kb.public) is None


def test_votes_only_on_articles_the_reader_sees(kb: Shelf, customer: User, agent: User) -> None:
    for article in (kb.internal, kb.draft):
        with pytest.raises(NotFound):
            services.article_vote(
                actor=customer, session_key=None, article_id=article.pk, helpful=True
            )
    with pytest.raises(InvalidInput, match="published"):
        services.article_vote(actor=agent, session_key=None, article_id=kb.draft.pk, helpful=True)
    with pytest.raises(InvalidInput, match="yes or no"):
        services.article_vote(actor=agent, session_key=None, article_id=kb.public.pk, helpful="1")
    assert not ArticleVote.objects.exists()
