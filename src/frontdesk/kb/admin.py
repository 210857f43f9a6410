"""The knowledge base in the admin (/admin/kb/): categories, and articles' drafts, category,
visibility and address, saved through their use cases (kb/services.py); publishing and
unpublishing as actions; articles' images uploaded and removed through theirs. The history is
read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from frontdesk.core.admin import ReadOnlyAdmin, ServiceAdmin, ServiceForm, apply_to_each
from frontdesk.core.errors import DomainError
from frontdesk.kb import services
from frontdesk.kb.models import Article, ArticleImage, Category, KbEvent


class CategoryForm(ServiceForm):
    class Meta:
        model = Category
        fields = ("name", "slug", "order", "description")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.creating = self.instance.pk is None  # apply runs twice (ServiceForm.clean)
        self.fields["slug"].required = False

    def apply(self) -> None:
        values = {name: self.cleaned_data[name] or "" for name in ("name", "slug", "description")}
        values["order"] = self.cleaned_data["order"]
        if self.creating:
            self.instance.pk = services.category_create(actor=self.actor, values=values).pk
        else:
            services.category_update(actor=self.actor, category_id=self.instance.pk, values=values)


@admin.register(Category)
class CategoryAdmin(ServiceAdmin):
    form = CategoryForm
    list_display = ("name", "slug", "order")
    search_fields = ("name", "slug")
    fields = ("name", "slug", "order", "description")

    def delete_model(self, request: HttpRequest, obj: Category) -> None:
        services.category_delete(actor=request.user, category_id=obj.pk)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Category]) -> None:
        apply_to_each(self, request, queryset, lambda c: self.delete_model(request, c))


class ArticleForm(ServiceForm):
    class Meta:
        model = Article
        fields = ("title", "category", "visibility", "slug", "body")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.creating = self.instance.pk is None  # apply runs twice (ServiceForm.clean)
        self.fields["slug"].required = False

    def apply(self) -> None:
        data = self.cleaned_data
        values = {
            "title": data["title"],
            "body": data["body"],
            "category": data["category"].pk,
            "visibility": data["visibility"],
            "slug": data["slug"] or "",
        }
        if self.creating:
            self.instance.pk = services.article_create(actor=self.actor, values=values).pk
        else:
            services.article_update(actor=self.actor, article_id=self.instance.pk, values=values)


@admin.register(Article)
class ArticleAdmin(ServiceAdmin):
    """Saving keeps a draft; "Publish" and "Unpublish" act on the selected articles."""

    form = ArticleForm
    list_display = ("title", "category", "visibility", "draft_number", "published_number")
    list_filter = ("visibility", "category")
    list_select_related = ("category",)
    search_fields = ("title", "slug")
    fields = ("title", "category", "visibility", "slug", "body")
    actions = ("publish", "unpublish")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # unpublish instead: the versions and history stay

    @admin.action(description=_("Publish the draft of the selected articles"))
    def publish(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        apply_to_each(
            self,
            request,
            queryset,
            lambda a: services.article_publish(actor=request.user, article_id=a.pk),  # type: ignore[arg-type]
            lambda n: (
                ngettext("%(count)d article published.", "%(count)d articles published.", n)
                % {"count": n}
            ),
        )

    @admin.action(description=_("Unpublish the selected articles"))
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        apply_to_each(
            self,
            request,
            queryset,
            lambda a: services.article_unpublish(actor=request.user, article_id=a.pk),  # type: ignore[arg-type]
            lambda n: (
                ngettext("%(count)d article unpublished.", "%(count)d articles unpublished.", n)
                % {"count": n}
            ),
        )


@admin.register(ArticleImage)
class ArticleImageAdmin(admin.ModelAdmin):
    """Images are listed and removed here (through the use case, which refuses one still in an
    article's text); they are uploaded from the article's editor, which puts them in the text."""

    list_display = ("original_name", "article", "content_type", "size", "uploader", "created_at")
    list_select_related = ("article", "uploader")
    search_fields = ("original_name", "alt", "article__title")
    fields = ("article", "original_name", "alt", "content_type", "size", "sha256", "uploader")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: Any = None
    ) -> HttpResponse:
        """A refusal (the image is still in the text) is a message, and nothing is deleted."""
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as exc:
            self.message_user(request, exc.said(), messages.ERROR)
            return redirect("admin:kb_articleimage_changelist")

    def delete_model(self, request: HttpRequest, obj: ArticleImage) -> None:
        services.article_image_remove(actor=request.user, image_id=obj.pk)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ArticleImage]) -> None:
        apply_to_each(self, request, queryset, lambda i: self.delete_model(request, i))


@admin.register(KbEvent)
class KbEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "action", "actor", "article", "category", "summary")
    list_filter = ("action",)
    list_select_related = ("actor", "article", "category")
