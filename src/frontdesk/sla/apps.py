from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "frontdesk.sla"
    label = "sla"
    verbose_name = "SLA"

    def ready(self) -> None:
        from frontdesk.sla import signals  # noqa: F401 - connects the signal receivers
