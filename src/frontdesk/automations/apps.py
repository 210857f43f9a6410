from django.apps import AppConfig


class AutomationsConfig(AppConfig):
    name = "frontdesk.automations"
    label = "automations"
    verbose_name = "Triggers and automations"

    def ready(self) -> None:
        from frontdesk.automations import signals  # noqa: F401 - connects the signal receivers
