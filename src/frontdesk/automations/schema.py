"""What a rule may say, checked once: its conditions (``{"field", "operator", "value"}``) and
its actions (``{"action", "value"}``), each refused with a message that names the row and the
problem; how a condition reads as a query on tickets (one definition for the worker, the sweep
and the dry-run); and how each reads in words, for the log and the pages.

A field or an action is one entry of FIELDS or ACTIONS: teams and custom fields, when they
exist, are one entry each here (a value check and a query), nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, Greatest
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import STAFF_ROLES, Organisation, User
from frontdesk.core.errors import DomainError, InvalidInput, Said
from frontdesk.core.ids import is_id
from frontdesk.fields import filters as field_filters
from frontdesk.fields import values as field_values
from frontdesk.fields.models import FieldDefinition, FieldType
from frontdesk.replies.models import SavedReply
from frontdesk.teams.models import Team
from frontdesk.tickets import validators
from frontdesk.tickets.models import (
    Category,
    Channel,
    Message,
    MessageKind,
    Priority,
    Status,
    Ticket,
    TicketEvent,
)
from frontdesk.webhooks.models import Webhook

CONDITIONS_MAX = 20
ACTIONS_MAX = 10
TEXT_MAX = 200  # a "contains" text, a domain
NOTE_MAX = 5_000
HOURS_MAX = 24 * 365
UNASSIGNED = "unassigned"
ASSIGNEE = "assignee"
NO_TEAM = "none"
CUSTOM_CONDITION = "field:"  # "field:<key>": a condition on a custom field
CUSTOM_ACTION = "set_field:"  # "set_field:<key>": set a custom field

IS, IS_NOT = "is", "is_not"
HAS, HAS_NOT = "has", "has_not"
CONTAINS, NOT_CONTAINS = "contains", "not_contains"
AT_LEAST = "at_least"
IS_SET, IS_NOT_SET = "is_set", "is_not_set"
GREATER, LESS = "greater", "less"
OPERATOR_LABELS = {
    IS: gettext_noop("is"),
    IS_NOT: gettext_noop("is not"),
    IS_SET: gettext_noop("is set"),
    IS_NOT_SET: gettext_noop("is not set"),
    GREATER: gettext_noop("is greater than"),
    LESS: gettext_noop("is less than"),
    HAS: gettext_noop("has"),
    HAS_NOT: gettext_noop("has not"),
    CONTAINS: gettext_noop("contains"),
    NOT_CONTAINS: gettext_noop("does not contain"),
    AT_LEAST: gettext_noop("at least (hours)"),
}


# --- values -----------------------------------------------------------------------------------


def _choice(choices: type[Status] | type[Priority] | type[Category] | type[Channel]) -> Cleaner:
    def clean(value: object, where: Said) -> object:
        if value not in choices.values:
            allowed = ", ".join(choices.values)
            raise InvalidInput(
                gettext_noop("%(where)s: unknown value %(value)s; use one of %(allowed)s."),
                values={"where": where, "value": repr(value), "allowed": allowed},
            )
        return value

    return clean


def _organisation(value: object, where: Said) -> object:
    value = _int(value)
    if value is None or not Organisation.objects.filter(pk=value).exists():
        raise InvalidInput(
            gettext_noop("%(where)s: there is no such organisation."), values={"where": where}
        )
    return value


def _agent(value: object, where: Said) -> object:
    value = _int(value)
    if (
        value is None
        or not User.objects.filter(pk=value, role__in=STAFF_ROLES, is_active=True).exists()
    ):
        raise InvalidInput(
            gettext_noop("%(where)s: choose an active agent or admin."), values={"where": where}
        )
    return value


def _assignee(value: object, where: Said) -> object:
    return UNASSIGNED if value == UNASSIGNED else _agent(value, where)


def _notify_whom(value: object, where: Said) -> object:
    return ASSIGNEE if value == ASSIGNEE else _agent(value, where)


def _webhook(value: object, where: Said) -> object:
    value = _int(value)
    if value is None or not Webhook.objects.filter(pk=value, active=True).exists():
        raise InvalidInput(
            gettext_noop("%(where)s: choose a webhook that is on."), values={"where": where}
        )
    return value


def _int(value: object) -> int | None:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    return value if isinstance(value, int) and is_id(value) else None


def _text(value: object, where: Said) -> object:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(
            gettext_noop("%(where)s: write the text to look for."), values={"where": where}
        )
    if len(value) > TEXT_MAX:
        raise InvalidInput(
            gettext_noop("%(where)s: at most %(limit)s characters."),
            values={"where": where, "limit": TEXT_MAX},
        )
    return value.strip()


def _domain(value: object, where: Said) -> object:
    text = str(_text(value, where)).lower().lstrip("@")
    if "@" in text or " " in text or "." not in text:
        raise InvalidInput(
            gettext_noop("%(where)s: write a mail domain such as example.com."),
            values={"where": where},
        )
    return text


def _tag(value: object, where: Said) -> object:
    try:
        (tag,) = validators.clean_tags([value if isinstance(value, str) else ""])
    except (InvalidInput, ValueError):
        raise InvalidInput(
            gettext_noop(
                "%(where)s: a tag is letters, digits, spaces, - and _, at most %(limit)s "
                "characters."
            ),
            values={"where": where, "limit": validators.TAG_MAX_LENGTH},
        ) from None
    return tag


def _hours(value: object, where: Said) -> object:
    hours = _int(value)
    if hours is None or not 1 <= hours <= HOURS_MAX:
        raise InvalidInput(
            gettext_noop("%(where)s: a whole number of hours from 1 to %(limit)s."),
            values={"where": where, "limit": HOURS_MAX},
        )
    return hours


def _note(value: object, where: Said) -> object:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(gettext_noop("%(where)s: write the note."), values={"where": where})
    if len(value) > NOTE_MAX:
        raise InvalidInput(
            gettext_noop("%(where)s: a note is at most %(limit)s characters."),
            values={"where": where, "limit": f"{NOTE_MAX:,}"},
        )
    try:
        validators.check_message(value)
    except InvalidInput as exc:
        raise InvalidInput(
            gettext_noop("%(where)s: %(problem)s"),
            values={"where": where, "problem": exc.as_said()},
        ) from None
    return value


def _shared_reply(value: object, where: Said) -> object:
    value = _int(value)
    if value is None or not SavedReply.objects.filter(pk=value, owner__isnull=True).exists():
        raise InvalidInput(
            gettext_noop("%(where)s: choose a shared saved reply."), values={"where": where}
        )
    return value


def _nothing(value: object, where: Said) -> object:
    return None


def _team(value: object, where: Said) -> object:
    if value == NO_TEAM:
        return NO_TEAM
    value = _int(value)
    if value is None or not Team.objects.filter(pk=value).exists():
        raise InvalidInput(
            gettext_noop("%(where)s: choose a team, or %(no_team)s for no team."),
            values={"where": where, "no_team": NO_TEAM},
        )
    return value


def _active_team(value: object, where: Said) -> object:
    """A team to move tickets to: an active one (a team turned off later is logged as refused
    when the rule runs), or none."""
    value = _team(value, where)
    if isinstance(value, int) and not Team.objects.filter(pk=value, active=True).exists():
        raise InvalidInput(
            gettext_noop("%(where)s: this team is turned off; choose an active team."),
            values={"where": where},
        )
    return value


Cleaner = Callable[[object, Said], object]


# --- conditions -------------------------------------------------------------------------------


def _subquery_time(query: Any) -> Subquery:
    return Subquery(query.order_by("-id").values("created_at")[:1])


def _last_customer_reply() -> Combinable:
    replies = Message.objects.filter(
        ticket=OuterRef("pk"), kind=MessageKind.PUBLIC, author=OuterRef("requester_id")
    )
    return Coalesce(_subquery_time(replies), F("created_at"))


def _last_status_change() -> Combinable:
    events = TicketEvent.objects.filter(ticket=OuterRef("pk"), field=TicketEvent.Field.STATUS)
    return Coalesce(_subquery_time(events), F("created_at"))


def _pending_since() -> Combinable:
    events = TicketEvent.objects.filter(
        ticket=OuterRef("pk"), field=TicketEvent.Field.STATUS, new_value=Status.PENDING
    )
    return Coalesce(_subquery_time(events), F("created_at"))


# A time field: the instant its hours are counted from (an expression on Ticket).
ANCHORS: dict[str, Callable[[], Combinable]] = {
    "hours_since_created": lambda: F("created_at"),
    "hours_since_customer_reply": _last_customer_reply,
    "hours_since_status_change": _last_status_change,
    "hours_since_pending": _pending_since,
}


def _choice_query(column: str) -> Callable[[str, Any, datetime], Q]:
    def query(operator: str, value: Any, moment: datetime) -> Q:
        q = Q(**{column: value})
        return q if operator == IS else ~q

    return query


def _assignee_query(operator: str, value: Any, moment: datetime) -> Q:
    q = Q(assignee__isnull=True) if value == UNASSIGNED else Q(assignee_id=value)
    return q if operator == IS else ~q


def _tags_query(operator: str, value: Any, moment: datetime) -> Q:
    tagged = Exists(Ticket.tags.through.objects.filter(ticket_id=OuterRef("pk"), tag__name=value))
    return Q(tagged) if operator == HAS else ~Q(tagged)


def _title_query(operator: str, value: Any, moment: datetime) -> Q:
    q = Q(title__icontains=value)
    return q if operator == CONTAINS else ~q


def _body_query(operator: str, value: Any, moment: datetime) -> Q:
    said = Exists(
        Message.objects.filter(
            ticket=OuterRef("pk"), kind=MessageKind.PUBLIC, body__icontains=value
        )
    )
    return Q(said) if operator == CONTAINS else ~Q(said)


def _team_query(operator: str, value: Any, moment: datetime) -> Q:
    q = Q(team__isnull=True) if value == NO_TEAM else Q(team_id=value)
    return q if operator == IS else ~q


def _domain_query(operator: str, value: Any, moment: datetime) -> Q:
    q = Q(requester__email__iendswith=f"@{value}")
    return q if operator == IS else ~q


def _hours_query(name: str) -> Callable[[str, Any, datetime], Q]:
    def query(operator: str, value: Any, moment: datetime) -> Q:
        q = Q(LessThanOrEqual(ANCHORS[name](), moment - timedelta(hours=int(value))))
        return q & Q(status=Status.PENDING) if name == "hours_since_pending" else q

    return query


@dataclass(frozen=True)
class FieldSpec:
    label: str
    operators: tuple[str, ...]
    clean: Cleaner
    query: Callable[[str, Any, datetime], Q]
    # What the form offers for the value: a list of (value, label), "text" or "number".
    kind: str = "choice"


EQUALITY = (IS, IS_NOT)
FIELDS: dict[str, FieldSpec] = {
    "status": FieldSpec(gettext_noop("Status"), EQUALITY, _choice(Status), _choice_query("status")),
    "priority": FieldSpec(
        gettext_noop("Priority"), EQUALITY, _choice(Priority), _choice_query("priority")
    ),
    "category": FieldSpec(
        gettext_noop("Category"), EQUALITY, _choice(Category), _choice_query("category")
    ),
    "channel": FieldSpec(
        gettext_noop("Channel"), EQUALITY, _choice(Channel), _choice_query("channel")
    ),
    "organisation": FieldSpec(
        gettext_noop("Organisation"),
        EQUALITY,
        _organisation,
        _choice_query("organisation_id"),
        "organisation",
    ),
    "assignee": FieldSpec(gettext_noop("Assignee"), EQUALITY, _assignee, _assignee_query, "agent"),
    "team": FieldSpec(gettext_noop("Team"), EQUALITY, _team, _team_query, "team"),
    "tags": FieldSpec(gettext_noop("Tags"), (HAS, HAS_NOT), _tag, _tags_query, "text"),
    "title": FieldSpec(
        gettext_noop("Title"), (CONTAINS, NOT_CONTAINS), _text, _title_query, "text"
    ),
    "body": FieldSpec(
        gettext_noop("Conversation (public messages)"),
        (CONTAINS, NOT_CONTAINS),
        _text,
        _body_query,
        "text",
    ),
    "requester_domain": FieldSpec(
        gettext_noop("Requester's mail domain"), EQUALITY, _domain, _domain_query, "text"
    ),
    "hours_since_created": FieldSpec(
        gettext_noop("Hours since created"),
        (AT_LEAST,),
        _hours,
        _hours_query("hours_since_created"),
        "number",
    ),
    "hours_since_customer_reply": FieldSpec(
        gettext_noop("Hours since the customer's last reply"),
        (AT_LEAST,),
        _hours,
        _hours_query("hours_since_customer_reply"),
        "number",
    ),
    "hours_since_status_change": FieldSpec(
        gettext_noop("Hours since the status changed"),
        (AT_LEAST,),
        _hours,
        _hours_query("hours_since_status_change"),
        "number",
    ),
    "hours_since_pending": FieldSpec(
        gettext_noop("Hours pending"),
        (AT_LEAST,),
        _hours,
        _hours_query("hours_since_pending"),
        "number",
    ),
}
TIME_FIELDS = frozenset(ANCHORS)


# --- custom fields ----------------------------------------------------------------------------
# A condition "field:<key>" and an action "set_field:<key>" for each custom field: the value is
# checked against the field's definition (fields/values.py) and the condition's query is the
# one the ticket filters use (fields/filters.value_query).

SET_OPERATORS = (IS_SET, IS_NOT_SET)  # take no value
CUSTOM_OPERATORS: dict[str, tuple[str, ...]] = {
    FieldType.TEXT: (IS, IS_NOT, CONTAINS, NOT_CONTAINS, *SET_OPERATORS),
    FieldType.NUMBER: (IS, IS_NOT, GREATER, LESS, *SET_OPERATORS),
    FieldType.DATE: (IS, IS_NOT, GREATER, LESS, *SET_OPERATORS),
    FieldType.CHOICE: (IS, IS_NOT, *SET_OPERATORS),
    FieldType.MULTI_CHOICE: (HAS, HAS_NOT, *SET_OPERATORS),
    FieldType.CHECKBOX: (IS, IS_NOT, *SET_OPERATORS),
}
_LOOKUPS = {CONTAINS: "icontains", NOT_CONTAINS: "icontains", GREATER: "gt", LESS: "lt"}
_NEGATED = frozenset({IS_NOT, HAS_NOT, NOT_CONTAINS})


def custom_key(name: object, prefix: str) -> str | None:
    """The custom field's key a condition's field or an action names, or None."""
    if isinstance(name, str) and name.startswith(prefix) and len(name) > len(prefix):
        return name[len(prefix) :]
    return None


def _definition(key: str, *, active_only: bool) -> FieldDefinition | None:
    found = FieldDefinition.objects.filter(key=key)
    return (found.filter(active=True) if active_only else found).first()


def _kept(value: field_values.Value) -> object:
    """A field's value as a rule keeps it in JSON: numbers and dates as text."""
    if value is None or isinstance(value, bool | str | list):
        return value
    return field_values.display(value)


