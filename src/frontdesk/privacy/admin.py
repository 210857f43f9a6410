"""Privacy in the admin: the privacy log (read only), and on the accounts list two actions,
"Export data" (the zip, through the same use case as the pages and the REST API) and
"Anonymise or delete", which opens the confirmation page that names what will happen."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponseRedirect
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from frontdesk.accounts.admin import UserAdmin
from frontdesk.accounts.models import Role, User
from frontdesk.core.admin import ReadOnlyAdmin
from frontdesk.core.errors import DomainError
from frontdesk.privacy import services
from frontdesk.privacy.models import PrivacyLog

ONE_CUSTOMER = gettext_noop("Choose one customer at a time.")


@admin.register(PrivacyLog)
class PrivacyLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "action", "customer_id", "actor", "counts_display", "note")
    list_filter = ("action",)
    search_fields = ("=customer_id",)
    ordering = ("-created_at", "-id")
    list_select_related = ("actor",)

    @admin.display(description=_("counts"))
    def counts_display(self, log: PrivacyLog) -> str:
        return ", ".join(f"{name}: {count}" for name, count in log.counts_shown)


def _one(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[User]) -> Any:
    chosen = list(queryset[:2])
    if len(chosen) != 1:
        modeladmin.message_user(request, gettext(ONE_CUSTOMER), messages.ERROR)
        return None
    return chosen[0]


@admin.action(description=_("Export the selected customer's data (zip)"))
def export_data(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[User]
) -> FileResponse | None:
    customer = _one(modeladmin, request, queryset)
    if customer is None:
        return None
    try:
        export = services.customer_export(actor=request.user, customer_id=customer.pk)  # type: ignore[arg-type]
    except DomainError as exc:
        modeladmin.message_user(request, f"{customer}: {exc.said()}", messages.ERROR)
        return None
    return FileResponse(
        export.file, as_attachment=True, filename=export.filename, content_type="application/zip"
    )


@admin.action(description=_("Anonymise or delete the selected customer…"))
def anonymise_or_delete(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[User]
) -> HttpResponseRedirect | None:
    customer = _one(modeladmin, request, queryset)
    if customer is None:
        return None
    return HttpResponseRedirect(privacy_url(customer))


def privacy_url(customer: User) -> str:
    return f"/customers/{customer.pk}/privacy"


class PrivacyUserAdmin(UserAdmin):
    actions = [*UserAdmin.actions, export_data, anonymise_or_delete]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return (*super().get_readonly_fields(request, obj), "privacy")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return (*super().get_fields(request, obj), "privacy")

    @admin.display(description=_("Privacy"))
    def privacy(self, user: User) -> str:
        if user.role != Role.CUSTOMER:
            return gettext("Staff accounts are not exported, anonymised or deleted here.")
        return format_html(
            '<a href="{}">{}</a>', privacy_url(user), gettext("Export, anonymise or delete…")
        )


admin.site.unregister(User)
admin.site.register(User, PrivacyUserAdmin)
