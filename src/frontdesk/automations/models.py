"""Rules an admin writes ("when <event> and <conditions> then <actions>"), the log of each
firing, and the history of the rules' edits. What a rule may say is automations/schema.py;
running them is automations/engine.py."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import User
from frontdesk.core.clock import now
from frontdesk.tickets.models import Ticket


# Their labels are stored English (the APIs, the admin); marked, a page says them translated.
class Event(models.TextChoices):
    TICKET_CREATED = "ticket_created", gettext_noop("A ticket is created")
    CUSTOMER_REPLIED = "customer_replied", gettext_noop("The customer replies")
    AGENT_REPLIED = "agent_replied", gettext_noop("An agent replies")
    STATUS_CHANGED = "status_changed", gettext_noop("The status changes")
    PRIORITY_CHANGED = "priority_changed", gettext_noop("The priority changes")
    SLA_WARNING = "sla_warning", gettext_noop("An SLA target nears")
    SLA_BREACH = "sla_breach", gettext_noop("An SLA target is missed")
    TIME = "time", gettext_noop("Time passes (checked every few minutes)")


class Match(models.TextChoices):
    ALL = "all", gettext_noop("All of the conditions")
    ANY = "any", gettext_noop("Any of the conditions")


class Rule(models.Model):
    """Rules for one event run by ``position``, each seeing what the earlier ones changed."""

    name = models.CharField(max_length=100, unique=True)
    active = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)
    event = models.CharField(max_length=24, choices=Event.choices)
    match = models.CharField(max_length=3, choices=Match.choices, default=Match.ALL)
    # [{"field": ..., "operator": ..., "value": ...}], checked by schema.clean_conditions.
    conditions = models.JSONField(default=list, blank=True)
    # [{"action": ..., "value": ...}], checked by schema.clean_actions.
    actions = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering: ClassVar = ["position", "id"]
        indexes: ClassVar = [
            models.Index(
                fields=["event", "position"], condition=Q(active=True), name="rule_active_idx"
            )
        ]

    def __str__(self) -> str:
        return self.name


class RuleRun(models.Model):
    """One firing of a rule on a ticket: why (the event, the conditions that held), what it did
    and what it could not do. A time rule fires once per ticket and ``window_at`` (the instant
    its hours are counted from): the unique row makes it so, whatever races."""

    rule = models.ForeignKey(Rule, null=True, on_delete=models.SET_NULL, related_name="runs")
    rule_name = models.CharField(max_length=100)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="rule_runs")
    event = models.CharField(max_length=24, choices=Event.choices)
    matched = models.JSONField(default=list)  # the conditions that held, in words
    done = models.JSONField(default=list)  # the actions done, in words
    errors = models.JSONField(default=list)  # the actions refused, with why
    chain = models.JSONField(default=list)  # the rules whose changes led here, in order
    # The same as matched, done and errors, as codes and values, so that a page can say them
    # in its reader's language (schema.run_words); None for runs logged before it was kept.
    facts = models.JSONField(null=True, blank=True)
    window_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering: ClassVar = ["-id"]
        indexes: ClassVar = [
            models.Index(fields=["ticket", "id"], name="rulerun_ticket_idx"),
            models.Index(fields=["rule", "id"], name="rulerun_rule_idx"),
        ]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["rule", "ticket", "window_at"],
                condition=Q(window_at__isnull=False),
                name="rulerun_once_per_window",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule_name} on ticket {self.ticket_id}"


class RuleChange(models.Model):
    """The history of a rule: who created, changed, moved or deleted it, with its values."""

    class Kind(models.TextChoices):
        CREATED = "created", gettext_noop("Created")
        CHANGED = "changed", gettext_noop("Changed")
        MOVED = "moved", gettext_noop("Moved")
        DELETED = "deleted", gettext_noop("Deleted")

    rule = models.ForeignKey(Rule, null=True, on_delete=models.SET_NULL, related_name="changes")
    rule_name = models.CharField(max_length=100)
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
        return f"{self.rule_name} {self.kind}"


class RuleActor(User):
    """System, acting for a rule: the ticket use cases give it an agent's rights (it sees every
    ticket and may make the changes an agent may), and every change it makes is recorded as
    System's. Never saved as itself (a proxy: the same row as System)."""

    class Meta:
        proxy = True

    @property
    def is_staff_member(self) -> bool:
        return self.is_active