def _without_label(field: FieldDefinition, exc: InvalidInput) -> Said:
    # A custom field's refusals start "%(label)s: "; the row names the field already.
    if exc.text.startswith("%(label)s: ") and exc.values.get("label") == field.label:
        return Said(exc.text.removeprefix("%(label)s: "), exc.values)
    return exc.as_said()


def _custom_condition(field: FieldDefinition) -> FieldSpec:
    def clean(value: object, where: Said) -> object:
        try:
            parsed = field_filters.one_value(field, value)
        except InvalidInput as exc:
            raise InvalidInput(
                gettext_noop("%(where)s: %(problem)s"),
                values={"where": where, "problem": _without_label(field, exc)},
            ) from None
        if parsed is None:
            raise InvalidInput(
                gettext_noop("%(where)s: give the value to compare with."), values={"where": where}
            )
        return _kept(parsed)

    def query(operator: str, value: Any, moment: datetime) -> Q:
        if operator in SET_OPERATORS:
            unset = field_filters.value_query(field, None)
            return ~unset if operator == IS_SET else unset
        lookup = _LOOKUPS.get(operator, "exact")
        if field.type == FieldType.TEXT and lookup == "exact":
            lookup = "iexact"
        q = field_filters.value_query(field, field_filters.one_value(field, value), lookup)
        return ~q if operator in _NEGATED else q

    kind = "text" if field.type in (FieldType.TEXT, FieldType.NUMBER, FieldType.DATE) else "choice"
    return FieldSpec(field.label, CUSTOM_OPERATORS[field.type], clean, query, kind)


