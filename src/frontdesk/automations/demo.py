"""The demo's rules for the dance studio (`frontdesk demo`): billing mail sorted at once, an SLA
breach nobody has tagged and told to the lead, billing tickets moved to the Billing team (when
the demo has that team: teams/demo.py), and (off, to try with the dry-run) pending tickets
closed after three days without an answer."""

from __future__ import annotations

from typing import Any

from frontdesk.accounts.models import Role, User
from frontdesk.automations.models import Event, Rule
from frontdesk.automations.services import rule_create
from frontdesk.replies.models import SavedReply
from frontdesk.teams.models import Team


def _rules(admin: User, closing_reply: int | None) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = [
        {
            "name": "Billing mails: category Billing, priority High",
            "active": True,
            "event": Event.TICKET_CREATED,
            "match": "any",
            "conditions": [
                {"field": "title", "operator": "contains", "value": word}
                for word in ("invoice", "refund", "payment", "charged")
            ],
            "actions": [
                {"action": "set_category", "value": "billing"},
                {"action": "set_priority", "value": "high"},
            ],
        },
        {
            "name": "SLA breached while nobody has it: tag and tell the lead",
            "active": True,
            "event": Event.SLA_BREACH,
            "conditions": [{"field": "assignee", "operator": "is", "value": "unassigned"}],
            "actions": [
                {"action": "add_tag", "value": "escalated"},
                {"action": "notify", "value": admin.pk},
            ],
        },
    ]
    billing_team = Team.objects.filter(name="Billing", active=True).values_list("pk", flat=True)
    if team_id := billing_team.first():
        rules.append(
            {
                "name": "Billing category: to the Billing team",
                "active": True,
                "event": Event.TICKET_CREATED,
                "conditions": [
                    {"field": "category", "operator": "is", "value": "billing"},
                    {"field": "team", "operator": "is", "value": "none"},
                ],
                "actions": [{"action": "set_team", "value": team_id}],
            }
        )
    if closing_reply is not None:
        rules.append(
            {
                "name": "Pending 3 days without a reply: close with a saved reply",
                "active": False,
                "event": Event.TIME,
                "conditions": [
                    {"field": "hours_since_pending", "operator": "at_least", "value": 72}
                ],
                "actions": [
                    {"action": "send_reply", "value": closing_reply},
                    {"action": "set_status", "value": "closed"},
                ],
            }
        )
    return rules


def demo_rules_create() -> str:
    """Add the demo's rules that are missing (by name), written by the first admin."""
    admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
    if admin is None:
        return "No admin: no automation rules added."
    closing = (
        SavedReply.objects.filter(owner__isnull=True, name__iexact="Closing thank-you")
        .values_list("pk", flat=True)
        .first()
    )
    existing = {name.lower() for name in Rule.objects.values_list("name", flat=True)}
    added = 0
    for values in _rules(admin, closing):
        if values["name"].lower() not in existing:
            rule_create(actor=admin, values=values)
            added += 1
    return f"Added {added} automation rules (see /rules)."
