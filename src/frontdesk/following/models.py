"""Who else hears of a ticket besides its requester and assignee: staff who follow it, and
people the requester or an agent copied on it (CC)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from frontdesk.core.clock import now
from frontdesk.tickets.models import Ticket


class Follower(models.Model):
    """An agent or admin who follows a ticket: told of its replies, notes and status."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed_tickets"
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["ticket", "user"], name="follower_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.ticket_id}"


class CcPerson(models.Model):
    """A person copied on a ticket: they read and answer its public conversation, on the web
    and by mail, as the requester does (tickets/access.py)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="cc_people")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cc_tickets"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        constraints: ClassVar = [
            # person first: the gate asks "which tickets is this person copied on?"
            models.UniqueConstraint(fields=["person", "ticket"], name="cc_person_unique")
        ]
        indexes: ClassVar = [models.Index(fields=["ticket", "id"], name="cc_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.person_id} copied on {self.ticket_id}"