def _nowhere(operator: str, value: Any, moment: datetime) -> Q:
    return Q(pk__in=[])


def field_spec(name: object, *, active_only: bool = False) -> FieldSpec | None:
    """The condition field ``name`` (one of FIELDS, or ``field:<key>``), or None. A custom
    field deleted since the rule was written holds for no ticket."""
    key = custom_key(name, CUSTOM_CONDITION)
    if key is None:
        return FIELDS.get(name) if isinstance(name, str) else None
    field = _definition(key, active_only=active_only)
    if field is not None:
        return _custom_condition(field)
    return None if active_only else FieldSpec(key, EQUALITY, _nothing, _nowhere, "text")


def _custom_action(field: FieldDefinition) -> ActionSpec:
    def clean(value: object, where: Said) -> object:
        try:
            return _kept(field_values.parse_value(field, value))
        except InvalidInput as exc:
            raise InvalidInput(
                gettext_noop("%(where)s: %(problem)s"),
                values={"where": where, "problem": _without_label(field, exc)},
            ) from None

    kind = "text" if field.type in (FieldType.TEXT, FieldType.NUMBER, FieldType.DATE) else "choice"
    return ActionSpec(f"Set {field.label}", clean, kind)


# --- actions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionSpec:
    label: str
    clean: Cleaner
    kind: str = "choice"  # what the form offers for the value


