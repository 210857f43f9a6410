"""Reading the knowledge base. Who reads what is decided here once (:func:`articles_visible_to`):
anyone, signed in or not, reads the published public articles; staff (agents and admins) also
read internal articles and every draft. Everything else composes that queryset: the help
centre's pages, search, the new-ticket suggestions, the reply picker and the REST API. An
article a reader may not see is answered as one that does not exist (NotFound)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import User
from frontdesk.core.errors import NotAllowed, NotFound
from frontdesk.core.ids import is_id
from frontdesk.kb import search
from frontdesk.kb.markdown import markdown_to_html
from frontdesk.kb.models import (
    Article,
    ArticleImage,
    ArticleVersion,
    ArticleVote,
    Category,
    KbEvent,
    Visibility,
)

Reader = User | AnonymousUser

ARTICLE_NOT_FOUND = gettext_noop("There is no article here.")
VERSION_NOT_FOUND = gettext_noop("The article has no such version.")
IMAGE_NOT_FOUND = gettext_noop("There is no image here.")
CATEGORY_NOT_FOUND = gettext_noop("There is no such category in the help centre.")
FOR_STAFF = gettext_noop("Only agents and admins write the knowledge base.")
FOR_ADMINS = gettext_noop("Only admins arrange the help centre's categories.")
SUGGESTIONS_MAX = 3


def is_staff(user: Reader) -> bool:
    return isinstance(user, User) and user.is_staff_member


def check_writer(user: Reader) -> User:
    """Agents and admins write articles: they are the ones who answer the questions."""
    if not isinstance(user, User) or not user.is_staff_member:
        raise NotAllowed(FOR_STAFF)
    return user


def may_manage_categories(user: Reader) -> bool:
    """Admins alone add, rename, reorder and delete categories: the help centre's shape."""
    return isinstance(user, User) and user.is_admin


def check_category_admin(user: Reader) -> User:
    if not may_manage_categories(user):
        raise NotAllowed(FOR_ADMINS)
    assert isinstance(user, User)
    return user


def articles_visible_to(user: Reader) -> QuerySet[Article]:
    """THE rule: staff see every article, drafts and internal ones included; everyone else
    the published public ones."""
    if is_staff(user):
        return Article.objects.all()
    return Article.objects.filter(published_at__isnull=False, visibility=Visibility.PUBLIC)


def articles_readable_by(user: Reader) -> QuerySet[Article]:
    """What the help centre lists: the published articles ``user`` may see (staff find drafts
    on the knowledge base's staff pages)."""
    return articles_visible_to(user).filter(published_at__isnull=False)


def article_get(*, user: Reader, article_id: int) -> Article:
    found = articles_visible_to(user).filter(pk=article_id).select_related("category")
    article = found.first() if is_id(article_id) else None
    if article is None:
        raise NotFound(ARTICLE_NOT_FOUND)
    return article


def article_get_by_slug(*, user: Reader, slug: str, published: bool = True) -> Article:
    """An article by its address; with ``published`` only its published copy counts (the help
    centre), so a draft never shows there, even to staff."""
    articles = articles_readable_by(user) if published else articles_visible_to(user)
    article = articles.filter(slug=slug).select_related("category").first()
    if article is None:
        raise NotFound(ARTICLE_NOT_FOUND)
    return article


def categories_list() -> QuerySet[Category]:
    return Category.objects.all()


def category_get(*, category_id: int) -> Category:
    category = Category.objects.filter(pk=category_id).first() if is_id(category_id) else None
    if category is None:
        raise NotFound(CATEGORY_NOT_FOUND)
    return category


def category_get_by_slug(*, user: Reader, slug: str) -> Category:
    """A category of the help centre; for a reader who is not staff, only one holding an
    article they may read (a category of internal articles does not exist for them)."""
    categories = Category.objects.filter(slug=slug)
    if not is_staff(user):
        categories = categories.filter(articles__in=articles_readable_by(user)).distinct()
    category = categories.first()
    if category is None:
        raise NotFound(CATEGORY_NOT_FOUND)
    return category


