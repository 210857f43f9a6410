from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamsConfig(AppConfig):
    name = "frontdesk.teams"
    label = "teams"
    verbose_name = _("Teams")

    def ready(self) -> None:
        from frontdesk.teams import signals  # noqa: F401 - connects the signal receivers
