"""Stored mail, for admins: every mail that arrived, what became of it and why, its headers as
parsed, and the raw message to download. Read-only: held mail is accepted or dismissed through
the services (here as actions, and for agents on the held-mail page)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from frontdesk.core.admin import ReadOnlyAdmin, apply_to_each
from frontdesk.core.errors import DomainError
from frontdesk.mail import services
from frontdesk.mail.models import InboundMail
from frontdesk.mail.parsing import parse

HEADERS_SHOWN = 60


@admin.register(InboundMail)
class InboundMailAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "received_at",
        "status",
        "from_address",
        "subject",
        "ticket",
        "size_shown",
    )
    list_filter = ("status", "source")
    search_fields = ("from_address", "subject", "message_id_header", "reason")
    date_hierarchy = "received_at"
    list_select_related = ("ticket",)
    fields = (
        "status",
        "reason",
        "received_at",
        "processed_at",
        "source",
        "envelope_from",
        "envelope_to",
        "from_address",
        "from_name",
        "subject",
        "message_id_header",
        "size_shown",
        "ticket",
        "message",
        "decided_by",
        "decided_at",
        "raw_download",
        "headers_shown",
    )
    readonly_fields = fields
    actions = ("accept_held", "dismiss_held")

    def get_queryset(self, request: HttpRequest) -> QuerySet[InboundMail]:
        return super().get_queryset(request).defer("raw")

    @admin.display(description=_("size"), ordering="size")
    def size_shown(self, mail: InboundMail) -> str:
        return str(filesizeformat(mail.size))

    @admin.display(description=_("raw mail"))
    def raw_download(self, mail: InboundMail) -> str:
        url = reverse("admin:mail_inboundmail_raw", args=[mail.pk])
        return format_html(
            '<a href="{}" download>{}</a>',
            url,
            gettext("Download mail-%(number)s.eml") % {"number": mail.pk},
        )

    @admin.display(description=_("headers"))
    def headers_shown(self, mail: InboundMail) -> str:
        try:
            message = parse(bytes(mail.raw))
            items = [(name, str(value)) for name, value in message.raw_items()][:HEADERS_SHOWN]
        except Exception:  # an admin page shows what it can
            return gettext("(the headers could not be read)")
        rows = format_html_join(
            "", "<tr><th>{}</th><td>{}</td></tr>", ((name, value) for name, value in items)
        )
        return format_html('<table class="mail-headers">{}</table>', rows)

    def get_urls(self) -> list[Any]:
        raw = path(
            "<int:inbound_id>/raw/",
            self.admin_site.admin_view(self.raw_view),
            name="mail_inboundmail_raw",
        )
        return [raw, *super().get_urls()]

    def raw_view(self, request: HttpRequest, inbound_id: int) -> HttpResponse:
        try:
            mail = services.mail_raw(actor=request.user, inbound_id=inbound_id)  # type: ignore[arg-type]
        except DomainError as exc:
            return HttpResponse(exc.said(), status=404, content_type="text/plain")
        response = HttpResponse(bytes(mail.raw), content_type="message/rfc822")
        response["Content-Disposition"] = f'attachment; filename="mail-{mail.pk}.eml"'
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @admin.action(description=_("Accept the selected held mail"))
    def accept_held(self, request: HttpRequest, queryset: QuerySet[InboundMail]) -> None:
        apply_to_each(
            self,
            request,
            queryset,
            lambda mail: services.held_mail_accept(actor=request.user, inbound_id=mail.pk),  # type: ignore[arg-type]
            lambda count: (
                ngettext("%(count)d held mail accepted.", "%(count)d held mails accepted.", count)
                % {"count": count}
            ),
        )

    @admin.action(description=_("Dismiss the selected held mail"))
    def dismiss_held(self, request: HttpRequest, queryset: QuerySet[InboundMail]) -> None:
        apply_to_each(
            self,
            request,
            queryset,
            lambda mail: services.held_mail_dismiss(actor=request.user, inbound_id=mail.pk),  # type: ignore[arg-type]
            lambda count: (
                ngettext("%(count)d held mail dismissed.", "%(count)d held mails dismissed.", count)
                % {"count": count}
            ),
        )
