from django.contrib import admin

from frontdesk.sla.models import OverdueAlert


@admin.register(OverdueAlert)
class OverdueAlertAdmin(admin.ModelAdmin):
    list_display = ("ticket", "due_at", "created_at")
    list_select_related = ("ticket",)
    raw_id_fields = ("ticket",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
