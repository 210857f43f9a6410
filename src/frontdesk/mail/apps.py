from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "frontdesk.mail"
    label = "mail"
    verbose_name = _("Mail in")

    def ready(self) -> None:
        from django.core import checks

        from frontdesk.mail.checks import check_imap_urls

        checks.register(check_imap_urls, "mail")