@dataclass(frozen=True)
class Shelf:
    category: Category
    articles: list[Article]


def help_centre(*, user: Reader) -> list[Shelf]:
    """Every category with the published articles ``user`` may read in it, by title; two
    queries whatever the size."""
    readable = articles_readable_by(user).order_by("published_title", "id")
    categories = Category.objects.prefetch_related(
        Prefetch("articles", queryset=readable, to_attr="readable")
    )
    return [Shelf(category=c, articles=c.readable) for c in categories]


def category_articles(*, user: Reader, category: Category) -> list[Article]:
    return list(
        articles_readable_by(user).filter(category=category).order_by("published_title", "id")
    )


def _scope(user: Reader, category_id: int | None = None) -> tuple[str, tuple[Any, ...]]:
    readable = articles_readable_by(user)
    if category_id is not None:
        readable = readable.filter(category_id=category_id)
    sql, params = readable.values("pk").query.sql_with_params()
    return sql, tuple(params)


def with_votes(articles: QuerySet[Article]) -> QuerySet[Article]:
    """``yes`` and ``no`` on each article: the readers' answers, counted in the same query."""
    return articles.annotate(
        yes=Count("votes", filter=Q(votes__helpful=True)),
        no=Count("votes", filter=Q(votes__helpful=False)),
    )


def _in_order(articles: QuerySet[Article], ids: list[int]) -> list[Article]:
    found = with_votes(articles.select_related("category")).in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def articles_search(
    *, user: Reader, text: str, limit: int = 20, category_id: int | None = None
) -> list[Article]:
    """The published articles ``user`` may read holding every word of ``text`` (or words
    starting with it), best matches first: a match in the title before one in the
    body."""
    ids = search.article_ids_matching(query=text, scope=_scope(user, category_id), limit=limit)
    return _in_order(Article.objects.all(), ids)


def articles_suggest(*, text: str, limit: int = SUGGESTIONS_MAX) -> list[Article]:
    """Public articles for a ticket's title as it is typed: any of its words, best first.
    Public ones whoever asks (an agent opening a ticket for a customer sees what the customer
    would)."""
    anonymous = AnonymousUser()
    ids = search.article_ids_matching(
        query=text, scope=_scope(anonymous), every_word=False, limit=limit
    )
    return _in_order(articles_readable_by(anonymous), ids)


PICKER_MAX = 5


def articles_listed(
    *, user: Reader, category_id: int | None = None, limit: int = 20
) -> list[Article]:
    """The articles ``user`` may see, by title (staff: drafts and internal ones too)."""
    articles = with_votes(articles_visible_to(user).select_related("category"))
    articles = articles.order_by("title", "id")
    if category_id is not None:
        articles = articles.filter(category_id=category_id)
    return list(articles[:limit])


def article_url(article: Article) -> str:
    """The article's address in the help centre, absolute: what a reply to a customer holds."""
    return f"{settings.FRONTDESK_SITE_URL}/kb/articles/{article.slug}"


def articles_for_reply(*, user: Reader, text: str, limit: int = PICKER_MAX) -> list[Article]:
    """Articles an agent may link in a reply (the saved-reply picker): public published ones
    holding every word of ``text``, best first. Internal articles are left out: a customer
    following the link would find nothing."""
    check_writer(user)
    if not text.strip():
        return []
    anonymous = AnonymousUser()
    ids = search.article_ids_matching(query=text, scope=_scope(anonymous), limit=limit)
    return _in_order(articles_readable_by(anonymous), ids)


def articles_for_staff(*, user: Reader, text: str = "", category_id: int | None = None) -> Any:
    """The staff list: every article with its draft and published state, newest change first;
    ``text`` searches the draft titles."""
    check_writer(user)
    articles = articles_visible_to(user).select_related("category").order_by("-updated_at", "-id")
    if text.strip():
        for word in text.split()[:10]:
            articles = articles.filter(title__icontains=word)
    if category_id is not None:
        articles = articles.filter(category_id=category_id)
    return with_votes(articles)


