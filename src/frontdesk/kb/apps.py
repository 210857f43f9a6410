from django.apps import AppConfig


class KbConfig(AppConfig):
    name = "frontdesk.kb"
    label = "kb"
    verbose_name = "Knowledge base"
