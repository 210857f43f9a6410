from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "frontdesk.tickets"
    label = "tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        from frontdesk.tickets import signals  # noqa: F401 - connects the signal receivers
