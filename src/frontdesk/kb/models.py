"""The knowledge base: categories of articles, and articles with a draft, a published copy
and the history of their versions; readers' "was this helpful?" votes; a log of every change.

An article's draft is its ``title`` and ``body``, the newest of its versions. Publishing copies
the draft into the ``published_*`` fields (the HTML rendered once, kb/markdown.py), which are
what readers see and what search indexes (migration 0002: FTS5 on SQLite, a weighted tsvector
on PostgreSQL). Unpublishing empties them."""

from __future__ import annotations

import re
import secrets
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from frontdesk.core.clock import now
from frontdesk.core.errors import Said


class Visibility(models.TextChoices):
    PUBLIC = "public", gettext_noop("Public")
    INTERNAL = "internal", gettext_noop("Internal (staff only)")


class Category(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    order = models.PositiveIntegerField(default=0)
    description = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering: ClassVar = ["order", "name", "id"]
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    slug = models.SlugField(max_length=120, unique=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="articles")
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    # The draft: the newest version.
    title = models.CharField(max_length=200)
    body = models.TextField()
    draft_number = models.PositiveIntegerField(default=1)
    # The published copy; empty (and published_at None) while unpublished.
    published_number = models.PositiveIntegerField(null=True, blank=True)
    published_title = models.CharField(max_length=200, blank=True, default="")
    published_body = models.TextField(blank=True, default="")
    published_html = models.TextField(blank=True, default="")
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering: ClassVar = ["title", "id"]
        indexes: ClassVar = [
            models.Index(fields=["category", "published_at"], name="kb_article_category_idx")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def has_unpublished_changes(self) -> bool:
        return self.published_number != self.draft_number

    @property
    def is_internal(self) -> bool:
        return self.visibility == Visibility.INTERNAL


class ArticleVersion(models.Model):
    """One saved draft of an article: who wrote it and when. Never changed afterwards."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering: ClassVar = ["-number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["article", "number"], name="kb_version_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


class ArticleVote(models.Model):
    """A reader's answer to "Was this helpful?": one per signed-in user, or per browser session
    for an anonymous reader; voting again changes the answer."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    session_key = models.CharField(max_length=64, blank=True, default="")
    helpful = models.BooleanField()
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["article", "user"],
                condition=Q(user__isnull=False),
                name="kb_vote_one_per_user",
            ),
            models.UniqueConstraint(
                fields=["article", "session_key"],
                condition=Q(user__isnull=True),
                name="kb_vote_one_per_session",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(session_key=""),
                name="kb_vote_has_voter",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article_id}: {'yes' if self.helpful else 'no'}"


# The images an article may show, recognised by content (kb/images.py), and their suffixes.
IMAGE_TYPES = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
}


def _image_path(instance: models.Model, filename: str) -> str:
    # A random name under kb/: the uploader's file name is kept only as data.
    suffix = getattr(instance, "suffix", "")
    return f"kb/{now():%Y/%m}/{secrets.token_hex(16)}{suffix}"


class ArticleImage(models.Model):
    """An image shown in an article's text as ``![alt](/kb/images/<id>)``. Served only to
    those who may read its article (kb/selectors.py), never as a static file."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="images")
    file = models.FileField(upload_to=_image_path, max_length=255)
    original_name = models.CharField(max_length=255)
    alt = models.CharField(max_length=200, blank=True, default="")
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=30)
    sha256 = models.CharField(max_length=64)
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def suffix(self) -> str:
        return IMAGE_TYPES.get(self.content_type, "")

    @property
    def url(self) -> str:
        return f"/kb/images/{self.pk}"

    def is_in(self, text: str) -> bool:
        """Does ``text`` (an article's Markdown) show this image (its address, not a longer
        one that begins the same)?"""
        return re.search(rf"{re.escape(self.url)}(?![0-9])", text) is not None

    @property
    def markdown(self) -> str:
        alt = self.alt.replace("[", "(").replace("]", ")")
        return f"![{alt}]({self.url})"


class Action(models.TextChoices):
    CATEGORY_CREATED = "category_created", gettext_noop("Category created")
    CATEGORY_CHANGED = "category_changed", gettext_noop("Category changed")
    CATEGORY_DELETED = "category_deleted", gettext_noop("Category deleted")
    ARTICLE_CREATED = "article_created", gettext_noop("Article created")
    DRAFT_SAVED = "draft_saved", gettext_noop("Draft saved")
    ARTICLE_CHANGED = "article_changed", gettext_noop("Article details changed")
    PUBLISHED = "published", gettext_noop("Published")
    UNPUBLISHED = "unpublished", gettext_noop("Unpublished")
    VERSION_RESTORED = "version_restored", gettext_noop("Version restored")
    IMAGE_ADDED = "image_added", gettext_noop("Image added")
    IMAGE_REMOVED = "image_removed", gettext_noop("Image removed")


class KbEvent(models.Model):
    """The knowledge base's history: who changed what, when. Kept when the category goes."""

    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    summary = models.CharField(max_length=300, blank=True, default="")
    # The summary's facts when it is a sentence (core/errors.Said.facts), to say it in the
    # reader's language; None for a name (shown as written) or an event logged before.
    summary_facts = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.summary}"

    def summary_said(self) -> str:
        """The summary in the active language; as stored when its facts were not kept."""
        if self.summary_facts:
            return Said.from_facts(self.summary_facts).said()
        return self.summary
