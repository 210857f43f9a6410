"""Automation rules in the REST API (/api/ticketing/rules/): agents read the rules and their
log; admins create, change, order, delete and dry-run them. Customers have none (403). Rules
and permissions: automations/services.py and automations/selectors.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from frontdesk.api.auth import caller
from frontdesk.api.schemas import ErrorOut
from frontdesk.automations import selectors, services
from frontdesk.automations.models import Rule

router = Router(tags=["Automation rules"])

LIST = frozenset({401, 403, 429})
READ = frozenset({401, 403, 404, 429})
WRITE = frozenset({400, 401, 403, 404, 409, 413, 415, 429})
DELETE = frozenset({400, 401, 403, 404, 429})

CONDITIONS_HELP = (
    '[{"field": "category", "operator": "is", "value": "billing"}]: fields status, priority, '
    'category, channel, organisation (id), assignee (id or "unassigned"), team (id or "none"), '
    "tags (has, has_not), title and body (contains, not_contains), requester_domain, a custom "
    "field as field:<key> (is, is_not, is_set, is_not_set; contains for text; greater, less for "
    "numbers and dates; has, has_not for multiple choice), and for rules on time "
    "hours_since_created, hours_since_customer_reply, hours_since_status_change, "
    "hours_since_pending (at_least)."
)
ACTIONS_HELP = (
    '[{"action": "set_priority", "value": "high"}]: set_status, set_priority, set_category, '
    "assign (agent id), unassign, add_tag, remove_tag, add_note (text), send_reply (a shared "
    'saved reply\'s id), notify ("assignee" or an agent\'s id), set_team (id or "none"), '
    "set_field:<key> (the custom field's value; empty clears it), send_webhook (the id of a "
    "webhook that is on: posts the ticket as rule.matched)."
)
EVENT_HELP = (
    "ticket_created, customer_replied, agent_replied, status_changed, priority_changed, "
    "sla_warning, sla_breach, or time (checked every five minutes)."
)


def _answers(ok: dict[int, Any], errors: frozenset[int]) -> dict[Any, Any]:
    return {**ok, errors: ErrorOut}


class _Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class RuleOut(Schema):
    id: int
    name: str
    active: bool
    position: int = Field(description="The order rules for one event run in.")
    event: str = Field(description=EVENT_HELP)
    match: str = Field(description="all or any of the conditions.")
    conditions: list[dict[str, Any]] = Field(description=CONDITIONS_HELP)
    actions: list[dict[str, Any]] = Field(description=ACTIONS_HELP)
    created_at: datetime
    updated_at: datetime


class RuleIn(_Strict):
    name: str = Field(max_length=100)
    active: bool = False
    event: str = Field(description=EVENT_HELP)
    match: str = "all"
    conditions: list[dict[str, Any]] = Field([], description=CONDITIONS_HELP)
    actions: list[dict[str, Any]] = Field(description=ACTIONS_HELP)


class RulePatchIn(_Strict):
    name: str | None = Field(None, max_length=100)
    active: bool | None = None
    event: str | None = None
    match: str | None = None
    conditions: list[dict[str, Any]] | None = None
    actions: list[dict[str, Any]] | None = None


class DryRunIn(_Strict):
    event: str = Field(description=EVENT_HELP)
    match: str = "all"
    conditions: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = [{"action": "add_tag", "value": "dry-run"}]


class RuleOrderIn(_Strict):
    rules: list[int] = Field(description="Every rule's id, once, in the new order.")


class DryTicketOut(Schema):
    id: int
    number: str
    title: str
    status: str
    priority: str


class DryRunOut(Schema):
    count: int = Field(description="How many tickets the rule would match now.")
    tickets: list[DryTicketOut] = Field(description="The newest of them.")
    conditions: list[str] = Field(description="The conditions, in words.")


class RunOut(Schema):
    id: int
    rule: int | None
    rule_name: str
    ticket: int
    event: str
    matched: list[str] = Field(description="The conditions that held.")
    done: list[str] = Field(description="The actions done.")
    errors: list[str] = Field(description="The actions refused, with why.")
    chain: list[int] = Field(description="The rules whose changes set this run off.")
    created_at: datetime

    @staticmethod
    def resolve_rule(obj: Any) -> int | None:
        return obj.rule_id

    @staticmethod
    def resolve_ticket(obj: Any) -> int:
        return int(obj.ticket_id)


def _values(payload: Schema, *, partial: bool) -> dict[str, Any]:
    values = payload.model_dump(exclude_unset=partial)
    return {name: value for name, value in values.items() if not partial or value is not None}


def _dry(found: services.DryRun) -> dict[str, Any]:
    return {
        "count": found.count,
        "tickets": [
            {
                "id": t.pk,
                "number": t.number,
                "title": t.title,
                "status": t.status,
                "priority": t.priority,
            }
            for t in found.tickets
        ],
        "conditions": found.conditions,
    }


@router.get("/", response=_answers({200: list[RuleOut]}, LIST), url_name="rules")
def rules(request: HttpRequest) -> list[Rule]:
    """Every rule, in order (agents and admins)."""
    return list(selectors.rules_list(user=caller(request)))


@router.post("/", response=_answers({201: RuleOut}, WRITE), url_name="rules_create")
def rules_create(request: HttpRequest, payload: RuleIn) -> Status[Rule]:
    """A new rule, last in the order, off unless `active` (admins)."""
    rule = services.rule_create(actor=caller(request), values=_values(payload, partial=False))
    return Status(201, rule)


@router.post("/dry-run/", response=_answers({200: DryRunOut}, WRITE), url_name="rules_dry_run")
def rules_dry_run(request: HttpRequest, payload: DryRunIn) -> dict[str, Any]:
    """The tickets an unsaved rule would match now; nothing changes (admins)."""
    found = services.rule_dry_run(actor=caller(request), values=payload.model_dump())
    return _dry(found)


@router.put("/order/", response=_answers({200: list[RuleOut]}, WRITE), url_name="rules_order")
def rules_order(request: HttpRequest, payload: RuleOrderIn) -> list[Rule]:
    """Put the rules in a new order (admins)."""
    return services.rules_reorder(actor=caller(request), rule_ids=payload.rules)


@router.get("/{int:rule_id}/", response=_answers({200: RuleOut}, READ), url_name="rule")
def rule(request: HttpRequest, rule_id: int) -> Rule:
    return selectors.rule_get(user=caller(request), rule_id=rule_id)


@router.patch("/{int:rule_id}/", response=_answers({200: RuleOut}, WRITE), url_name="rule_patch")
def rule_patch(request: HttpRequest, rule_id: int, payload: RulePatchIn) -> Rule:
    """Change what is sent (admins); `active` turns the rule on or off."""
    return services.rule_update(
        actor=caller(request), rule_id=rule_id, changes=_values(payload, partial=True)
    )


@router.delete("/{int:rule_id}/", response=_answers({204: None}, DELETE), url_name="rule_delete")
def rule_delete(request: HttpRequest, rule_id: int) -> Status[None]:
    """Delete a rule; its log stays under its name (admins)."""
    services.rule_delete(actor=caller(request), rule_id=rule_id)
    return Status(204, None)


@router.post(
    "/{int:rule_id}/dry-run/",
    response=_answers({200: DryRunOut}, WRITE),
    url_name="rule_dry_run",
)
def rule_dry_run(request: HttpRequest, rule_id: int) -> dict[str, Any]:
    """The tickets this rule would match now, before it is turned on (admins)."""
    return _dry(services.rule_dry_run(actor=caller(request), rule_id=rule_id))


@router.get(
    "/{int:rule_id}/runs/", response=_answers({200: list[RunOut]}, READ), url_name="rule_runs"
)
def rule_runs(request: HttpRequest, rule_id: int) -> list[Any]:
    """The rule's newest firings (agents and admins)."""
    return selectors.rule_runs(user=caller(request), rule_id=rule_id)


@router.get(
    "/tickets/{int:ticket_id}/runs/",
    response=_answers({200: list[RunOut]}, READ),
    url_name="rule_ticket_runs",
)
def rule_ticket_runs(request: HttpRequest, ticket_id: int) -> list[Any]:
    """The rules that fired on a ticket, newest first (agents and admins)."""
    return selectors.ticket_rule_runs(user=caller(request), ticket_id=ticket_id)
