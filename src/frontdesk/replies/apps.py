from django.apps import AppConfig


class RepliesConfig(AppConfig):
    name = "frontdesk.replies"
    label = "replies"
    verbose_name = "Saved replies"