ACTIONS: dict[str, ActionSpec] = {
    "set_status": ActionSpec(gettext_noop("Set status"), _choice(Status)),
    "set_priority": ActionSpec(gettext_noop("Set priority"), _choice(Priority)),
    "set_category": ActionSpec(gettext_noop("Set category"), _choice(Category)),
    "assign": ActionSpec(gettext_noop("Assign to"), _agent, "agent"),
    "unassign": ActionSpec(gettext_noop("Unassign"), _nothing, "none"),
    "add_tag": ActionSpec(gettext_noop("Add tag"), _tag, "text"),
    "remove_tag": ActionSpec(gettext_noop("Remove tag"), _tag, "text"),
    "add_note": ActionSpec(gettext_noop("Add internal note"), _note, "text"),
    "send_reply": ActionSpec(gettext_noop("Send saved reply"), _shared_reply, "reply"),
    "notify": ActionSpec(gettext_noop("Notify"), _notify_whom, "notify"),
    "set_team": ActionSpec(gettext_noop("Set team"), _active_team, "team"),
    "send_webhook": ActionSpec(gettext_noop("Send to webhook"), _webhook, "webhook"),
}


def action_spec(name: object, *, active_only: bool = False) -> ActionSpec | None:
    """The action ``name`` (one of ACTIONS, or ``set_field:<key>``), or None."""
    key = custom_key(name, CUSTOM_ACTION)
    if key is None:
        return ACTIONS.get(name) if isinstance(name, str) else None
    field = _definition(key, active_only=active_only)
    return None if field is None else _custom_action(field)


