"""The admin index's line about mail that could not be sent."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext

from frontdesk.notifications.selectors import outbox_failed_count

register = template.Library()


@register.simple_tag
def failed_mail_notice() -> SafeString | str:
    count = outbox_failed_count()
    if not count:
        return ""
    listing = reverse("admin:notifications_outboxmail_changelist") + "?status__exact=failed"
    return format_html(
        '<p class="errornote outbox-failed">{} <a href="{}">{}</a>.</p>',
        ngettext("%(count)d mail could not be sent.", "%(count)d mails could not be sent.", count)
        % {"count": count},
        listing,
        gettext("See why, and send again"),
    )
