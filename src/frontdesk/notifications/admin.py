"""The outbox, to read: what was sent to whom, what is waiting, and what failed and why.

Rows are written by the notification rules and changed only by delivery; the one thing an
admin does here, sending failed mail again, is a use case (services.outbox_retry). The admin
index says how many mails failed, with a link to them.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import truncatechars
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from frontdesk.core.admin import ReadOnlyAdmin
from frontdesk.core.errors import DomainError
from frontdesk.notifications.models import OutboxMail
from frontdesk.notifications.services import outbox_retry
from frontdesk.tickets.models import Ticket

admin.site.index_template = "notifications/admin/index.html"


@admin.action(description=_("Send the selected failed mails again"))
def send_again(
    modeladmin: OutboxMailAdmin, request: HttpRequest, queryset: QuerySet[OutboxMail]
) -> None:
    selected = [row.pk for row in queryset]
    try:
        queued = outbox_retry(actor=request.user, mail_ids=selected)  # type: ignore[arg-type]
    except DomainError as exc:
        modeladmin.message_user(request, exc.said(), messages.ERROR)
        return
    if queued:
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d mail will be sent again.", "%(count)d mails will be sent again.", queued
            )
            % {"count": queued},
        )
    if len(selected) > queued:
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d selected mail had not failed and was left as it is.",
                "%(count)d selected mails had not failed and were left as they are.",
                len(selected) - queued,
            )
            % {"count": len(selected) - queued},
            messages.WARNING,
        )


@admin.register(OutboxMail)
class OutboxMailAdmin(ReadOnlyAdmin):
    # What tells a failed mail apart first: the admin's list scrolls sideways on narrow screens.
    list_display = (
        "created_at",
        "to_address",
        "status",
        "attempts",
        "error_display",
        "kind",
        "ticket_number",
    )
    list_filter = ("status", "kind")
    search_fields = ("to_address",)
    date_hierarchy = "created_at"
    actions = [send_again]
    fields = (
        "kind",
        "status",
        "to_address",
        "recipient",
        "ticket",
        "message",
        "event",
        "subject",
        "message_id_header",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "sent_at",
        "data",
    )

    @admin.display(description=_("ticket"), ordering="ticket")
    def ticket_number(self, mail: OutboxMail) -> str:
        return Ticket.number_for(mail.ticket_id) if mail.ticket_id else "-"

    @admin.display(description=_("last error"))
    def error_display(self, mail: OutboxMail) -> str:
        return truncatechars(mail.last_error, 70)
