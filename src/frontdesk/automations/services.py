"""The admins' use cases for rules: create, change, turn on or off, reorder, delete, each
recorded in the rule's history (RuleChange); and the dry-run, which says which tickets a rule
(saved or not) would match now. Agents may read rules and their log (selectors.py); only admins
change them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import User
from frontdesk.automations import schema
from frontdesk.automations.engine import time_candidates
from frontdesk.automations.models import Event, Match, Rule, RuleChange
from frontdesk.core import clock
from frontdesk.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from frontdesk.core.ids import is_id
from frontdesk.core.text import is_storable_text
from frontdesk.tickets import access
from frontdesk.tickets.models import Ticket

ADMINS_ONLY = gettext_noop("Only admins can change automation rules.")
NOT_FOUND = gettext_noop("There is no such rule.")
NAME_MAX = 100
RULES_MAX = 200
DRY_RUN_SHOWN = 20
FIELDS = frozenset({"name", "active", "event", "match", "conditions", "actions"})


def check_admin(actor: User) -> None:
    if not actor.is_admin:
        raise NotAllowed(ADMINS_ONLY)


def _rule_for_update(rule_id: int) -> Rule:
    rule = None
    if is_id(rule_id):
        rule = Rule.objects.select_for_update().filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(NOT_FOUND)
    return rule


def _clean_name(value: object, pk: int | None) -> str:
    if not isinstance(value, str) or not is_storable_text(value):
        raise InvalidInput(gettext_noop("The name must be text."), field="name")
    name = " ".join(value.split())
    if not name:
        raise InvalidInput(gettext_noop("Give the rule a name."), field="name")
    if len(name) > NAME_MAX:
        raise InvalidInput(
            gettext_noop("A name is at most %(limit)s characters."),
            values={"limit": NAME_MAX},
            field="name",
        )
    same = Rule.objects.filter(name__iexact=name)
    if (same if pk is None else same.exclude(pk=pk)).exists():
        raise InvalidInput(gettext_noop("Another rule has this name."), field="name")
    return name


def clean_rule(values: Mapping[str, Any], *, rule: Rule | None = None) -> dict[str, Any]:
    """Every value checked (a change names only what changes): the field of the first
    problem is named in the error, and nothing is changed."""
    refused = sorted(set(values) - FIELDS)
    if refused:
        raise InvalidInput(
            gettext_noop("Unknown fields: %(fields)s."),
            values={"fields": ", ".join(refused)},
            field=refused[0],
        )
    merged = {
        "name": rule.name if rule else "",
        "active": rule.active if rule else False,
        "event": rule.event if rule else "",
        "match": rule.match if rule else Match.ALL,
        "conditions": rule.conditions if rule else [],
        "actions": rule.actions if rule else [],
        **values,
    }
    cleaned: dict[str, Any] = {"name": _clean_name(merged["name"], rule.pk if rule else None)}
    if not isinstance(merged["active"], bool):
        raise InvalidInput(gettext_noop("Active is true or false."), field="active")
    cleaned["active"] = merged["active"]
    if merged["event"] not in Event.values:
        raise InvalidInput(
            gettext_noop("Choose the event the rule waits for (%(events)s)."),
            values={"events": ", ".join(Event.values)},
            field="event",
        )
    cleaned["event"] = merged["event"]
    if merged["match"] not in Match.values:
        raise InvalidInput(gettext_noop("Match all or any of the conditions."), field="match")
    cleaned["match"] = merged["match"]
    cleaned["conditions"] = schema.clean_conditions(merged["conditions"], event=cleaned["event"])
    cleaned["actions"] = schema.clean_actions(merged["actions"])
    return cleaned


def snapshot(rule: Rule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "active": rule.active,
        "position": rule.position,
        "event": rule.event,
        "match": rule.match,
        "conditions": rule.conditions,
        "actions": rule.actions,
    }


def _record(rule: Rule, actor: User, kind: str, before: dict[str, Any]) -> None:
    RuleChange.objects.create(
        rule=rule if kind != RuleChange.Kind.DELETED else None,
        rule_name=rule.name,
        actor=actor,
        kind=kind,
        before=before,
        after={} if kind == RuleChange.Kind.DELETED else snapshot(rule),
    )


def _save(rule: Rule) -> None:
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError:
        raise Conflict(gettext_noop("Another rule has this name."), field="name") from None


def rule_create(*, actor: User, values: Mapping[str, Any]) -> Rule:
    """A new rule, last in the order. Off unless ``active`` says so: try it with the dry-run
    first."""
    check_admin(actor)
    with transaction.atomic():
        if Rule.objects.count() >= RULES_MAX:
            raise InvalidInput(
                gettext_noop("There can be at most %(limit)s rules."),
                values={"limit": RULES_MAX},
                field="name",
            )
        cleaned = clean_rule(values)
        last = Rule.objects.order_by("-position").values_list("position", flat=True).first()
        moment = clock.now()
        rule = Rule(
            **cleaned,
            position=0 if last is None else last + 1,
            created_by=actor,
            updated_by=actor,
            created_at=moment,
            updated_at=moment,
        )
        _save(rule)
        _record(rule, actor, RuleChange.Kind.CREATED, {})
    return rule


def rule_update(*, actor: User, rule_id: int, changes: Mapping[str, Any]) -> Rule:
    """Change what ``changes`` names (turning a rule on or off is a change of ``active``)."""
    check_admin(actor)
    with transaction.atomic():
        rule = _rule_for_update(rule_id)
        cleaned = clean_rule(changes, rule=rule)
        before = snapshot(rule)
        for name, value in cleaned.items():
            setattr(rule, name, value)
        if snapshot(rule) == before:
            return rule
        rule.updated_by, rule.updated_at = actor, clock.now()
        _save(rule)
        _record(rule, actor, RuleChange.Kind.CHANGED, before)
    return rule


def rule_delete(*, actor: User, rule_id: int) -> None:
    """Delete a rule; its log and history stay, under its name."""
    check_admin(actor)
    with transaction.atomic():
        rule = _rule_for_update(rule_id)
        _record(rule, actor, RuleChange.Kind.DELETED, snapshot(rule))
        rule.delete()


def rules_reorder(*, actor: User, rule_ids: list[int]) -> list[Rule]:
    """Put the rules in this order (every rule, each once)."""
    check_admin(actor)
    with transaction.atomic():
        rules = {rule.pk: rule for rule in Rule.objects.select_for_update()}
        if sorted(rule_ids) != sorted(rules) or len(set(rule_ids)) != len(rule_ids):
            raise InvalidInput(
                gettext_noop("Name every rule once, in the new order."), field="order"
            )
        for position, pk in enumerate(rule_ids):
            rule = rules[pk]
            if rule.position != position:
                before = snapshot(rule)
                rule.position = position
                rule.save(update_fields=["position"])
                _record(rule, actor, RuleChange.Kind.MOVED, before)
    return sorted(rules.values(), key=lambda rule: rule.position)


def rule_move(*, actor: User, rule_id: int, step: int) -> list[Rule]:
    """Move a rule one place earlier (``step`` -1) or later (+1)."""
    check_admin(actor)
    if step not in (-1, 1):
        raise InvalidInput(gettext_noop("Move one place earlier or later."), field="order")
    order = list(Rule.objects.order_by("position", "id").values_list("pk", flat=True))
    if rule_id not in order:
        raise NotFound(NOT_FOUND)
    place = order.index(rule_id)
    other = place + step
    if 0 <= other < len(order):
        order[place], order[other] = order[other], order[place]
    return rules_reorder(actor=actor, rule_ids=order)


# --- dry-run ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DryRun:
    count: int
    tickets: list[Ticket]  # the newest DRY_RUN_SHOWN
    conditions: list[str]  # in words


def rule_dry_run(
    *,
    actor: User,
    values: Mapping[str, Any] | None = None,
    rule_id: int | None = None,
    limit: int = DRY_RUN_SHOWN,
) -> DryRun:
    """Which of the tickets ``actor`` may see a rule would match now (changes nothing): the
    saved rule ``rule_id`` (with ``values`` changed, if given), or an unsaved one described by
    ``values``. For a rule on an event, the tickets whose fields match its conditions (the
    event itself is not checked); for a rule on time, those it would fire on at the next sweep
    (not closed, not fired on in the same window)."""
    check_admin(actor)
    values = dict(values or {})
    values.pop("id", None)
    rule = None
    if rule_id is not None:
        rule = Rule.objects.filter(pk=rule_id).first() if is_id(rule_id) else None
        if rule is None:
            raise NotFound(NOT_FOUND)
    elif not values.get("name"):
        values["name"] = "Dry-run of an unsaved rule"
    cleaned = clean_rule(values, rule=rule)
    moment = clock.now()
    visible = access.tickets_visible_to(actor)
    if cleaned["event"] == Event.TIME:
        draft = Rule(pk=rule_id, conditions=cleaned["conditions"], match=cleaned["match"])
        found = time_candidates(draft, moment).filter(pk__in=visible.values("pk"))
    else:
        found = visible.filter(schema.rule_query(cleaned["conditions"], cleaned["match"], moment))
    shown = list(found.select_related("requester", "assignee").order_by("-pk")[: max(1, limit)])
    names = schema.names_for([Rule(conditions=cleaned["conditions"], actions=[])])
    return DryRun(
        count=found.count(),
        tickets=shown,
        conditions=[schema.condition_words(c, names) for c in cleaned["conditions"]],
    )
