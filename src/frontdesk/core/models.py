"""The core app's one table: the answers kept for ``Idempotency-Key`` (core/idempotency.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class IdempotencyKey(models.Model):
    """One write a caller may retry safely: what it was (a fingerprint of method, path and
    body), and once it has run, the answer, so a retry gets that answer instead of a second
    write. ``status`` is empty while the write is in flight; ``attempt`` names the request
    running it, which alone may record the answer (a takeover after a crash changes it)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    attempt = models.CharField(max_length=32)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField()
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    body = models.BinaryField(default=b"", blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_per_user"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_key_created")]

    def __str__(self) -> str:
        return f"{self.key} ({self.user_id})"
