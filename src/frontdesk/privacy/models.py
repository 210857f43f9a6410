"""What was done to a customer's personal data, and by whom: the privacy log. It names the
customer by id only and counts what was removed; it never holds the data it removed."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from frontdesk.core.clock import now


class PrivacyAction(models.TextChoices):
    EXPORT = "export", "Data exported"
    ANONYMISE = "anonymise", "Anonymised"
    ERASE = "erase", "Deleted"
    RETENTION = "retention", "Retention policy applied"


# How the counts read to people (privacy/services.py writes the keys).
COUNT_LABELS = {
    "tickets": "Tickets concerned",
    "tickets_deleted": "Tickets deleted",
    "customers_anonymised": "Customers anonymised",
    "messages": "Messages",
    "files": "Files",
    "cc": "Tickets copied on",
    "history": "History entries rewritten",
    "sessions": "Sessions ended",
    "session_events": "Sign-in records",
    "api_tokens": "API tokens",
    "two_factor": "Two-factor set-ups",
    "sign_on_links": "Single sign-on links",
    "reset_tokens": "Password-reset links",
    "preferences": "Notification choices",
    "staff_note": "Staff notes",
    "inbound_mail": "Mails received",
    "outbox_mail": "Mails to them",
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
        return [(COUNT_LABELS.get(key, key), value) for key, value in self.counts.items()]
