from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "frontdesk.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from frontdesk.reports import signals  # noqa: F401 - connects the signal receivers
