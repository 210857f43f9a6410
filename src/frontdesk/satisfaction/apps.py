from django.apps import AppConfig


class SatisfactionConfig(AppConfig):
    name = "frontdesk.satisfaction"
    label = "satisfaction"
    verbose_name = "Customer satisfaction"

    def ready(self) -> None:
        from frontdesk.satisfaction import signals  # noqa: F401 - connects the receivers