CHOICES_OF: dict[str, Any] = {
    "status": Status,
    "priority": Priority,
    "category": Category,
    "channel": Channel,
    "set_status": Status,
    "set_priority": Priority,
    "set_category": Category,
}


# --- checking a rule's lists ------------------------------------------------------------------


def _rows(value: object, *, field: str, noun: str, most: int) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        raise InvalidInput(
            gettext_noop("The conditions are a list of rows.")
            if noun == "condition"
            else gettext_noop("The actions are a list of rows."),
            field=field,
        )
    if len(value) > most:
        raise InvalidInput(
            gettext_noop("A rule has at most %(most)s conditions.")
            if noun == "condition"
            else gettext_noop("A rule has at most %(most)s actions."),
            values={"most": most},
            field=field,
        )
    return value


def clean_conditions(value: object, *, event: str) -> list[dict[str, Any]]:
    """The conditions, each checked: a known field, one of its operators, a valid value. A rule
    on passing time needs at least one time condition ("hours since ...")."""
    cleaned = []
    for number, row in enumerate(
        _rows(value, field="conditions", noun="condition", most=CONDITIONS_MAX), start=1
    ):
        where = Said(gettext_noop("Condition %(number)s"), {"number": number})
        try:
            cleaned.append(_clean_condition(row, where))
        except InvalidInput as exc:
            raise InvalidInput(exc.text, values=exc.values, field="conditions") from None
    if event == "time" and not any(row["field"] in TIME_FIELDS for row in cleaned):
        raise InvalidInput(
            gettext_noop(
                "A rule on passing time needs a condition on hours (since created, the customer's "
                "last reply, the status change, or pending)."
            ),
            field="conditions",
        )
    return cleaned


