from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "frontdesk.sla"
    label = "sla"
    verbose_name = _("SLA")

    def ready(self) -> None:
        from frontdesk.sla import signals  # noqa: F401 - connects the signal receivers
