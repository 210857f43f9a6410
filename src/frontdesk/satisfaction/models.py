"""One satisfaction survey per ticket: written when the ticket is first resolved, answered
once by its requester (good or bad, and a comment if they like)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from frontdesk.core.clock import now
from frontdesk.tickets.models import Ticket


class Rating(models.TextChoices):
    GOOD = "good", "Good"
    BAD = "bad", "Bad"


class Survey(models.Model):
    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="survey")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # Whose work is rated: the ticket's assignee when the rating is given (until then, when the
    # survey was written). Reports per agent read it.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Whose queue it was: the ticket's team when the rating is given (until then, when the
    # survey was written); None: in no team. Reports per team read it. The foreign key is
    # made without long locks (migrations/0002).
    team = models.ForeignKey(
        "teams.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    rating = models.CharField(max_length=8, choices=Rating.choices, blank=True)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=now)
    rated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [
            # The statistics count ratings per agent from this index alone.
            models.Index(
                fields=["agent", "rating"],
                condition=Q(rated_at__isnull=False),
                name="survey_agent_idx",
            ),
            # And per team from this one.
            models.Index(
                fields=["team", "rating"],
                condition=Q(rated_at__isnull=False),
                name="survey_team_idx",
            ),
            models.Index(
                fields=["rated_at", "id"],
                condition=Q(rated_at__isnull=False),
                name="survey_rated_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"survey of ticket {self.ticket_id}: {self.rating or 'not answered'}"

    @property
    def is_answered(self) -> bool:
        return self.rated_at is not None
