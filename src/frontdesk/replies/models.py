"""Saved replies: text an agent inserts into a reply instead of typing it again, with
placeholders (replies/placeholders.py) and optionally a one-step macro (a status to set and a
tag to add when the reply is sent). A reply is personal (its owner's) or shared with every
agent (no owner, managed by admins)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from frontdesk.core.clock import now
from frontdesk.tickets.models import Status


class SavedReply(models.Model):
    name = models.CharField(max_length=100)
    body = models.TextField()
    # Typed after "/" in the reply box to find the reply at once ("refund", "thanks").
    shortcut = models.CharField(max_length=30, blank=True, default="")
    # None: shared with every agent, managed by admins.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="saved_replies",
    )
    # The macro, applied when a message written from this reply is sent; empty: nothing.
    set_status = models.CharField(max_length=16, choices=Status.choices, blank=True, default="")
    add_tag = models.CharField(max_length=50, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering: ClassVar = [Lower("name"), "id"]
        constraints: ClassVar = [
            # One name per owner, and one among the shared replies (NULLs are distinct).
            models.UniqueConstraint(Lower("name"), "owner", name="savedreply_owner_name_ci_unique"),
            models.UniqueConstraint(
                Lower("name"),
                condition=Q(owner__isnull=True),
                name="savedreply_shared_name_ci_unique",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["owner", "name"], name="savedreply_owner_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def shared(self) -> bool:
        return self.owner_id is None
