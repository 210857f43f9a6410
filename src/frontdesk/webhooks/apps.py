from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "frontdesk.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from frontdesk.webhooks import signals  # noqa: F401 - connects the signal receivers
