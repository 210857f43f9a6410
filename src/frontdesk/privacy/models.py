"""What was done to a customer's personal data, and by whom: the privacy log. It names the
customer by id only and counts what was removed; it never holds the data it removed."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, gettext_noop

from frontdesk.core.clock import now


class PrivacyAction(models.TextChoices):
    EXPORT = "export", gettext_noop("Data exported")
    ANONYMISE = "anonymise", gettext_noop("Anonymised")
    ERASE = "erase", gettext_noop("Deleted")
    RETENTION = "retention", gettext_noop("Retention policy applied")


# How the counts read to people (privacy/services.py writes the keys).
COUNT_LABELS = {
    "tickets": gettext_noop("Tickets concerned"),
    "tickets_deleted": gettext_noop("Tickets deleted"),
    "customers_anonymised": gettext_noop("Customers anonymised"),
    "messages": gettext_noop("Messages"),
    "files": gettext_noop("Files"),
    "cc": gettext_noop("Tickets copied on"),
    "history": gettext_noop("History entries rewritten"),
    "sessions": gettext_noop("Sessions ended"),
    "session_events": gettext_noop("Sign-in records"),
    "api_tokens": gettext_noop("API tokens"),
    "two_factor": gettext_noop("Two-factor set-ups"),
    "sign_on_links": gettext_noop("Single sign-on links"),
    "reset_tokens": gettext_noop("Password-reset links"),
    "preferences": gettext_noop("Notification choices"),
    "staff_note": gettext_noop("Staff notes"),
    "inbound_mail": gettext_noop("Mails received"),
    "outbox_mail": gettext_noop("Mails to them"),
}


class PrivacyLog(models.Model):
    action = models.CharField(max_length=16, choices=PrivacyAction.choices)
    # Who asked: an admin, the customer (an export), or None: the retention job.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The customer's id, not a foreign key: the row outlives a deleted account.
    customer_id = models.BigIntegerField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        indexes: ClassVar = [
            models.Index(fields=["customer_id", "action"], name="privacylog_customer_idx"),
        ]

    def __str__(self) -> str:
        who = f"customer {self.customer_id}" if self.customer_id else "the desk"
        return f"{self.get_action_display()}: {who} at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def counts_shown(self) -> list[tuple[str, int]]:
        # The stored keys, said in the reader's language.
        return [
            (gettext(COUNT_LABELS[key]) if key in COUNT_LABELS else key, value)
            for key, value in self.counts.items()
        ]
