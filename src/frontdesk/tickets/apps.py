from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "frontdesk.tickets"
    label = "tickets"

    def ready(self) -> None:
        from frontdesk.tickets import signals  # noqa: F401 - connects the signal receivers