def _clean_condition(row: dict[str, Any], where: Said) -> dict[str, Any]:
    unknown = sorted(set(row) - {"field", "operator", "value"})
    if unknown:
        raise InvalidInput(
            gettext_noop("%(where)s: unknown keys %(keys)s."),
            values={"where": where, "keys": ", ".join(unknown)},
        )
    spec = field_spec(row.get("field"), active_only=True)
    if spec is None:
        key = custom_key(row.get("field"), CUSTOM_CONDITION)
        if key is not None:
            raise InvalidInput(
                gettext_noop("%(where)s: there is no custom field %(key)s."),
                values={"where": where, "key": repr(key)},
            )
        raise InvalidInput(
            gettext_noop("%(where)s: choose a field (%(fields)s, or %(custom)s<key>)."),
            values={"where": where, "fields": ", ".join(FIELDS), "custom": CUSTOM_CONDITION},
        )
    operator = row.get("operator") or spec.operators[0]
    if operator not in spec.operators:
        allowed = ", ".join(spec.operators)
        raise InvalidInput(
            gettext_noop("%(where)s: %(label)s takes the operators %(allowed)s."),
            values={"where": where, "label": Said(spec.label), "allowed": allowed},
        )
    value = (
        None
        if operator in SET_OPERATORS
        else spec.clean(row.get("value"), _within(where, spec.label))
    )
    return {"field": row["field"], "operator": operator, "value": value}


def _within(where: Said, label: str) -> Said:
    """ "Condition 2 (Priority)": a row and its field, each said in the reader's language."""
    return Said(gettext_noop("%(where)s (%(label)s)"), {"where": where, "label": Said(label)})


def clean_actions(value: object) -> list[dict[str, Any]]:
    """The actions, each checked: a known action and a valid value for it; at least one."""
    rows = _rows(value, field="actions", noun="action", most=ACTIONS_MAX)
    if not rows:
        raise InvalidInput(gettext_noop("Give the rule at least one action."), field="actions")
    cleaned = []
    for number, row in enumerate(rows, start=1):
        where = Said(gettext_noop("Action %(number)s"), {"number": number})
        unknown = sorted(set(row) - {"action", "value"})
        spec = action_spec(row.get("action"), active_only=True)
        if unknown:
            raise InvalidInput(
                gettext_noop("%(where)s: unknown keys %(keys)s."),
                values={"where": where, "keys": ", ".join(unknown)},
                field="actions",
            )
        if spec is None:
            key = custom_key(row.get("action"), CUSTOM_ACTION)
            raise InvalidInput(
                gettext_noop("%(where)s: there is no custom field %(key)s.")
                if key is not None
                else gettext_noop("%(where)s: choose an action (%(actions)s, or %(custom)s<key>)."),
                values={
                    "where": where,
                    "key": repr(key),
                    "actions": ", ".join(ACTIONS),
                    "custom": CUSTOM_ACTION,
                },
                field="actions",
            )
        try:
            action_value = spec.clean(row.get("value"), _within(where, spec.label))
        except InvalidInput as exc:
            raise InvalidInput(exc.text, values=exc.values, field="actions") from None
        cleaned.append({"action": row["action"], "value": action_value})
    return cleaned


# --- queries ----------------------------------------------------------------------------------


def condition_query(condition: dict[str, Any], moment: datetime) -> Q:
    spec = field_spec(condition["field"])
    assert spec is not None  # checked when the rule was saved
    return spec.query(condition["operator"], condition["value"], moment)


