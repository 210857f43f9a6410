from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "frontdesk.notifications"
    label = "notifications"
    verbose_name = "Mail out"

    def ready(self) -> None:
        # The rules' and delivery's signal receivers, and the digest's periodic job.
        from frontdesk.notifications import delivery, digest_tasks, rules  # noqa: F401
