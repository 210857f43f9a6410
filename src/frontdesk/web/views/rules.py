"""Automation rules for admins (agents read them): the list in order with up and down, a form
of condition and action rows (selects, no JSON to write), the dry-run, and the log per rule and
per ticket. The rules and checks are automations/services.py's; this only parses the rows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from frontdesk.automations import schema, selectors, services
from frontdesk.automations.models import Event, Match, Rule, RuleRun
from frontdesk.core.errors import Conflict, InvalidInput
from frontdesk.fields.models import CHOICE_TYPES, FieldDefinition, FieldType
from frontdesk.tickets.models import Category, Channel, Priority, Status
from frontdesk.web.pages import current_user, friendly_errors, page_methods

RULES_PATH = "/rules"
CONDITION_ROWS = 6
ACTION_ROWS = 5


def _rows(data: QueryDict, prefix: str, keys: tuple[str, ...], count: int) -> list[dict[str, Any]]:
    """The filled rows of the form: ``<prefix>-<n>-<key>``; a row without its first key is
    empty. The value is the typed text, else the chosen item."""
    rows = []
    for number in range(count):
        first = data.get(f"{prefix}-{number}-{keys[0]}", "").strip()
        if not first:
            continue
        row: dict[str, Any] = {keys[0]: first}
        for key in keys[1:]:
            row[key] = data.get(f"{prefix}-{number}-{key}", "").strip()
        text = data.get(f"{prefix}-{number}-text", "").strip()
        row["value"] = text or data.get(f"{prefix}-{number}-choice", "").strip() or None
        rows.append(row)
    return rows


def _values(data: QueryDict) -> dict[str, Any]:
    return {
        "name": data.get("name", ""),
        "active": data.get("active") == "on",
        "event": data.get("event", ""),
        "match": data.get("match", Match.ALL),
        "conditions": _rows(data, "c", ("field", "operator"), CONDITION_ROWS),
        "actions": _rows(data, "a", ("action",), ACTION_ROWS),
    }


def _padded(rows: list[dict[str, Any]], count: int, offered: set[str]) -> list[dict[str, Any]]:
    """The rows for the form, then empty ones: a value the lists offer is chosen there, any
    other is in the row's text box."""
    shown = []
    for row in rows:
        raw = row.get("value")
        value = "" if raw is None else ", ".join(raw) if isinstance(raw, list) else str(raw)
        shown.append({**row, "value": value, "typed": "" if value in offered else value})
    return shown + [{} for _ in range(max(0, count - len(shown)))]


def _form_context(request: HttpRequest, values: dict[str, Any], **more: Any) -> dict[str, Any]:
    user = current_user(request)
    custom = selectors.rule_form_fields(user=user)
    groups = _value_groups(user, custom)
    offered = {value for _title, items in groups for value, _name in items}
    return {
        "values": values,
        "conditions": _padded(values.get("conditions", []), CONDITION_ROWS, offered),
        "actions": _padded(values.get("actions", []), ACTION_ROWS, offered),
        "events": [(value, gettext(label)) for value, label in Event.choices],
        "matches": [(value, gettext(label)) for value, label in Match.choices],
        "fields": [(name, gettext(spec.label)) for name, spec in schema.FIELDS.items()]
        + [
            (
                f"{schema.CUSTOM_CONDITION}{f.key}",
                gettext("%(label)s (custom field)") % {"label": f.label},
            )
            for f in custom
        ],
        "operators": [(name, gettext(label)) for name, label in schema.OPERATOR_LABELS.items()],
        "action_kinds": [(name, gettext(spec.label)) for name, spec in schema.ACTIONS.items()]
        + [
            (
                f"{schema.CUSTOM_ACTION}{f.key}",
                gettext("Set %(label)s (custom field)") % {"label": f.label},
            )
            for f in custom
        ],
        "value_groups": groups,
        "is_admin": user.is_admin,
        **more,
    }


def _value_groups(
    user: Any, custom: list[FieldDefinition]
) -> list[tuple[str, list[tuple[str, str]]]]:
    people = selectors.rule_form_choices(user=user)
    return [
        (gettext("Status"), [(str(v), gettext(label)) for v, label in Status.choices]),
        (gettext("Priority"), [(str(v), gettext(label)) for v, label in Priority.choices]),
        (gettext("Category"), [(str(v), gettext(label)) for v, label in Category.choices]),
        (gettext("Channel"), [(str(v), gettext(label)) for v, label in Channel.choices]),
        (
            gettext("Assignee"),
            [
                (schema.UNASSIGNED, gettext("Nobody (unassigned)")),
                (schema.ASSIGNEE, gettext("The assignee")),
            ],
        ),
        (gettext("Agents"), people["agents"]),
        (gettext("Organisations"), people["organisations"]),
        (gettext("Shared saved replies"), people["replies"]),
        (gettext("Teams"), [(schema.NO_TEAM, gettext("No team")), *people["teams"]]),
        (gettext("Webhooks"), people["webhooks"]),
        *[(field.label, _field_options(field)) for field in custom if _field_options(field)],
    ]


