from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowingConfig(AppConfig):
    name = "frontdesk.following"
    label = "following"
    verbose_name = _("Followers and CC")

    def ready(self) -> None:
        from frontdesk.following import signals  # noqa: F401 - connects the signal receivers
