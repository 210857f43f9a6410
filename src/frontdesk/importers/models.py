"""What has been imported from another help desk (django-helpdesk, a Zendesk or FreeScout CSV
export), so that importing the same data again updates what changed instead of duplicating."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from frontdesk.core.clock import now


class ImportedObject(models.Model):
    """One row of the other help desk and the Frontdesk row it became: ``system`` names the
    source (``django-helpdesk``, ``zendesk``, ``freescout``, or the name given with
    ``--source``), ``source_id`` its id there (for people: their email address, lowercased)."""

    class Kind(models.TextChoices):
        USER = "user", "User"
        TEAM = "team", "Team"
        TICKET = "ticket", "Ticket"
        MESSAGE = "message", "Message"
        ATTACHMENT = "attachment", "Attachment"

    system = models.CharField(max_length=64)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    source_id = models.CharField(max_length=255)
    object_id = models.BigIntegerField()
    imported_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["system", "kind", "source_id"], name="imported_object_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.system} {self.kind} {self.source_id} -> {self.object_id}"


class ImportRun(models.Model):
    """One import that was written (dry runs leave none): where from, and its summary."""

    system = models.CharField(max_length=64)
    source = models.CharField(max_length=1024, help_text=_("The file or database imported."))
    started_at = models.DateTimeField(default=now)
    summary = models.TextField()

    class Meta:
        ordering: ClassVar = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.system} import of {self.source} at {self.started_at:%Y-%m-%d %H:%M}"
