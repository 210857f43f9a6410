from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "frontdesk.notifications"
    label = "notifications"
    verbose_name = "Mail out"

    def ready(self) -> None:
        from frontdesk.notifications import delivery  # noqa: F401  (its pre_delete receivers)
