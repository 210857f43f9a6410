"""The outbox: one row per mail to send, written in the transaction of the change it tells of."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_noop

from frontdesk.core.clock import now


class OutboxMail(models.Model):
    """A notification to one recipient. Written inside the use case's transaction (so a change
    that rolls back mails nobody), rendered and sent by the worker, which claims the row first so
    that no mail goes out twice. ``message_id_header`` is fixed when the row is written: replies are
    threaded by it even before the mail has left."""

    class Status(models.TextChoices):
        PENDING = "pending", gettext_noop("Waiting to be sent")
        SENDING = "sending", gettext_noop("Being sent")
        SENT = "sent", gettext_noop("Sent")
        FAILED = "failed", gettext_noop("Failed")
        SKIPPED = "skipped", gettext_noop("Not sent")

    kind = models.CharField(max_length=40)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    to_address = models.CharField(max_length=254)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    event = models.ForeignKey(
        "tickets.TicketEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    message_id_header = models.CharField(max_length=300, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=now)
    last_error = models.TextField(blank=True)
    subject = models.CharField(max_length=998, blank=True)
    created_at = models.DateTimeField(default=now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["to_address", "created_at"], name="outbox_per_address"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to_address} ({self.status})"


class NotificationPreference(models.Model):
    """A user's choice for one kind of notification (notifications/kinds.py). Without a row the
    kind's default applies, so only the choices people made are stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=40)
    enabled = models.BooleanField()
    updated_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_pref_unique")
        ]
        # The rules ask "who of the staff turned new tickets off": by kind first.
        indexes = [models.Index(fields=["kind", "enabled"], name="notification_pref_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {'on' if self.enabled else 'off'} for user {self.user_id}"


class DigestPreference(models.Model):
    """An agent's digest choice: ``off`` (each notification at once), ``hourly`` or ``daily``
    (notifications wait as DigestItems and go out together). No row: off."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_preference"
    )
    period = models.CharField(max_length=8, default="off")
    updated_at = models.DateTimeField(default=now)

    def __str__(self) -> str:
        return f"digest {self.period} for user {self.user_id}"


class DigestItem(models.Model):
    """A notification held for an agent's digest. ``digest`` is the outbox row that carried it
    (empty while it waits): the digest mail lists its items from here."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_items"
    )
    kind = models.CharField(max_length=40)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    event = models.ForeignKey(
        "tickets.TicketEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    digest = models.ForeignKey(
        OutboxMail, null=True, blank=True, on_delete=models.CASCADE, related_name="digest_items"
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["user", "created_at"],
                condition=models.Q(digest__isnull=True),
                name="digest_item_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for user {self.user_id} ({'sent' if self.digest_id else 'waiting'})"
