"""The imports that were written (/admin/importers/importrun/): where from, when, and the
summary the command printed. Read-only: only ``frontdesk import-*`` writes them."""

from __future__ import annotations

from django.contrib import admin

from frontdesk.core.admin import ReadOnlyAdmin
from frontdesk.importers.models import ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "system", "source")
    list_filter = ("system",)
    search_fields = ("source", "summary")
    fields = ("system", "source", "started_at", "summary")
