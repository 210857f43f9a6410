from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "frontdesk.notifications"
    label = "notifications"
    verbose_name = _("Mail out")

    def ready(self) -> None:
        # The rules' and delivery's signal receivers, and the digest's periodic job.
        from frontdesk.notifications import delivery, digest_tasks, rules  # noqa: F401
