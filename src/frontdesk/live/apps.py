from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "frontdesk.live"
    label = "live"

    def ready(self) -> None:
        from frontdesk.live import announce  # noqa: F401 - connects the signal receivers
