"""Webhooks an admin configures (where to, which ticket events, in which format), the log of
every delivery the worker attempts, and the history of the webhooks' edits. Sending is
webhooks/delivery.py; the guarded HTTP client is webhooks/client.py."""

from __future__ import annotations

import json
import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from frontdesk.core.clock import now


class WebhookEvent(models.TextChoices):
    TICKET_CREATED = "ticket.created", gettext_noop("A ticket is created")
    MESSAGE_PUBLIC = "message.public", gettext_noop("A public reply is posted")
    MESSAGE_INTERNAL = "message.internal", gettext_noop("An internal note is written")
    STATUS_CHANGED = "ticket.status_changed", gettext_noop("The status changes")
    ASSIGNED = "ticket.assigned", gettext_noop("The assignee changes")
    PRIORITY_CHANGED = "ticket.priority_changed", gettext_noop("The priority changes")
    SLA_WARNING = "sla.warning", gettext_noop("An SLA target nears")
    SLA_BREACH = "sla.breach", gettext_noop("An SLA target is missed")


TEST_EVENT = "webhook.test"
RULE_EVENT = "rule.matched"  # sent by an automation rule's action to the webhook it names


class WebhookFormat(models.TextChoices):
    JSON = "json", gettext_noop("JSON (signed, every field)")
    SLACK = "slack", gettext_noop('Slack-compatible incoming webhook ({"text": ...})')


class Webhook(models.Model):
    """Where ticket events go. ``secret`` signs every body (docs/webhooks.md); it is kept as
    written because the signature needs it, and only admins ever read it."""

    name = models.CharField(max_length=100, unique=True)
    url = models.CharField(max_length=2000)
    secret = models.CharField(max_length=80)
    # The WebhookEvent values it wants, checked by services.clean_webhook.
    events = models.JSONField(default=list)
    format = models.CharField(max_length=8, choices=WebhookFormat.choices, default="json")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering: ClassVar = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    """One event for one webhook, and how sending it went. ``event_id`` is sent with every
    attempt (the receiver's idempotency key); the body is re-signed at each attempt."""

    class Status(models.TextChoices):
        PENDING = "pending", gettext_noop("Waiting to be sent")
        SENDING = "sending", gettext_noop("Being sent")
        DELIVERED = "delivered", gettext_noop("Delivered")
        FAILED = "failed", gettext_noop("Failed (given up)")

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=32)
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ticket_id = models.PositiveBigIntegerField(null=True, blank=True)  # kept past the ticket
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=now)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-id"]
        verbose_name_plural = _("deliveries")
        indexes: ClassVar = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="webhook_delivery_due",
            ),
            models.Index(fields=["webhook", "id"], name="webhook_delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.webhook_id} ({self.status})"

    @property
    def payload_text(self) -> str:
        return json.dumps(self.payload, indent=2, ensure_ascii=False)


class WebhookChange(models.Model):
    """The history of a webhook: who created, changed, tested, rotated its secret or deleted
    it, with its values (never the secret)."""

    class Kind(models.TextChoices):
        CREATED = "created", gettext_noop("Created")
        CHANGED = "changed", gettext_noop("Changed")
        ROTATED = "rotated", gettext_noop("Secret rotated")
        TESTED = "tested", gettext_noop("Test sent")
        RESENT = "resent", gettext_noop("Failed delivery sent again")
        DELETED = "deleted", gettext_noop("Deleted")

    webhook = models.ForeignKey(
        Webhook, null=True, on_delete=models.SET_NULL, related_name="changes"
    )
    webhook_name = models.CharField(max_length=100)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering: ClassVar = ["-id"]

    def __str__(self) -> str:
        return f"{self.webhook_name} {self.kind}"
