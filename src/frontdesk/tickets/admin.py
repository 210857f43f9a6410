"""Admin site for tickets: colour badges, inline conversation and history, filters, search,
overdue highlighting, human-readable sizes.

A face over tickets/services.py like the pages: a ticket's details and a file's description
are saved through their use cases (with their history rows), tickets and files are deleted
through theirs. Tickets are opened, and conversations written, on the pages and the APIs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from frontdesk.core.admin import ReadOnly, ReadOnlyAdmin, ServiceAdmin, ServiceForm, apply_to_each
from frontdesk.core.clock import now
from frontdesk.tickets import file_services, services
from frontdesk.tickets.models import Attachment, Message, Tag, Ticket, TicketEvent

STATUS_COLOURS = {
    "new": "#1d4ed8",
    "open": "#0f766e",
    "in_progress": "#7e22ce",
    "pending": "#b45309",
    "resolved": "#15803d",
    "closed": "#4b5563",
    "reopened": "#b91c1c",
}
PRIORITY_COLOURS = {
    "low": "#4b5563",
    "medium": "#1d4ed8",
    "high": "#b45309",
    "urgent": "#c2410c",
    "critical": "#b91c1c",
}


def _badge(label: str, colour: str) -> str:
    return format_html(
        '<span style="background:{};color:#fff;padding:2px 8px;border-radius:10px;'
        'font-size:11px;white-space:nowrap">{}</span>',
        colour,
        label,
    )


class _ReadOnlyInline(ReadOnly, admin.TabularInline):
    extra = 0
    can_delete = False


class MessageInline(_ReadOnlyInline):
    """The conversation, to read: comments are edited and deleted on the ticket's page (or
    the API), by message_edit and message_delete."""

    model = Message
    fields = ("created_at", "author", "kind", "body")
    readonly_fields = fields


class TicketEventInline(_ReadOnlyInline):
    model = TicketEvent
    fields = ("created_at", "actor", "field", "old_value", "new_value")
    readonly_fields = fields


@admin.register(Tag)
class TagAdmin(ReadOnlyAdmin):
    """Tags are set on tickets (ticket_update records each change); renaming or deleting one
    here would change every ticket carrying it without a word in their history."""

    search_fields = ("name",)


class TicketForm(ServiceForm):
    """The details an admin may change, saved by ticket_update with exactly the fields changed
    (each one a history row; a new due date schedules the SLA check)."""

    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        help_text=_("Separate tags with commas, for example: boiler, studio 2."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # model_to_dict gave the Tag rows; the field shows (and compares) their names.
        self.initial["tags"] = ", ".join(str(tag) for tag in self.initial.get("tags", ()))

    def clean_tags(self) -> list[str]:
        return [tag for tag in self.cleaned_data["tags"].split(",") if tag.strip()]

    def apply(self) -> None:
        changes = {
            name: self.cleaned_data[name]
            for name in self.changed_data
            if name in services.DETAIL_RULES
        }
        if changes:
            services.ticket_update(actor=self.actor, ticket_id=self.instance.pk, changes=changes)


@admin.register(Ticket)
class TicketAdmin(ServiceAdmin):
    list_display = (
        "number_display",
        "title",
        "status_badge",
        "priority_badge",
        "category",
        "requester",
        "assignee",
        "due_display",
        "created_at",
    )
    list_filter = ("status", "priority", "category", "channel", "tags")
    search_fields = ("title", "requester__username", "requester__email", "assignee__username")
    list_select_related = ("requester", "assignee")
    date_hierarchy = "created_at"
    inlines = (MessageInline, TicketEventInline)
    form = TicketForm
    # Status and assignee move on the ticket's page (claim, assign, the workflow's steps,
    # each with its system message); the rest is what happened, not for editing.
    readonly_fields = (
        "status",
        "assignee",
        "requester",
        "created_by",
        "organisation",
        "channel",
        "first_response_at",
        "resolved_at",
        "closed_at",
        "created_at",
        "updated_at",
        "last_activity_at",
    )
    # The details ticket_update changes (TicketForm.apply saves them through it), then the rest.
    fields = (*services.DETAIL_RULES, *readonly_fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tickets are opened by ticket_open (the pages, the APIs, email)

    def delete_model(self, request: HttpRequest, obj: Ticket) -> None:
        self._delete_each(request, [obj])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        self._delete_each(request, queryset)

    def _delete_each(self, request: HttpRequest, tickets: Iterable[Ticket]) -> None:
        apply_to_each(
            self,
            request,
            tickets,
            lambda ticket: services.ticket_delete(actor=request.user, ticket_id=ticket.pk),  # type: ignore[arg-type]
        )

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        """Its messages, files and history go with a ticket: ticket_delete's rule (admins
        only), not each model's own permissions here (history is never deleted alone)."""
        deleted, counts, _, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    @admin.display(description=_("Number"), ordering="id")
    def number_display(self, ticket: Ticket) -> str:
        return ticket.number

    @admin.display(description=_("Status"), ordering="status")
    def status_badge(self, ticket: Ticket) -> str:
        return _badge(ticket.get_status_display(), STATUS_COLOURS[ticket.status])

    @admin.display(description=_("Priority"), ordering="priority")
    def priority_badge(self, ticket: Ticket) -> str:
        return _badge(ticket.get_priority_display(), PRIORITY_COLOURS[ticket.priority])

    @admin.display(description=_("Due"), ordering="due_at")
    def due_display(self, ticket: Ticket) -> str:
        if ticket.due_at is None:
            return "—"
        if not ticket.is_done and ticket.due_at < now():
            return format_html(
                '<strong style="color:#b91c1c">{} · {}</strong>',
                gettext("Overdue"),
                ticket.due_at.strftime("%Y-%m-%d %H:%M"),
            )
        return ticket.due_at.strftime("%Y-%m-%d %H:%M")


