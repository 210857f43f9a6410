from django.apps import AppConfig


class TimelogConfig(AppConfig):
    name = "frontdesk.timelog"
    label = "timelog"
    verbose_name = "Time tracking"
