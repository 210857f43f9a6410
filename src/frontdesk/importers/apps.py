from django.apps import AppConfig


class ImportersConfig(AppConfig):
    name = "frontdesk.importers"
    label = "importers"
    verbose_name = "Importers"
