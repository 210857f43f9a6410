from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldsConfig(AppConfig):
    name = "frontdesk.fields"
    label = "fields"
    verbose_name = _("Custom fields")

    def ready(self) -> None:
        from frontdesk.fields import filters  # noqa: F401 - registers the field_<key> filters