@dataclass(frozen=True)
class Votes:
    yes: int
    no: int

    @property
    def total(self) -> int:
        return self.yes + self.no


def article_votes(*, user: Reader, article: Article) -> Votes | None:
    """The counts of "was this helpful?" answers, for staff only (None for anyone else)."""
    if not is_staff(user):
        return None
    if hasattr(article, "yes"):  # counted with the article (with_votes)
        return Votes(yes=article.yes, no=getattr(article, "no"))  # noqa: B009
    counts = ArticleVote.objects.filter(article=article).aggregate(
        yes=Count("pk", filter=Q(helpful=True)), no=Count("pk", filter=Q(helpful=False))
    )
    return Votes(yes=counts["yes"], no=counts["no"])


def vote_of(*, user: Reader, session_key: str | None, article: Article) -> bool | None:
    """This reader's own answer on ``article``: True, False, or None before they vote."""
    if isinstance(user, User):
        votes = ArticleVote.objects.filter(article=article, user=user)
    elif session_key:
        votes = ArticleVote.objects.filter(
            article=article, user__isnull=True, session_key=session_key
        )
    else:
        return None
    vote = votes.values_list("helpful", flat=True).first()
    return vote


def article_versions(*, user: Reader, article: Article) -> QuerySet[ArticleVersion]:
    check_writer(user)
    return article.versions.select_related("author")


def article_events(*, user: Reader, article: Article) -> QuerySet[KbEvent]:
    check_writer(user)
    return article.events.select_related("actor")


def article_version(*, user: Reader, article: Article, number: int) -> ArticleVersion:
    check_writer(user)
    found = article.versions.select_related("author").filter(number=number)
    version = found.first() if is_id(number) else None
    if version is None:
        raise NotFound(VERSION_NOT_FOUND)
    return version


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "added", "removed", "same" or "gap" (lines left out between changes)
    text: str


@dataclass(frozen=True)
class VersionView:
    """An old version as the editor reads it before restoring it: rendered, and its
    differences from the current draft (what restoring would change)."""

    version: ArticleVersion
    html: str
    title_changed: bool
    diff: list[DiffLine]

    @property
    def same_as_draft(self) -> bool:
        return not self.title_changed and not self.diff


def version_diff(draft: str, version: str, *, context: int = 3) -> list[DiffLine]:
    """From the draft's text to the version's, line by line (difflib); empty when equal."""
    lines: list[DiffLine] = []
    for line in difflib.unified_diff(
        draft.splitlines(), version.splitlines(), lineterm="", n=context
    ):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            lines.append(DiffLine("gap", line))
        elif line.startswith("+"):
            lines.append(DiffLine("added", line[1:]))
        elif line.startswith("-"):
            lines.append(DiffLine("removed", line[1:]))
        else:
            lines.append(DiffLine("same", line[1:]))
    return lines


def version_view(*, user: Reader, article: Article, number: int) -> VersionView:
    version = article_version(user=user, article=article, number=number)
    return VersionView(
        version=version,
        html=markdown_to_html(version.body),
        title_changed=version.title != article.title,
        diff=version_diff(article.body, version.body),
    )


def image_get(*, user: Reader, image_id: int) -> ArticleImage:
    """An image, for whoever may see its article (:func:`articles_visible_to`): a public
    article's to anyone, an internal one's to staff, a draft's to its editors. Readers other
    than staff see only the images the published copy shows: one added for the next draft of
    a public article stays the editors' until that draft is published."""
    images = ArticleImage.objects.filter(article__in=articles_visible_to(user))
    image = (
        images.select_related("article").filter(pk=image_id).first() if is_id(image_id) else None
    )
    if image is None or not (is_staff(user) or image.is_in(image.article.published_body)):
        raise NotFound(IMAGE_NOT_FOUND)
    return image


def article_images(*, user: Reader, article: Article) -> QuerySet[ArticleImage]:
    check_writer(user)
    return article.images.all()
