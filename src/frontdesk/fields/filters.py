"""Custom fields as ticket filters: ``field_<key>=<value>`` in the workspace's address, a
saved view and the REST API (which also takes ``cf_<key>``). Each keeps the tickets that have
that value, an index lookup on (field, value, ticket); a team field's filter keeps only its
team's tickets. Registered with tickets/filters.py when the app is ready, so the tickets app
does not import this one."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import User
from frontdesk.core.errors import InvalidInput
from frontdesk.fields import values as field_values
from frontdesk.fields.access import fields_visible_to
from frontdesk.fields.models import FieldDefinition, FieldType, TicketFieldValue
from frontdesk.tickets import filters

PREFIXES = ("field_", "cf_")
NONE = "none"


def field_key(name: str) -> str | None:
    """The field key a filter's name names (``field_dance_style``), or None."""
    for prefix in PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix) :]
    return None


def _definition(key: str, name: str) -> FieldDefinition:
    field = FieldDefinition.objects.filter(key=key, active=True).first()
    if field is None:
        raise InvalidInput(
            gettext_noop("There is no custom field %(key)s."), values={"key": repr(key)}, field=name
        )
    return field


def _parse(field: FieldDefinition, text: str) -> Any:
    if text.strip().lower() == NONE and field.type != FieldType.TEXT:
        return None
    return one_value(field, text)


def one_value(field: FieldDefinition, raw: Any) -> Any:
    """``raw`` as one value to look for in ``field`` (for a multi-choice field, one of its
    options); None when empty. InvalidInput names the field and says what it takes."""
    if field.type == FieldType.MULTI_CHOICE:
        return field_values.parse_value(
            FieldDefinition(
                key=field.key, label=field.label, type=FieldType.CHOICE, choices=field.choices
            ),
            raw,
        )
    return field_values.parse_value(field, raw)


def value_query(field: FieldDefinition, value: Any, lookup: str = "exact") -> Q:
    """The tickets that have ``value`` in ``field`` (compared by ``lookup``: ``icontains``,
    ``gt``, ``lt``), as a condition on Ticket; ``None``: those with no value in it. The one
    definition of a custom field as a condition: the filters here and the automation rules'
    conditions (automations/schema.py). A team field's keeps only its team's tickets (where
    it applies)."""
    rows = TicketFieldValue.objects.filter(field=field, ticket=OuterRef("pk"))
    applies = Q() if field.team_id is None else Q(team_id=field.team_id)
    if value is None:
        return applies & ~Q(Exists(rows))
    return applies & Q(Exists(rows.filter(**{f"{field.column}__{lookup}": value})))


def custom_filter(name: str) -> filters.TicketFilter | None:
    """The filter ``name`` stands for, if it names a custom field."""
    key = field_key(name)
    if key is None:
        return None
    field = _definition(key, name)

    def keep(user: User, value: Any) -> Q:
        if not fields_visible_to(user).filter(pk=field.pk).exists():
            raise InvalidInput(
                gettext_noop("There is no custom field %(key)s."),
                values={"key": repr(key)},
                field=name,
            )
        return value_query(field, value)

    return filters.TicketFilter(
        name,
        field.label,
        f"Tickets whose {field.label} is this value (`none`: not set).",
        lambda text: _parse(field, text),
        keep,
    )


filters.register_dynamic(custom_filter)
