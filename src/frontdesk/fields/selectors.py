"""Reads of custom fields, through fields/access.py: the fields a user may see or set, and
the values of a page of tickets in one query."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import User
from frontdesk.core.compiled import CompiledRead
from frontdesk.core.errors import NotAllowed, NotFound
from frontdesk.fields import values as field_values
from frontdesk.fields.access import fields_visible_to, value_condition
from frontdesk.fields.models import VALUE_COLUMN, FieldDefinition, FieldType, TicketFieldValue
from frontdesk.teams.selectors import default_team_id
from frontdesk.tickets import access
from frontdesk.tickets.models import Ticket


def fields_for_form(*, user: User) -> list[FieldDefinition]:
    """The active fields ``user`` fills in when opening a ticket, in order: the global ones
    and the default team's, the team a new ticket is opened into (teams/selectors.py)."""
    return list(fields_visible_to(user, team_id=default_team_id()).filter(active=True))


def fields_active_for(*, user: User) -> list[FieldDefinition]:
    """The active fields ``user`` may read, of every team, in order (columns of a list or an
    export, filters)."""
    return _fields_active(access.sees_ticket_workings(user))


def field_definitions(*, user: User) -> list[FieldDefinition]:
    """Every field definition, active or not (admins, to edit them; staff, to read them)."""
    if not user.is_staff_member:
        raise NotAllowed(gettext_noop("Only staff can list every custom field."))
    return list(FieldDefinition.objects.all())


def fields_listed(*, user: User) -> list[FieldDefinition]:
    """The fields ``user`` may list: staff every one (inactive too), a customer the active
    customer-visible ones they fill in when opening a ticket."""
    if user.is_staff_member:
        return field_definitions(user=user)
    return fields_for_form(user=user)


def field_get(*, user: User, field_id: int) -> FieldDefinition:
    field = fields_visible_to(user).filter(pk=field_id).first()
    if field is None:
        raise NotFound(gettext_noop("There is no custom field with that id."))
    return field


def values_for_tickets(
    *, user: User, ticket_ids: Iterable[int]
) -> dict[int, dict[str, field_values.Value]]:
    """The values ``user`` may read of the tickets ``ticket_ids`` (already read through the
    gate), by ticket id and field key. One query, whatever the number of tickets."""
    ids = list(ticket_ids)
    found: dict[int, dict[str, field_values.Value]] = defaultdict(dict)
    if not ids:
        return found
    choices_of: dict[str, list[str]] = {}  # a multiple choice's options, by their JSON text
    for ticket_id, key, type_, choices_text, *columns in _values_of(
        (access.sees_ticket_workings(user), len(ids)), *ids
    ):
        value = columns[_VALUE_AT[type_]]
        current = found[ticket_id].get(key)
        if isinstance(current, list) or type_ == FieldType.MULTI_CHOICE:
            if choices_text not in choices_of:
                choices_of[choices_text] = json.loads(choices_text)
            merged = [*(current or []), value]  # type: ignore[misc]
            found[ticket_id][key] = field_values.options_in_order(choices_of[choices_text], merged)
        else:
            found[ticket_id][key] = value
    return found


def _reader(sees_workings: bool) -> User:
    """Whom fields/access.py treats as any reader who does (or does not) see how staff work."""
    return access.gate_stand_in(
        access.AGENT_SHAPE if sees_workings else access.CUSTOMER_SHAPE, pk=0
    )


# A value's typed columns, as the values' read gives them after the field's key, type and
# choices; which one holds a value of each type. Tuples, not instances: a REST page of 50
# tickets with three fields each made 110 instances (a value and its field), a third of the
# list's CPU (bench/README.md, "The REST lists at a million tickets").
_VALUE_COLUMNS = ("text_value", "number_value", "date_value", "bool_value")
_VALUE_AT = {type_: _VALUE_COLUMNS.index(column) for type_, column in VALUE_COLUMN.items()}


# The field's options as the database keeps their JSON, decoded only for a multiple choice
# and once per field: read as the JSON field, every value row of every ticket decoded them
# again: 114 decodings for a REST page of 50 tickets, 0.15 ms of its 4-5 ms of CPU.
_CHOICES_TEXT = Cast("field__choices", output_field=TextField())


def _values_query(
    shape: tuple[bool, int], *ticket_ids: int
) -> QuerySet[TicketFieldValue, tuple[Any, ...]]:
    sees_workings, _count = shape
    return (
        TicketFieldValue.objects.filter(field__active=True, ticket_id__in=ticket_ids)
        .filter(value_condition(_reader(sees_workings)))
        .order_by("ticket_id", "field__position", "field_id", "id")
        .values_list("ticket_id", "field__key", "field__type", _CHOICES_TEXT, *_VALUE_COLUMNS)
    )


def _fields_on_query(shape: tuple[bool, bool], team_id: int) -> QuerySet[FieldDefinition]:
    sees_workings, in_a_team = shape
    team = team_id if in_a_team else None
    return fields_visible_to(_reader(sees_workings), team_id=team).filter(active=True)


# Every ticket page and REST ticket reads both, where building the queries cost more than
# running them (3 ms of CPU a page): compiled once per shape (core/compiled.py).
_values_of = CompiledRead(_values_query)
_fields_on = CompiledRead(_fields_on_query)
# Every workspace page reads them for its filters: building and compiling the query was about
# 0.5 ms of the page's CPU at a million tickets (bench/README.md, "The queue page at a
# million tickets, continued").
_fields_active = CompiledRead(
    lambda sees_workings: fields_visible_to(_reader(sees_workings)).filter(active=True)
)


@dataclass(frozen=True)
class ShownField:
    """A field on a ticket's page: its definition and value (None: not set)."""

    field: FieldDefinition
    value: field_values.Value

    @property
    def text(self) -> str:
        return field_values.display(self.value)


def ticket_fields(*, user: User, ticket_id: int) -> list[ShownField]:
    """The active fields ``user`` may see on the ticket, set or not, in order. The ticket is
    read through the gate first. Three queries."""
    return fields_shown_on(user=user, ticket=access.ticket_get(user=user, ticket_id=ticket_id))


def fields_shown_on(*, user: User, ticket: Ticket) -> list[ShownField]:
    """As :func:`ticket_fields`, for a ticket already read through the gate: the global fields
    and its team's. Two queries; none when no field is defined."""
    in_a_team = ticket.team_id is not None
    fields = _fields_on((access.sees_ticket_workings(user), in_a_team), ticket.team_id or 0)
    if not fields:
        return []
    values = values_for_tickets(user=user, ticket_ids=[ticket.pk]).get(ticket.pk, {})
    return [ShownField(field=field, value=values.get(field.key)) for field in fields]