def rule_query(conditions: list[dict[str, Any]], match: str, moment: datetime) -> Q:
    """The tickets the conditions hold for at ``moment``, as one condition on Ticket."""
    combined = Q()
    for condition in conditions:
        q = condition_query(condition, moment)
        combined = combined | q if match == "any" and combined else combined & q
    return combined


def window_expression(conditions: list[dict[str, Any]]) -> Combinable | None:
    """For a time rule, the instant its hours count from (the latest of its time conditions'):
    the rule fires once per ticket and instant. None: no time condition."""
    anchors = [ANCHORS[c["field"]]() for c in conditions if c["field"] in TIME_FIELDS]
    if not anchors:
        return None
    return anchors[0] if len(anchors) == 1 else Greatest(*anchors)


# --- in words ---------------------------------------------------------------------------------


# Per kind of value ("agent", "organisation", "reply", "team"): id: name; "field": key: label.
Names = dict[str, dict[Any, str]]


# How a rule is said: English as stored (a run's log), or a page's gettext (web/views/rules.py).
Say = Callable[[str], str]


def _as_is(text: str) -> str:
    return text


# The words of the lists' values, marked for the catalogue: a page says them through ``say``.
VALUE_WORDS = (
    gettext_noop("none"),
    gettext_noop("yes"),
    gettext_noop("no"),
    gettext_noop("nobody"),
    gettext_noop("the assignee"),
    # the lists' labels (tickets/models.py), as a rule's words say them
    gettext_noop("New"),
    gettext_noop("Open"),
    gettext_noop("In progress"),
    gettext_noop("Pending"),
    gettext_noop("Resolved"),
    gettext_noop("Closed"),
    gettext_noop("Reopened"),
    gettext_noop("Low"),
    gettext_noop("Medium"),
    gettext_noop("High"),
    gettext_noop("Urgent"),
    gettext_noop("Critical"),
    gettext_noop("Technical"),
    gettext_noop("Billing"),
    gettext_noop("Product"),
    gettext_noop("Feature request"),
    gettext_noop("Bug"),
    gettext_noop("Account"),
    gettext_noop("General"),
    gettext_noop("Other"),
    gettext_noop("Web"),
    gettext_noop("API"),
    gettext_noop("Email"),
)


def _value_words(key: str, kind: str, value: Any, names: Names, say: Say = _as_is) -> str:
    choices = CHOICES_OF.get(key)
    if choices is not None and value in choices.values:
        return say(str(choices(value).label))
    if kind == "team" and value == NO_TEAM:
        return say("none")
    if isinstance(value, bool):
        return say("yes") if value else say("no")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if value == UNASSIGNED:
        return say("nobody")
    if value == ASSIGNEE:
        return say("the assignee")
    known = names.get("agent" if kind == "notify" else kind, {})
    if isinstance(value, int) and value in known:
        return known[value]
    return "" if value is None else str(value)


def condition_words(
    condition: dict[str, Any], names: Names | None = None, say: Say = _as_is
) -> str:
    """A condition in words: English (as a run's log keeps it), or through a page's ``say``."""
    names = names or {}
    operator = OPERATOR_LABELS.get(condition.get("operator", ""), "")
    operator = say(operator) if operator else ""
    key = custom_key(condition.get("field"), CUSTOM_CONDITION)
    if key is not None:
        label = names.get("field", {}).get(key, key)
        value = _value_words("", "text", condition.get("value"), names, say)
        return f"{label} {operator} {value}".strip()
    spec = FIELDS.get(condition.get("field", ""))
    if spec is None:
        return str(condition)
    value = _value_words(condition["field"], spec.kind, condition.get("value"), names, say)
    return f"{say(spec.label)} {operator} {value}".strip()


