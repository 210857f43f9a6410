from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "frontdesk.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.db.models import CharField
        from django.db.models.functions import Lower

        # `username__lower=...` compiles to LOWER(username) = ..., which the case-insensitive
        # unique indexes serve; `__iexact` would compile to UPPER(...) on PostgreSQL and scan.
        CharField.register_lookup(Lower)

        from frontdesk.accounts import signals  # noqa: F401 (connects the receivers)
