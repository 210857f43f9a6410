from django.apps import AppConfig


class SupportmeConfig(AppConfig):
    name = "frontdesk.supportme"
    label = "supportme"
