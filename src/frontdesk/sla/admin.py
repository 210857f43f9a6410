"""The SLA's memory, to read: which missed due dates have been alerted. Deleting a row would
let the same due date be alerted again, so nothing here is changed by hand."""

from django.contrib import admin

from frontdesk.core.admin import ReadOnlyAdmin
from frontdesk.sla.models import OverdueAlert


@admin.register(OverdueAlert)
class OverdueAlertAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "due_at", "created_at")
    list_select_related = ("ticket",)
    raw_id_fields = ("ticket",)
    date_hierarchy = "created_at"
