"""The knowledge base in the REST API (/api/ticketing/kb/): categories, and the articles the
caller may read (customers: published public ones; agents and admins: every article, drafts
and internal ones included, with the draft and the readers' answers), searched full-text;
agents and admins create, update, publish, unpublish and restore old versions, and upload and
remove the articles' images; every signed-in caller answers "was this helpful?". Rules:
kb/services.py and kb/selectors.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from pydantic import ConfigDict, StrictBool

from frontdesk.accounts.models import User
from frontdesk.api.auth import caller
from frontdesk.api.parser import check_upload
from frontdesk.api.schemas import ErrorOut
from frontdesk.core.ids import ID_MAX
from frontdesk.kb import selectors, services
from frontdesk.kb.models import Article, ArticleImage, Category

router = Router(tags=["knowledge base"])

LIST = frozenset({400, 401, 429})
READ = frozenset({400, 401, 404, 429})
WRITE = frozenset({400, 401, 403, 404, 409, 413, 415, 429})
ACTION = frozenset({400, 401, 403, 404, 429})
VOTE = frozenset({400, 401, 403, 404, 409, 429})
UPLOAD = WRITE | {507}  # 507: the server is short of disk space (tickets/files.py)
REMOVE = ACTION | {409}
LIMIT_MAX = 100


def _answers(ok: dict[int, Any], errors: frozenset[int]) -> dict[Any, Any]:
    return {**ok, errors: ErrorOut}


class _Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class CategoryOut(Schema):
    id: int
    name: str
    slug: str
    order: int
    description: str


class DraftOut(Schema):
    number: int = Field(description="The draft's version number.")
    title: str
    body: str = Field(description="Markdown.")


class VotesOut(Schema):
    yes: int
    no: int


class ArticleOut(Schema):
    id: int
    slug: str
    url: str = Field(description="The article's address in the help centre.")
    category: int
    visibility: str = Field(description="public or internal (staff only).")
    published: bool
    published_at: datetime | None
    published_version: int | None
    title: str = Field(description="The published title; a draft's title until published.")
    body: str = Field(description="The published text (Markdown); empty until published.")
    html: str = Field(description="The published text as sanitised HTML.")
    updated_at: datetime
    draft: DraftOut | None = Field(description="Agents and admins only: the newest version.")
    votes: VotesOut | None = Field(description='Agents and admins only: "was this helpful?".')


class ArticleListOut(Schema):
    results: list[ArticleOut]


class ArticleQuery(Schema):
    search: str = Field("", max_length=200, description="Words in the published title or text.")
    category: int | None = Field(
        None, ge=1, le=ID_MAX, description="Only this category's articles."
    )
    limit: int = Field(20, ge=1, le=LIMIT_MAX)


class ArticleIn(_Strict):
    title: str
    body: str = Field(description="Markdown.")
    category: int
    visibility: str = "public"
    slug: str = Field("", description="Empty: made from the title.")


class ArticlePatchIn(_Strict):
    title: str | None = None
    body: str | None = None
    category: int | None = None
    visibility: str | None = None
    slug: str | None = None


class VersionOut(Schema):
    number: int
    title: str
    body: str = Field(description="Markdown.")
    author: int | None = Field(description="The user who saved it (None once removed).")
    created_at: datetime


class VoteIn(_Strict):
    helpful: StrictBool = Field(description="Was the article helpful? true or false.")


class VoteOut(Schema):
    article: int
    helpful: bool = Field(description="Your answer; answering again changes it.")


class ImageOut(Schema):
    id: int
    article: int
    url: str = Field(description="Where the image is served, with its article's visibility.")
    markdown: str = Field(description="Put this into the article's text to show the image.")
    alt: str = Field(description="What the image shows, for readers who cannot see it.")
    original_name: str
    size: int
    content_type: str
    created_at: datetime


class CategoryIn(_Strict):
    name: str
    slug: str = ""
    order: int = 0
    description: str = ""


def _image_out(image: ArticleImage) -> dict[str, Any]:
    return {
        "id": image.pk,
        "article": image.article_id,
        "url": image.url,
        "markdown": image.markdown,
        "alt": image.alt,
        "original_name": image.original_name,
        "size": image.size,
        "content_type": image.content_type,
        "created_at": image.created_at,
    }


def _out(user: User, article: Article) -> dict[str, Any]:
    staff = selectors.is_staff(user)
    votes = selectors.article_votes(user=user, article=article)
    return {
        "id": article.pk,
        "slug": article.slug,
        "url": selectors.article_url(article),
        "category": article.category_id,
        "visibility": article.visibility,
        "published": article.is_published,
        "published_at": article.published_at,
        "published_version": article.published_number,
        "title": article.published_title if article.is_published else article.title,
        "body": article.published_body,
        "html": article.published_html,
        "updated_at": article.updated_at,
        "draft": (
            {"number": article.draft_number, "title": article.title, "body": article.body}
            if staff
            else None
        ),
        "votes": {"yes": votes.yes, "no": votes.no} if votes else None,
    }


@router.get(
    "/categories/", response=_answers({200: list[CategoryOut]}, LIST), url_name="kb_categories"
)
def kb_categories(request: HttpRequest) -> list[Category]:
    caller(request)
    return list(selectors.categories_list())


@router.post(
    "/categories/", response=_answers({201: CategoryOut}, WRITE), url_name="kb_categories_create"
)
def kb_categories_create(request: HttpRequest, payload: CategoryIn) -> Status[Category]:
    """Admins only."""
    category = services.category_create(actor=caller(request), values=payload.model_dump())
    return Status(201, category)


@router.get("/articles/", response=_answers({200: ArticleListOut}, LIST), url_name="kb_articles")
def kb_articles(request: HttpRequest, query: Query[ArticleQuery]) -> dict[str, Any]:
    """The articles you may read: with ``search``, published ones matching every word, best
    first (a title match before a text match); without, by title (staff: drafts too)."""
    user = caller(request)
    if query.search.strip():
        found = selectors.articles_search(
            user=user, text=query.search, limit=query.limit, category_id=query.category
        )
    else:
        found = selectors.articles_listed(user=user, category_id=query.category, limit=query.limit)
    return {"results": [_out(user, article) for article in found]}


@router.get(
    "/articles/{int:article_id}/", response=_answers({200: ArticleOut}, READ), url_name="kb_article"
)
def kb_article(request: HttpRequest, article_id: int) -> dict[str, Any]:
    user = caller(request)
    return _out(user, selectors.article_get(user=user, article_id=article_id))


@router.post(
    "/articles/", response=_answers({201: ArticleOut}, WRITE), url_name="kb_articles_create"
)
def kb_articles_create(request: HttpRequest, payload: ArticleIn) -> Status[dict[str, Any]]:
    """A new draft (agents and admins); publish it to show it to readers."""
    user = caller(request)
    article = services.article_create(actor=user, values=payload.model_dump())
    return Status(201, _out(user, article))


@router.patch(
    "/articles/{int:article_id}/",
    response=_answers({200: ArticleOut}, WRITE),
    url_name="kb_articles_update",
)
def kb_articles_update(
    request: HttpRequest, article_id: int, payload: ArticlePatchIn
) -> dict[str, Any]:
    """Save a new draft and change category, visibility or address; published text stays."""
    user = caller(request)
    values = payload.model_dump(exclude_none=True)
    return _out(user, services.article_update(actor=user, article_id=article_id, values=values))


@router.post(
    "/articles/{int:article_id}/publish/",
    response=_answers({200: ArticleOut}, ACTION),
    url_name="kb_articles_publish",
)
def kb_articles_publish(request: HttpRequest, article_id: int) -> dict[str, Any]:
    user = caller(request)
    return _out(user, services.article_publish(actor=user, article_id=article_id))


@router.post(
    "/articles/{int:article_id}/unpublish/",
    response=_answers({200: ArticleOut}, ACTION),
    url_name="kb_articles_unpublish",
)
def kb_articles_unpublish(request: HttpRequest, article_id: int) -> dict[str, Any]:
    user = caller(request)
    return _out(user, services.article_unpublish(actor=user, article_id=article_id))


@router.get(
    "/articles/{int:article_id}/versions/",
    response=_answers({200: list[VersionOut]}, ACTION),
    url_name="kb_article_versions",
)
def kb_article_versions(request: HttpRequest, article_id: int) -> list[dict[str, Any]]:
    """Agents and admins: every saved version, newest first."""
    user = caller(request)
    selectors.check_writer(user)
    article = selectors.article_get(user=user, article_id=article_id)
    return [
        {
            "number": version.number,
            "title": version.title,
            "body": version.body,
            "author": version.author_id,
            "created_at": version.created_at,
        }
        for version in selectors.article_versions(user=user, article=article)
    ]


@router.post(
    "/articles/{int:article_id}/versions/{int:version_number}/restore/",
    response=_answers({200: ArticleOut}, ACTION),
    url_name="kb_article_version_restore",
)
def kb_article_version_restore(
    request: HttpRequest, article_id: int, version_number: int
) -> dict[str, Any]:
    """Agents and admins: a new draft holding that version's title and text (the history is
    kept); publish it to show it to readers."""
    user = caller(request)
    article = services.article_restore(actor=user, article_id=article_id, number=version_number)
    return _out(user, article)


@router.post(
    "/articles/{int:article_id}/vote/",
    response=_answers({200: VoteOut}, VOTE),
    url_name="kb_article_vote",
)
def kb_article_vote(request: HttpRequest, article_id: int, payload: VoteIn) -> dict[str, Any]:
    """ "Was this helpful?" on a published article you may read: one answer per caller, as on
    the page; answering again changes it."""
    vote = services.article_vote(
        actor=caller(request), session_key=None, article_id=article_id, helpful=payload.helpful
    )
    return {"article": vote.article_id, "helpful": vote.helpful}


@router.get(
    "/articles/{int:article_id}/images/",
    response=_answers({200: list[ImageOut]}, ACTION),
    url_name="kb_article_images",
)
def kb_article_images(request: HttpRequest, article_id: int) -> list[dict[str, Any]]:
    """Agents and admins: the article's images, newest first."""
    user = caller(request)
    selectors.check_writer(user)
    article = selectors.article_get(user=user, article_id=article_id)
    return [_image_out(image) for image in selectors.article_images(user=user, article=article)]


@router.post(
    "/articles/{int:article_id}/images/",
    response=_answers({201: ImageOut}, UPLOAD),
    url_name="kb_article_images_add",
)
def kb_article_images_add(
    request: HttpRequest, article_id: int, file: File[UploadedFile], alt: Form[str] = ""
) -> Status[dict[str, Any]]:
    """Agents and admins: upload a PNG, JPEG, GIF or WebP (at most 5 MB, typed by its
    content) as a multipart form. Put the answer's ``markdown`` into the draft's text; readers
    see the image once a published version shows it."""
    check_upload(request, frozenset({"alt"}))
    image = services.article_image_add(
        actor=caller(request), article_id=article_id, file=file, alt=alt
    )
    return Status(201, _image_out(image))


@router.delete(
    "/images/{int:image_id}/", response=_answers({204: None}, REMOVE), url_name="kb_image_remove"
)
def kb_image_remove(request: HttpRequest, image_id: int) -> Status[None]:
    """Agents and admins: remove an image that neither the draft nor the published text shows
    (409 while one does)."""
    services.article_image_remove(actor=caller(request), image_id=image_id)
    return Status(204, None)
