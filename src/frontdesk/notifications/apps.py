from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "frontdesk.notifications"
    label = "notifications"
    verbose_name = "Mail out"

    def ready(self) -> None:
        # Connect the rules' signal receivers and register the digest's periodic job.
        from frontdesk.notifications import digest_tasks, rules  # noqa: F401