def _field_options(field: FieldDefinition) -> list[tuple[str, str]]:
    """What a custom field's value may be chosen from: its options, or yes and no."""
    if field.type == FieldType.CHECKBOX:
        return [("True", gettext("Yes")), ("False", gettext("No"))]
    if field.type in CHOICE_TYPES:
        return [(str(option), str(option)) for option in field.choices]
    return []


def runs_said(runs: Iterable[RuleRun]) -> list[tuple[RuleRun, schema.RunWords]]:
    """Each run with what it matched, did and could not do, in the reader's language."""
    return [(run, schema.run_words(run, say=gettext)) for run in runs]


@page_methods
@never_cache
@login_required
@friendly_errors()
def rules_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    rules = list(selectors.rules_list(user=user))
    names = schema.names_for(rules)
    shown = [
        {
            "rule": rule,
            "conditions": [schema.condition_words(c, names, gettext) for c in rule.conditions],
            "actions": [schema.action_words(a, names, gettext) for a in rule.actions],
        }
        for rule in rules
    ]
    return render(request, "web/rules.html", {"rules": shown, "is_admin": user.is_admin})


def _save(request: HttpRequest, rule: Rule | None) -> HttpResponse:
    user = current_user(request)
    values = _values(request.POST)
    if "dry_run" in request.POST:
        try:
            found = services.rule_dry_run(
                actor=user, values=values, rule_id=rule.pk if rule else None
            )
        except InvalidInput as exc:
            return _form(request, values, rule, error=exc, status=400)
        return _form(request, values, rule, dry_run=found)
    try:
        if rule is None:
            rule = services.rule_create(actor=user, values=values)
        else:
            rule = services.rule_update(actor=user, rule_id=rule.pk, changes=values)
    except (InvalidInput, Conflict) as exc:
        return _form(request, values, rule, error=exc, status=400)
    saved = (
        gettext("Rule “%(name)s” saved and on.")
        if rule.active
        else gettext("Rule “%(name)s” saved (off).")
    )
    messages.success(request, saved % {"name": rule.name})
    return redirect(f"{RULES_PATH}/{rule.pk}")


def _form(
    request: HttpRequest,
    values: dict[str, Any],
    rule: Rule | None,
    *,
    status: int = 200,
    error: InvalidInput | Conflict | None = None,
    **more: Any,
) -> HttpResponse:
    context = _form_context(request, values, rule=rule, error=error, **more)
    if rule is not None:
        user = current_user(request)
        context["runs"] = runs_said(selectors.rule_runs(user=user, rule_id=rule.pk, limit=20))
        context["changes"] = selectors.rule_changes(user=user, rule_id=rule.pk, limit=10)
    return render(request, "web/rule.html", context, status=status)


@page_methods
@never_cache
@login_required
@friendly_errors()
def rule_new(request: HttpRequest) -> HttpResponse:
    services.check_admin(current_user(request))
    if request.method == "POST":
        return _save(request, None)
    return _form(request, {"event": Event.TICKET_CREATED, "match": Match.ALL}, None)


@page_methods
@never_cache
@login_required
@friendly_errors(not_found_message=selectors.NOT_FOUND)
def rule_page(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = selectors.rule_get(user=current_user(request), rule_id=rule_id)
    if request.method == "POST":
        services.check_admin(current_user(request))
        return _save(request, rule)
    return _form(request, services.snapshot(rule), rule)


@never_cache
@require_POST
@login_required
@friendly_errors(not_found_message=selectors.NOT_FOUND)
def rule_move(request: HttpRequest, rule_id: int) -> HttpResponse:
    step = -1 if request.POST.get("direction") == "up" else 1
    services.rule_move(actor=current_user(request), rule_id=rule_id, step=step)
    return redirect(RULES_PATH)


@never_cache
@require_POST
@login_required
@friendly_errors(not_found_message=selectors.NOT_FOUND)
def rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    services.rule_delete(actor=current_user(request), rule_id=rule_id)
    messages.success(request, gettext("Rule deleted. Its log stays on the tickets."))
    return redirect(RULES_PATH)


@page_methods
@never_cache
@login_required
@friendly_errors()
def ticket_rule_runs(request: HttpRequest, ticket_id: int) -> HttpResponse:
    runs = selectors.ticket_rule_runs(user=current_user(request), ticket_id=ticket_id)
    return render(request, "web/rule_runs.html", {"runs": runs_said(runs), "ticket_id": ticket_id})
