"""Knowledge-base use cases: categories (admins), articles and their versions (agents and
admins), publishing, and readers' votes. Each checks its actor (kb/selectors.py's
``check_writer`` and ``check_category_admin``), runs in one transaction and writes a
:class:`~frontdesk.kb.models.KbEvent` (an edit also an :class:`ArticleVersion`).

Editing an article saves a draft: a new version with its author and time, the published copy
untouched. Publishing copies the draft into the published fields, rendered to safe HTML once.
Category, visibility and address are the article's, not a version's: they change at once."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import User
from frontdesk.core.clock import now
from frontdesk.core.errors import Conflict, InvalidInput, NotAllowed, NotFound, Said
from frontdesk.core.text import is_one_printable_line, is_storable_text, with_unix_line_breaks
from frontdesk.kb import images, selectors
from frontdesk.kb.markdown import markdown_to_html
from frontdesk.kb.models import (
    Action,
    Article,
    ArticleImage,
    ArticleVersion,
    ArticleVote,
    Category,
    KbEvent,
    Visibility,
)

TITLE_MAX = 200
BODY_MAX = 100_000
NAME_MAX = 100
DESCRIPTION_MAX = 300
CATEGORY_SLUG_MAX = 60
ARTICLE_SLUG_MAX = 120
ORDER_MAX = 10_000
# Category addresses that would hide the help centre's own pages (/kb/articles/..., ...).
RESERVED_SLUGS = frozenset({"articles", "manage", "search", "suggest", "new", "categories"})
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


# --- the rules for each value -------------------------------------------------------------


def _line(value: object, *, field: str, label: str, limit: int, required: bool = True) -> str:
    # The field's name said in the reader's language (the catalogue's "model" context, where
    # the fields' names are): "Rellena el campo título.", not "... title.".
    named = Said(label, context="model")
    if not isinstance(value, str):
        raise InvalidInput(
            gettext_noop("The %(label)s must be text."), values={"label": named}, field=field
        )
    text = " ".join(value.split())
    if not is_one_printable_line(text):
        raise InvalidInput(
            gettext_noop("The %(label)s contains characters that cannot be shown."),
            values={"label": named},
            field=field,
        )
    if required and not text:
        raise InvalidInput(
            gettext_noop("Give the %(label)s."), values={"label": named}, field=field
        )
    if len(text) > limit:
        raise InvalidInput(
            gettext_noop("The %(label)s can be at most %(limit)s characters."),
            values={"label": named, "limit": f"{limit:,}"},
            field=field,
        )
    return text


def _body(value: object) -> str:
    if not isinstance(value, str) or not is_storable_text(value):
        raise InvalidInput(
            gettext_noop("The text contains characters that cannot be stored."), field="body"
        )
    body = with_unix_line_breaks(value).strip("\n")
    if not body.strip():
        raise InvalidInput(gettext_noop("Write the article's text."), field="body")
    if len(body) > BODY_MAX:
        raise InvalidInput(
            gettext_noop("The text can be at most %(limit)s characters."),
            values={"limit": f"{BODY_MAX:,}"},
            field="body",
        )
    return body


def _slug(value: object, *, limit: int, reserved: frozenset[str] = frozenset()) -> str:
    if not isinstance(value, str):
        raise InvalidInput(gettext_noop("The address must be text."), field="slug")
    slug = value.strip().lower()
    if not _SLUG.match(slug) or len(slug) > limit:
        raise InvalidInput(
            gettext_noop(
                "An address is lower-case letters, digits and single hyphens, at most %(limit)s "
                "characters."
            ),
            values={"limit": limit},
            field="slug",
        )
    if slug in reserved:
        raise InvalidInput(
            gettext_noop("The address %(slug)s is the help centre's own."),
            values={"slug": repr(slug)},
            field="slug",
        )
    return slug


def _slug_from(text: str, *, limit: int, default: str) -> str:
    return slugify(text)[:limit].strip("-") or default


def _visibility(value: object) -> str:
    if value not in Visibility.values:
        raise InvalidInput(gettext_noop("Choose public or internal."), field="visibility")
    return str(value)


def _order(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= ORDER_MAX:
        raise InvalidInput(
            gettext_noop("The order is a whole number from 0 to %(limit)s."),
            values={"limit": ORDER_MAX},
            field="order",
        )
    return value


def _category_id(value: object) -> Category:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(gettext_noop("Choose a category."), field="category")
    try:
        return selectors.category_get(category_id=value)
    except NotFound:
        raise InvalidInput(
            gettext_noop("Choose a category from the list."), field="category"
        ) from None


def _cleaned(
    values: Mapping[str, Any], rules: Mapping[str, Callable[[Any], Any]]
) -> dict[str, Any]:
    unknown = sorted(set(values) - set(rules))
    if unknown:
        raise InvalidInput(
            gettext_noop("These fields cannot be set: %(fields)s."),
            values={"fields": ", ".join(unknown)},
            field=unknown[0],
        )
    return {name: rules[name](value) for name, value in values.items()}


def _save(row: Any, fields: list[str] | None = None) -> None:
    """In a savepoint: an address or name taken at the same moment is a Conflict, not a 500."""
    try:
        with transaction.atomic():
            row.save(update_fields=fields)
    except IntegrityError as exc:
        raise Conflict(
            gettext_noop("That name or address was just taken: choose another.")
        ) from exc


def _version(number: int) -> Said:
    return Said(gettext_noop("version %(number)s"), {"number": number})


def _log(actor: User, action: str, summary: str | Said, **about: Any) -> None:
    """A sentence is kept as English and as its facts (said in the reader's language); a
    name people wrote is kept as it is."""
    facts = summary.facts() if isinstance(summary, Said) else None
    KbEvent.objects.create(
        actor=actor, action=action, summary=str(summary)[:300], summary_facts=facts, **about
    )


# --- categories (admins) ------------------------------------------------------------------

CATEGORY_RULES: dict[str, Callable[[Any], Any]] = {
    "name": lambda v: _line(v, field="name", label="name", limit=NAME_MAX),
    "slug": lambda v: _slug(v, limit=CATEGORY_SLUG_MAX, reserved=RESERVED_SLUGS) if v else "",
    "order": _order,
    "description": lambda v: _line(
        v, field="description", label="description", limit=DESCRIPTION_MAX, required=False
    ),
}


def _check_category_free(name: str, slug: str, *, category_id: int | None = None) -> None:
    others = Category.objects.exclude(pk=category_id) if category_id else Category.objects.all()
    if others.filter(name__iexact=name).exists():
        raise InvalidInput(
            gettext_noop("There is already a category named %(name)s."),
            values={"name": repr(name)},
            field="name",
        )
    if others.filter(slug=slug).exists():
        raise InvalidInput(
            gettext_noop("Another category has the address %(slug)s."),
            values={"slug": repr(slug)},
            field="slug",
        )


def category_create(*, actor: User, values: Mapping[str, Any]) -> Category:
    selectors.check_category_admin(actor)
    data = _cleaned(values, CATEGORY_RULES)
    if "name" not in data:
        raise InvalidInput(gettext_noop("Give the category a name."), field="name")
    data.setdefault("slug", "")
    if not data["slug"]:
        data["slug"] = _slug_from(data["name"], limit=CATEGORY_SLUG_MAX, default="category")
        if data["slug"] in RESERVED_SLUGS:
            data["slug"] += "-1"
    with transaction.atomic():
        _check_category_free(data["name"], data["slug"])
        category = Category(**data)
        _save(category)
        _log(actor, Action.CATEGORY_CREATED, category.name, category=category)
    return category


def category_update(*, actor: User, category_id: int, values: Mapping[str, Any]) -> Category:
    selectors.check_category_admin(actor)
    data = _cleaned(values, CATEGORY_RULES)
    if data.get("slug") == "":
        del data["slug"]  # empty: the address stays
    with transaction.atomic():
        category = selectors.category_get(category_id=category_id)
        changed = [name for name, value in data.items() if getattr(category, name) != value]
        if not changed:
            return category
        for name in changed:
            setattr(category, name, data[name])
        _check_category_free(category.name, category.slug, category_id=category.pk)
        category.updated_at = now()
        _save(category, [*changed, "updated_at"])
        _log(
            actor,
            Action.CATEGORY_CHANGED,
            Said(
                gettext_noop("%(name)s: %(fields)s"),
                {"name": category.name, "fields": ", ".join(changed)},
            ),
            category=category,
        )
    return category


def category_delete(*, actor: User, category_id: int) -> None:
    """Only an empty category goes: its articles would have nowhere to be."""
    selectors.check_category_admin(actor)
    with transaction.atomic():
        category = selectors.category_get(category_id=category_id)
        if category.articles.exists():
            raise Conflict(
                gettext_noop(
                    "“%(name)s” still holds articles: move them to another category first."
                ),
                values={"name": category.name},
            )
        _log(actor, Action.CATEGORY_DELETED, category.name)
        category.delete()


# --- articles (agents and admins) ---------------------------------------------------------

ARTICLE_RULES: dict[str, Callable[[Any], Any]] = {
    "title": lambda v: _line(v, field="title", label="title", limit=TITLE_MAX),
    "body": _body,
    "slug": lambda v: _slug(v, limit=ARTICLE_SLUG_MAX) if v else "",
    "category": _category_id,
    "visibility": _visibility,
}


def _check_slug_free(slug: str, *, article_id: int | None = None) -> None:
    others = Article.objects.exclude(pk=article_id) if article_id else Article.objects.all()
    if others.filter(slug=slug).exists():
        raise InvalidInput(
            gettext_noop("Another article has the address %(slug)s."),
            values={"slug": repr(slug)},
            field="slug",
        )


def _free_slug(title: str) -> str:
    base = _slug_from(title, limit=ARTICLE_SLUG_MAX - 4, default="article")
    slug, number = base, 1
    while Article.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


def article_create(*, actor: User, values: Mapping[str, Any]) -> Article:
    """A new article, a draft (version 1) until it is published."""
    selectors.check_writer(actor)
    data = _cleaned(values, ARTICLE_RULES)
    for needed, words in (
        ("title", gettext_noop("Give the article a title.")),
        ("body", gettext_noop("Write the text.")),
    ):
        if needed not in data:
            raise InvalidInput(words, field=needed)
    if "category" not in data:
        raise InvalidInput(gettext_noop("Choose a category."), field="category")
    with transaction.atomic():
        slug = data.pop("slug", "") or _free_slug(data["title"])
        _check_slug_free(slug)
        article = Article(slug=slug, created_by=actor, draft_number=1, **data)
        _save(article)
        ArticleVersion.objects.create(
            article=article, number=1, title=article.title, body=article.body, author=actor
        )
        _log(actor, Action.ARTICLE_CREATED, article.title, article=article)
    return article


def article_update(*, actor: User, article_id: int, values: Mapping[str, Any]) -> Article:
    """Save a new draft (title, body) and change the article's category, visibility or
    address. A new text is a new version; the published copy stays as it was until
    :func:`article_publish`. Values that did not change are left alone."""
    user = selectors.check_writer(actor)
    data = _cleaned(values, ARTICLE_RULES)
    with transaction.atomic():
        article = selectors.article_get(user=user, article_id=article_id)
        article = Article.objects.select_for_update().get(pk=article.pk)
        if data.get("slug") == "":
            del data["slug"]
        changed = [name for name, value in data.items() if getattr(article, name) != value]
        if not changed:
            return article
        for name in changed:
            setattr(article, name, data[name])
        fields = [*changed]
        if "slug" in changed:
            _check_slug_free(article.slug, article_id=article.pk)
        if "title" in changed or "body" in changed:
            article.draft_number += 1
            fields.append("draft_number")
            ArticleVersion.objects.create(
                article=article,
                number=article.draft_number,
                title=article.title,
                body=article.body,
                author=actor,
            )
            _log(actor, Action.DRAFT_SAVED, _version(article.draft_number), article=article)
        details = [name for name in changed if name not in ("title", "body")]
        if details:
            words = ", ".join(f"{name} {getattr(article, name)}" for name in details)
            _log(actor, Action.ARTICLE_CHANGED, words, article=article)  # codes and values
        article.updated_at = now()
        _save(article, [*fields, "updated_at"])
    return article


def article_restore(*, actor: User, article_id: int, number: int) -> Article:
    """Make an old version the draft again: a NEW version holding its title and text, so the
    history is kept, never rewritten. The published copy stays until :func:`article_publish`."""
    user = selectors.check_writer(actor)
    with transaction.atomic():
        selectors.article_get(user=user, article_id=article_id)
        article = Article.objects.select_for_update().get(pk=article_id)
        version = selectors.article_version(user=user, article=article, number=number)
        if version.number == article.draft_number:
            raise InvalidInput(
                gettext_noop("Version %(number)s is already the draft."),
                values={"number": version.number},
            )
        if (version.title, version.body) == (article.title, article.body):
            raise InvalidInput(
                gettext_noop(
                    "Version %(number)s says the same as the draft (version %(draft)s): there "
                    "is nothing to restore."
                ),
                values={"number": version.number, "draft": article.draft_number},
            )
        article.title, article.body = version.title, version.body
        article.draft_number += 1
        ArticleVersion.objects.create(
            article=article,
            number=article.draft_number,
            title=article.title,
            body=article.body,
            author=actor,
        )
        _log(
            actor,
            Action.VERSION_RESTORED,
            Said(
                gettext_noop("version %(number)s, a copy of version %(copied)s"),
                {"number": article.draft_number, "copied": version.number},
            ),
            article=article,
        )
        article.updated_at = now()
        article.save(update_fields=["title", "body", "draft_number", "updated_at"])
    return article


def article_publish(*, actor: User, article_id: int) -> Article:
    """Make the draft the published version, which readers (and search) then see."""
    user = selectors.check_writer(actor)
    with transaction.atomic():
        selectors.article_get(user=user, article_id=article_id)
        article = Article.objects.select_for_update().get(pk=article_id)
        if article.is_published and not article.has_unpublished_changes:
            raise InvalidInput(gettext_noop("This version is already published."))
        article.published_number = article.draft_number
        article.published_title = article.title
        article.published_body = article.body
        article.published_html = markdown_to_html(article.body)
        article.published_at = now()
        article.published_by = actor
        article.updated_at = article.published_at
        article.save(
            update_fields=[
                "published_number",
                "published_title",
                "published_body",
                "published_html",
                "published_at",
                "published_by",
                "updated_at",
            ]
        )
        _log(actor, Action.PUBLISHED, _version(article.draft_number), article=article)
    return article


def article_unpublish(*, actor: User, article_id: int) -> Article:
    """Take the article out of the help centre (and search); its draft and versions stay."""
    user = selectors.check_writer(actor)
    with transaction.atomic():
        selectors.article_get(user=user, article_id=article_id)
        article = Article.objects.select_for_update().get(pk=article_id)
        if not article.is_published:
            raise InvalidInput(gettext_noop("This article is not published."))
        article.published_number = None
        article.published_title = ""
        article.published_body = ""
        article.published_html = ""
        article.published_at = None
        article.published_by = None
        article.updated_at = now()
        article.save(
            update_fields=[
                "published_number",
                "published_title",
                "published_body",
                "published_html",
                "published_at",
                "published_by",
                "updated_at",
            ]
        )
        _log(actor, Action.UNPUBLISHED, article.title, article=article)
    return article


def article_preview(*, actor: User, body: object) -> str:
    """The HTML a text would publish as, for the editor's preview: nothing is saved."""
    selectors.check_writer(actor)
    if not isinstance(body, str) or not is_storable_text(body):
        raise InvalidInput(
            gettext_noop("The text contains characters that cannot be stored."), field="body"
        )
    if len(body) > BODY_MAX:
        raise InvalidInput(
            gettext_noop("The text can be at most %(limit)s characters."),
            values={"limit": f"{BODY_MAX:,}"},
            field="body",
        )
    return markdown_to_html(with_unix_line_breaks(body))


# --- images (agents and admins) -----------------------------------------------------------

ALT_MAX = 200


def article_image_add(
    *, actor: User, article_id: int, file: object, alt: object = ""
) -> ArticleImage:
    """Upload an image for an article's text (kb/images.py checks and stores it); the caller
    puts its ``markdown`` into the text. Readers see it with the article, as the article."""
    user = selectors.check_writer(actor)
    text = _line(alt, field="alt", label="description", limit=ALT_MAX, required=False)
    selectors.article_get(user=user, article_id=article_id)
    stored = images.store(file)  # before the transaction: no lock held while it is copied
    try:
        with transaction.atomic():
            article = selectors.article_get(user=user, article_id=article_id)
            image = ArticleImage.objects.create(
                article=article,
                file=stored.storage_name,
                original_name=stored.original_name,
                alt=text,
                size=stored.size,
                content_type=stored.content_type,
                sha256=stored.sha256,
                uploader=actor,
            )
            _log(actor, Action.IMAGE_ADDED, f"{image.original_name} ({image.url})", article=article)
    except BaseException:
        images.discard(stored.storage_name)
        raise
    return image


def article_image_remove(*, actor: User, image_id: int) -> Article:
    """Remove an image no longer in the draft nor in the published text (a reader would see
    it broken); old versions that showed it then show it as missing."""
    user = selectors.check_writer(actor)
    with transaction.atomic():
        image = selectors.image_get(user=user, image_id=image_id)
        article = Article.objects.select_for_update().get(pk=image.article_id)
        if image.is_in(article.body) or image.is_in(article.published_body):
            raise Conflict(
                gettext_noop(
                    "%(name)s is still in the article's draft: take %(markdown)s out of it "
                    "(and publish) first."
                )
                if image.is_in(article.body)
                else gettext_noop(
                    "%(name)s is still in the article's published text: take %(markdown)s out "
                    "of it (and publish) first."
                ),
                values={"name": image.original_name, "markdown": image.markdown},
            )
        _log(actor, Action.IMAGE_REMOVED, f"{image.original_name} ({image.url})", article=article)
        name = image.file.name
        image.delete()
        images.delete_after_commit(name)
    return article


# --- readers' votes -----------------------------------------------------------------------

NEED_SESSION = gettext_noop("Voting needs cookies: allow them for this site and try again.")


def article_vote(
    *, actor: User | AnonymousUser, session_key: str | None, article_id: int, helpful: object
) -> ArticleVote:
    """Record "was this helpful?" for a published article the reader may see: one answer per
    signed-in user, or per browser session when nobody is signed in. Answering again
    changes the answer."""
    if not isinstance(helpful, bool):
        raise InvalidInput(gettext_noop("Answer yes or no."), field="helpful")
    signed_in = isinstance(actor, User)
    if not signed_in and not session_key:
        raise NotAllowed(NEED_SESSION)
    with transaction.atomic():
        article = selectors.article_get(user=actor, article_id=article_id)
        if not article.is_published:
            raise InvalidInput(gettext_noop("Readers vote on published articles."))
        voter: dict[str, Any] = (
            {"user": actor} if signed_in else {"user": None, "session_key": session_key}
        )
        vote = ArticleVote.objects.select_for_update().filter(article=article, **voter).first()
        if vote is None:
            vote = ArticleVote(article=article, helpful=helpful, **voter)
            try:
                with transaction.atomic():
                    vote.save()
            except IntegrityError as exc:
                raise Conflict(
                    gettext_noop("Your answer was just recorded; reload the page.")
                ) from exc
        elif vote.helpful != helpful:
            vote.helpful = helpful
            vote.updated_at = now()
            vote.save(update_fields=["helpful", "updated_at"])
    return vote
