from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "frontdesk.teams"
    label = "teams"
    verbose_name = "Teams"

    def ready(self) -> None:
        from frontdesk.teams import signals  # noqa: F401 - connects the signal receivers