def action_words(action: dict[str, Any], names: Names | None = None, say: Say = _as_is) -> str:
    """An action in words: English (as a run's log keeps it), or through a page's ``say``."""
    key = custom_key(action.get("action"), CUSTOM_ACTION)
    if key is not None:
        label = (names or {}).get("field", {}).get(key, key)
        if action.get("value") is None:
            return say(gettext_noop("Clear %(label)s")) % {"label": label}
        value = _value_words("", "text", action["value"], names or {}, say)
        return say(gettext_noop("Set %(label)s to %(value)s")) % {"label": label, "value": value}
    spec = ACTIONS.get(action.get("action", ""))
    if spec is None:
        return str(action)
    value = _value_words(action["action"], spec.kind, action.get("value"), names or {}, say)
    if action["action"] == "add_note":
        value = f"“{value[:60]}{'…' if len(value) > 60 else ''}”"
    return f"{say(spec.label)} {value}".strip()


# --- a run's log in the reader's words ------------------------------------------------------


@dataclass(frozen=True)
class RunWords:
    matched: list[str]
    done: list[str]
    errors: list[str]


def error_facts(exc: DomainError) -> dict[str, Any]:
    """A refusal as a run's facts keep it: its English text and its values (Said.facts)."""
    return exc.as_said().facts()


def _error_words(item: dict[str, Any], say: Say) -> str:
    said = Said.from_facts(item)
    # The English as stored, or each part in the reader's language (a page's gettext).
    return said.english() if say is _as_is else said.said()


def _names_loaded(stored: dict[str, dict[str, str]]) -> Names:
    # JSON keeps the ids as strings; the words look them up as numbers (fields by key).
    return {
        kind: {int(key) if kind != "field" and key.isdigit() else key: name
               for key, name in names.items()}
        for kind, names in stored.items()
    }  # fmt: skip


def run_words(run: Any, say: Say = _as_is) -> RunWords:
    """What a rule's run matched, did and could not do, through ``say`` (a page's gettext).
    A run logged before its facts were kept is said as it was stored."""
    facts = run.facts
    if not facts:
        return RunWords(list(run.matched), list(run.done), list(run.errors))
    names = _names_loaded(facts.get("names", {}))
    done = []
    for item in facts.get("done", []):
        words = action_words(item["action"], names, say)
        done.append(say(gettext_noop("%(action)s (already so)")) % {"action": words}
                    if item.get("already") else words)  # fmt: skip
    errors = [
        say(gettext_noop("%(action)s: %(error)s"))
        % {
            "action": action_words(item["action"], names, say),
            "error": _error_words(item, say),
        }
        for item in facts.get("errors", [])
    ]
    matched = [condition_words(condition, names, say) for condition in facts.get("matched", [])]
    return RunWords(matched, done, errors)


def names_for(rules: list[Any]) -> Names:
    """The names of the agents, organisations, saved replies, teams and custom fields the
    rules name: six queries."""
    wanted: dict[str, set[int]] = {"agent": set(), "organisation": set(), "reply": set()}
    wanted["team"] = set()
    wanted["webhook"] = set()
    keys = {
        key
        for rule in rules
        for key in [custom_key(c.get("field"), CUSTOM_CONDITION) for c in rule.conditions]
        + [custom_key(a.get("action"), CUSTOM_ACTION) for a in rule.actions]
        if key is not None
    }
    for rule in rules:
        rows = [(FIELDS.get(c.get("field", "")), c) for c in rule.conditions] + [
            (ACTIONS.get(a.get("action", "")), a) for a in rule.actions
        ]
        for spec, row in rows:
            value = row.get("value")
            kind = (
                "agent" if spec is not None and spec.kind == "notify" else getattr(spec, "kind", "")
            )
            if kind in wanted and isinstance(value, int):
                wanted[kind].add(value)
    return {
        "agent": dict(User.objects.filter(pk__in=wanted["agent"]).values_list("pk", "username")),
        "organisation": dict(
            Organisation.objects.filter(pk__in=wanted["organisation"]).values_list("pk", "name")
        ),
        "reply": dict(SavedReply.objects.filter(pk__in=wanted["reply"]).values_list("pk", "name")),
        "team": dict(Team.objects.filter(pk__in=wanted["team"]).values_list("pk", "name")),
        "webhook": dict(Webhook.objects.filter(pk__in=wanted["webhook"]).values_list("pk", "name")),
        "field": dict(FieldDefinition.objects.filter(key__in=keys).values_list("key", "label")),
    }
