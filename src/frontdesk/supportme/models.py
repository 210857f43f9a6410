"""What has been imported from SupportMe, so that importing the same data.db again (or a later
copy of it) adds only what is new."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from frontdesk.core.clock import now


class ImportSource(models.Model):
    """One SupportMe installation, recognised by a fingerprint of its first account (see
    ``source.source_fingerprint``), which stays the same while that installation grows."""

    fingerprint = models.CharField(max_length=64, unique=True)
    path = models.CharField(
        max_length=1024, help_text=_("Where the data.db was last imported from.")
    )
    first_imported_at = models.DateTimeField(default=now)
    last_imported_at = models.DateTimeField(default=now)

    def __str__(self) -> str:
        return f"SupportMe {self.fingerprint[:12]} ({self.path})"


class ImportedRecord(models.Model):
    """One SupportMe row and the Frontdesk row it became: ``old_id`` is SupportMe's userID,
    ticketID or messageID, ``new_id`` our primary key (equal unless ids collided)."""

    class Kind(models.TextChoices):
        USER = "user", "User"
        TICKET = "ticket", "Ticket"
        MESSAGE = "message", "Message"

    source = models.ForeignKey(ImportSource, on_delete=models.CASCADE, related_name="records")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    old_id = models.BigIntegerField()
    new_id = models.BigIntegerField()

    class Meta:
        constraints: ClassVar = [
            # Also the index behind "everything of this kind from this source".
            models.UniqueConstraint(
                fields=["source", "kind", "old_id"], name="imported_record_unique"
            )
        ]

    def __str__(self) -> str:
        return f"SupportMe {self.kind} {self.old_id} -> {self.new_id}"