class AttachmentForm(ServiceForm):
    def apply(self) -> None:
        if "description" in self.changed_data:
            file_services.attachment_describe(
                actor=self.actor,
                attachment_id=self.instance.pk,
                description=self.cleaned_data["description"],
            )


@admin.register(Attachment)
class AttachmentAdmin(ServiceAdmin):
    """Files arrive through the attachment service (sniffed, hashed, sanitised); here they can
    be looked at, described (attachment_describe) or deleted (attachment_delete), never
    uploaded or swapped."""

    form = AttachmentForm
    list_display = ("original_name", "size_display", "content_type", "uploader", "created_at")
    search_fields = ("original_name", "sha256")
    fields = (
        "download",
        "original_name",
        "description",
        "message",
        "uploader",
        "size",
        "content_type",
        "sha256",
        "created_at",
    )
    readonly_fields = (
        "download",
        "original_name",
        "message",
        "uploader",
        "size",
        "content_type",
        "sha256",
        "created_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: Attachment) -> None:
        self._delete_each(request, [obj])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Attachment]) -> None:
        self._delete_each(request, queryset)

    def _delete_each(self, request: HttpRequest, files: Iterable[Attachment]) -> None:
        apply_to_each(
            self,
            request,
            files,
            lambda file: file_services.attachment_delete(actor=request.user, attachment_id=file.pk),  # type: ignore[arg-type]
        )

    @admin.display(description=_("File"))
    def download(self, attachment: Attachment) -> str:
        # The permission-checked view: the storage itself is never served.
        return format_html('<a href="{}">{}</a>', attachment.url, attachment.original_name)

    @admin.display(description=_("Size"), ordering="size")
    def size_display(self, attachment: Attachment) -> str:
        return filesizeformat(attachment.size)


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "ticket", "actor", "field", "old_value", "new_value")
    list_filter = ("field",)
    list_select_related = ("ticket", "actor")
