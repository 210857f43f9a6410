"""Teams (queues) of agents, who is in them, and whether each agent takes new tickets.

A ticket belongs to at most one team (``Ticket.team``); an agent sees the tickets of their
teams and those of no team (tickets/access.py). A desk without teams works as before."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from frontdesk.core.clock import now


class Assignment(models.TextChoices):
    NONE = "none", gettext_noop("Nobody: agents claim tickets")
    ROUND_ROBIN = "round_robin", gettext_noop("Round-robin")
    LEAST_LOADED = "least_loaded", gettext_noop("Least loaded")


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=50, unique=True)
    description = models.TextField(blank=True, default="")
    active = models.BooleanField(default=True)
    # Tickets from email and the SupportMe API (which name no team) go to the default team.
    is_default = models.BooleanField(default=False)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teams_led",
    )
    assignment = models.CharField(
        max_length=16, choices=Assignment.choices, default=Assignment.NONE
    )
    # An agent away longer than this loses the team's open tickets to the others (0: never).
    reassign_after_minutes = models.PositiveIntegerField(default=0)
    # Round-robin's place: the member last given a ticket.
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering: ClassVar = ["name"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="team_one_default"
            )
        ]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships"
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["team", "user"], name="team_member_once")
        ]
        # The gate's subquery: the teams of one agent.
        indexes: ClassVar = [models.Index(fields=["user", "team"], name="team_member_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.team_id}"


class AgentStatus(models.Model):
    """Whether an agent takes new tickets from automatic assignment, since when they are
    away, and how many open tickets they hold at most (None: no cap). No row: available."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_status"
    )
    available = models.BooleanField(default=True)
    away_since = models.DateTimeField(null=True, blank=True)
    max_open_tickets = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("agent's availability")
        verbose_name_plural = _("agents' availability and caps")

    def __str__(self) -> str:
        return f"{self.user_id}: {'available' if self.available else 'away'}"
