"""Admin site for tickets: colour badges, inline conversation and files, read-only history,
filters, search, overdue highlighting, human-readable sizes, autocomplete."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html

from frontdesk.core.clock import now
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


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ("created_at", "author", "kind", "body")
    readonly_fields = ("created_at", "author", "kind")
    can_delete = False
    show_change_link = True


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    fields = ("created_at", "actor", "field", "old_value", "new_value")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Ticket | None = None) -> bool:
        return False


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
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
    autocomplete_fields = ("requester", "assignee", "organisation", "created_by", "tags")
    list_select_related = ("requester", "assignee")
    date_hierarchy = "created_at"
    inlines = (MessageInline, TicketEventInline)
    readonly_fields = (
        "status",
        "assignee",
        "first_response_at",
        "resolved_at",
        "closed_at",
        "created_at",
        "updated_at",
        "last_activity_at",
        # Changed through the use cases only, which record each change and decide who hears.
        "resolution",
        "resolution_public",
    )

    @admin.display(description="Number", ordering="id")
    def number_display(self, ticket: Ticket) -> str:
        return ticket.number

    @admin.display(description="Status", ordering="status")
    def status_badge(self, ticket: Ticket) -> str:
        return _badge(ticket.get_status_display(), STATUS_COLOURS[ticket.status])

    @admin.display(description="Priority", ordering="priority")
    def priority_badge(self, ticket: Ticket) -> str:
        return _badge(ticket.get_priority_display(), PRIORITY_COLOURS[ticket.priority])

    @admin.display(description="Due", ordering="due_at")
    def due_display(self, ticket: Ticket) -> str:
        if ticket.due_at is None:
            return "—"
        if not ticket.is_done and ticket.due_at < now():
            return format_html(
                '<strong style="color:#b91c1c">Overdue · {}</strong>',
                ticket.due_at.strftime("%Y-%m-%d %H:%M"),
            )
        return ticket.due_at.strftime("%Y-%m-%d %H:%M")


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    """Files arrive through the attachment service (sniffed, hashed, sanitised); here they can
    be looked at, described, or deleted, never uploaded or swapped."""

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

    @admin.display(description="File")
    def download(self, attachment: Attachment) -> str:
        # The permission-checked view: the storage itself is never served.
        return format_html('<a href="{}">{}</a>', attachment.url, attachment.original_name)

    @admin.display(description="Size", ordering="size")
    def size_display(self, attachment: Attachment) -> str:
        return filesizeformat(attachment.size)


@admin.register(TicketEvent)
class TicketEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "ticket", "actor", "field", "old_value", "new_value")
    list_filter = ("field",)
    list_select_related = ("ticket", "actor")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: TicketEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: TicketEvent | None = None) -> bool:
        return False
