from django.apps import AppConfig


class FieldsConfig(AppConfig):
    name = "frontdesk.fields"
    label = "fields"
    verbose_name = "Custom fields"

    def ready(self) -> None:
        from frontdesk.fields import filters  # noqa: F401 - registers the field_<key> filters
