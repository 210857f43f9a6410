from django.apps import AppConfig


class FollowingConfig(AppConfig):
    name = "frontdesk.following"
    label = "following"
    verbose_name = "Followers and CC"

    def ready(self) -> None:
        from frontdesk.following import signals  # noqa: F401 - connects the signal receivers
