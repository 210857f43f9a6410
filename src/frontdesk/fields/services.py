"""Custom fields' use cases: admins define fields; staff set values on any ticket they see;
a customer sets the customer-visible ones when opening a ticket, and the required ones must
be there. Every change of a value is a history row (TicketEvent ``custom_field``), which
live/announce.py announces after commit like any other change.

The history row keeps the field's label with each value (``label`` and the value, on two
lines), so an entry reads the same after the field is renamed or deleted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import User
from frontdesk.accounts.services import customer_create_for_phone_in
from frontdesk.core.clock import now
from frontdesk.core.errors import InvalidInput, NotAllowed, NotFound
from frontdesk.fields import values as field_values
from frontdesk.fields.access import fields_visible_to
from frontdesk.fields.models import CHOICE_TYPES, FieldDefinition, FieldType, TicketFieldValue
from frontdesk.teams.models import Team
from frontdesk.teams.selectors import default_team_id, team_choose
from frontdesk.tickets import access
from frontdesk.tickets.models import Channel, Ticket, TicketEvent
from frontdesk.tickets.services import Opened, ticket_open, ticket_update, touch

KEY_FORMAT = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
CHOICE_MAX = 100
CHOICES_MAX = 200
NOT_ADMIN = gettext_noop("Only admins can define custom fields.")
NOT_STAFF = gettext_noop("Only staff can change custom fields on a ticket.")
FIELD_NOT_FOUND = gettext_noop("There is no custom field with that id.")
DEFINITION_FIELDS = frozenset(
    {
        "key",
        "label",
        "type",
        "choices",
        "help_text",
        "required",
        "customer_visible",
        "active",
        "position",
        "team",
    }
)


# --- definitions --------------------------------------------------------------------------


def _check_admin(actor: User) -> None:
    if not actor.is_admin:
        raise NotAllowed(NOT_ADMIN)


def _clean_key(value: object) -> str:
    key = str(value or "").strip()
    if not KEY_FORMAT.match(key):
        raise InvalidInput(
            gettext_noop(
                "Use a key of lowercase letters, digits and underscores, starting with a letter "
                "(at most 40), like dance_style."
            ),
            field="key",
        )
    return key


def _clean_choices(kind: str, value: object) -> list[str]:
    if kind not in CHOICE_TYPES:
        if value:
            raise InvalidInput(gettext_noop("Only choice fields have options."), field="choices")
        return []
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list | tuple):
        raise InvalidInput(gettext_noop("List the options, one a line."), field="choices")
    options: list[str] = []
    for item in value:
        option = " ".join(str(item).split())
        if not option:
            continue
        if (
            "," in option
            or len(option) > CHOICE_MAX
            or not field_values.is_one_printable_line(option)
        ):
            raise InvalidInput(
                gettext_noop("Option %(option)s: at most %(limit)s characters, no commas."),
                values={"option": repr(option[:40]), "limit": CHOICE_MAX},
                field="choices",
            )
        if option in options:
            raise InvalidInput(
                gettext_noop("The option %(option)s is listed twice."),
                values={"option": repr(option)},
                field="choices",
            )
        options.append(option)
    if not options or len(options) > CHOICES_MAX:
        raise InvalidInput(
            gettext_noop("A choice field needs between 1 and %(limit)s options, one a line."),
            values={"limit": CHOICES_MAX},
            field="choices",
        )
    return options


def _clean_definition(values: Mapping[str, Any], current: FieldDefinition | None) -> dict[str, Any]:
    unknown = sorted(set(values) - DEFINITION_FIELDS)
    if unknown:
        raise InvalidInput(
            gettext_noop("Unknown setting %(name)s."),
            values={"name": repr(unknown[0])},
            field=unknown[0],
        )
    merged = {
        name: getattr(current, name) for name in DEFINITION_FIELDS if current is not None
    } | dict(values)
    kind = str(merged.get("type") or FieldType.TEXT)
    if kind not in FieldType.values:
        raise InvalidInput(
            gettext_noop("Unknown type %(kind)s: use one of %(allowed)s."),
            values={"kind": repr(kind), "allowed": ", ".join(FieldType.values)},
            field="type",
        )
    position = merged.get("position", 0)
    if not isinstance(position, int) or isinstance(position, bool) or not 0 <= position < 10**6:
        raise InvalidInput(
            gettext_noop("Use a whole number from 0 for the position."), field="position"
        )
    help_text = " ".join(str(merged.get("help_text") or "").split())
    if len(help_text) > 200:
        raise InvalidInput(gettext_noop("Keep the hint under 200 characters."), field="help_text")
    return {
        "team": _clean_team(merged.get("team"), current),
        "key": _clean_key(merged.get("key")),
        "label": field_values.check_label(str(merged.get("label") or "")),
        "type": kind,
        "choices": _clean_choices(kind, merged.get("choices")),
        "help_text": help_text,
        "required": bool(merged.get("required", False)),
        "customer_visible": bool(merged.get("customer_visible", False)),
        "active": bool(merged.get("active", True)),
        "position": position,
    }


def _clean_team(value: object, current: FieldDefinition | None) -> Team | None:
    """None (every team) or an active team, named by id or given (the admin's choice); a
    field keeps the team it has even once that team is turned off."""
    if value is None or value == "":
        return None
    if isinstance(value, Team):
        value = value.pk
    if current is not None and value == current.team_id:
        return current.team
    return team_choose(value)


def _key_free(key: str, field_id: int | None) -> None:
    others = FieldDefinition.objects.filter(key=key)
    if field_id is not None:
        others = others.exclude(pk=field_id)
    if others.exists():
        raise InvalidInput(
            gettext_noop("The key %(key)s is already used by another field."),
            values={"key": repr(key)},
            field="key",
        )


def field_define(*, actor: User, values: Mapping[str, Any]) -> FieldDefinition:
    """Define a new custom field (admins). Placed last unless ``position`` says otherwise."""
    _check_admin(actor)
    if "position" not in values:
        last = FieldDefinition.objects.aggregate(last=Max("position"))["last"]
        values = {**values, "position": 0 if last is None else last + 1}
    cleaned = _clean_definition(values, None)
    with transaction.atomic():
        _key_free(cleaned["key"], None)
        return FieldDefinition.objects.create(**cleaned)


def field_change(*, actor: User, field_id: int, values: Mapping[str, Any]) -> FieldDefinition:
    """Change a field's settings (admins). Its key and type stay while tickets have values
    for it (those values would no longer mean what they meant); an option in use is kept."""
    _check_admin(actor)
    with transaction.atomic():
        field = FieldDefinition.objects.select_for_update().filter(pk=field_id).first()
        if field is None:
            raise NotFound(FIELD_NOT_FOUND)
        cleaned = _clean_definition(values, field)
        used = TicketFieldValue.objects.filter(field=field)
        if cleaned["type"] != field.type and used.exists():
            raise InvalidInput(
                gettext_noop(
                    "Tickets already have values for %(label)s: its type cannot change. "
                    "Make a new field instead (and deactivate this one)."
                ),
                values={"label": repr(field.label)},
                field="type",
            )
        if cleaned["key"] != field.key and used.exists():
            raise InvalidInput(
                gettext_noop(
                    "Tickets already have values for %(label)s: its key cannot change, "
                    "saved views and exports use it."
                ),
                values={"label": repr(field.label)},
                field="key",
            )
        if cleaned["type"] in CHOICE_TYPES:
            gone = set(field.choices) - set(cleaned["choices"])
            in_use = used.filter(text_value__in=gone).values_list("text_value", flat=True)
            if taken := sorted({option for option in in_use if option is not None}):
                raise InvalidInput(
                    gettext_noop("The option %(option)s is still set on tickets: keep it."),
                    values={"option": repr(taken[0])},
                    field="choices",
                )
        _key_free(cleaned["key"], field.pk)
        for name, value in cleaned.items():
            setattr(field, name, value)
        field.updated_at = now()
        field.save()
        return field


def field_delete(*, actor: User, field_id: int) -> None:
    """Delete a field and every value of it (admins). The history keeps what was set."""
    _check_admin(actor)
    deleted, _ = FieldDefinition.objects.filter(pk=field_id).delete()
    if not deleted:
        raise NotFound(FIELD_NOT_FOUND)


# --- values -------------------------------------------------------------------------------


def _settable(actor: User, *, opening: bool) -> dict[str, FieldDefinition]:
    """The active fields ``actor`` may set, by key, whatever their team: staff any; a
    customer the customer-visible ones, and only when opening a ticket."""
    fields = fields_visible_to(actor).filter(active=True).select_related("team")
    return {field.key: field for field in fields} if opening or actor.is_staff_member else {}


def _other_team(field: FieldDefinition, team_id: int | None) -> InvalidInput:
    assert field.team is not None
    return InvalidInput(
        gettext_noop("%(label)s is a field of team %(team)s, and this ticket is in no team.")
        if team_id is None
        else gettext_noop(
            "%(label)s is a field of team %(team)s, and this ticket is in another team."
        ),
        values={"label": field.label, "team": field.team.name},
        field=f"field_{field.key}",
    )


def fields_parse(
    *,
    actor: User,
    values: Mapping[str, Any],
    opening: bool = False,
    team_id: int | None = None,
) -> dict[FieldDefinition, field_values.Value]:
    """Every value in ``values`` (by key) checked against its field; a key ``actor`` may not
    set is refused by name, and so is a field of a team other than ``team_id`` (the ticket's
    team; opening, the team it is opened into). Opening a ticket, every required field they
    may set of that team must be there. Nothing is written."""
    settable = _settable(actor, opening=opening)
    if not opening and values and not actor.is_staff_member:
        raise NotAllowed(gettext_noop("Custom fields are set by staff once the ticket is open."))
    parsed: dict[FieldDefinition, field_values.Value] = {}
    for key, raw in values.items():
        field = settable.get(key)
        if field is None:
            raise InvalidInput(
                gettext_noop("There is no custom field %(key)s."),
                values={"key": repr(key)},
                field=f"field_{key}",
            )
        if field.team_id is not None and field.team_id != team_id:
            raise _other_team(field, team_id)
        parsed[field] = field_values.parse_value(field, raw)
    if opening:
        for field in settable.values():
            applies = field.team_id is None or field.team_id == team_id
            if applies and field.required and parsed.get(field) is None:
                raise InvalidInput(
                    gettext_noop("%(label)s is required."),
                    values={"label": field.label},
                    field=f"field_{field.key}",
                )
    return parsed


def _stored(ticket: Ticket, field: FieldDefinition) -> field_values.Value:
    rows = TicketFieldValue.objects.filter(ticket=ticket, field=field)
    return field_values.from_columns(field, list(rows.values_list(field.column, flat=True)))


def _write(
    ticket: Ticket, actor: User, parsed: Mapping[FieldDefinition, field_values.Value]
) -> list[TicketEvent]:
    """Store the values that changed, each with its history row."""
    recorded = []
    for field, value in parsed.items():
        old = _stored(ticket, field)
        if old == value:
            continue
        TicketFieldValue.objects.filter(ticket=ticket, field=field).delete()
        TicketFieldValue.objects.bulk_create(
            TicketFieldValue(ticket=ticket, field=field, **columns)
            for columns in field_values.column_values(field, value)
        )
        recorded.append(
            TicketEvent.objects.create(
                ticket=ticket,
                actor=actor,
                field=TicketEvent.Field.CUSTOM_FIELD,
                old_value="" if old is None else field_values.history_value(field.label, old),
                new_value="" if value is None else field_values.history_value(field.label, value),
                staff_only=not field.customer_visible,
            )
        )
    return recorded


def ticket_fields_set(*, actor: User, ticket_id: int, values: Mapping[str, Any]) -> Ticket:
    """Set custom field values on a ticket (staff, on any ticket they see): all or nothing.
    An empty value removes it. Returns the ticket."""
    with transaction.atomic():
        ticket = access.ticket_get(user=actor, ticket_id=ticket_id, for_update=True)
        if not actor.is_staff_member:
            raise NotAllowed(NOT_STAFF)
        parsed = fields_parse(actor=actor, values=values, team_id=ticket.team_id)
        recorded = _write(ticket, actor, parsed)
        if recorded:
            touch(ticket, [], actor, recorded)
    return ticket


def ticket_open_with_fields(
    *,
    actor: User,
    title: str,
    body: str,
    fields: Mapping[str, Any],
    requester: User | None = None,
    channel: str = Channel.WEB,
    files: Sequence[UploadedFile] = (),
    changes: Mapping[str, Any] | None = None,
) -> Opened:
    """Open a ticket (tickets.services.ticket_open) with its custom fields, in one
    transaction: a required field missing or a value refused opens nothing."""
    parsed = fields_parse(actor=actor, values=fields, opening=True, team_id=default_team_id())
    with transaction.atomic():
        opened = ticket_open(
            actor=actor,
            title=title,
            body=body,
            requester=requester,
            channel=channel,
            files=files,
            changes=changes,
        )
        _write(opened.ticket, actor, parsed)
    return opened


def ticket_update_with_fields(
    *, actor: User, ticket_id: int, changes: Mapping[str, Any], fields: Mapping[str, Any]
) -> Ticket:
    """Change a ticket (tickets.services.ticket_update) and its custom fields together, all
    or nothing."""
    with transaction.atomic():
        ticket = ticket_update(actor=actor, ticket_id=ticket_id, changes=changes)
        if fields:
            ticket_fields_set(actor=actor, ticket_id=ticket_id, values=fields)
    return ticket


def ticket_open_for_caller_with_fields(
    *,
    actor: User,
    name: str,
    email: str,
    title: str,
    body: str,
    fields: Mapping[str, Any],
    files: Sequence[UploadedFile] = (),
) -> Opened:
    """As tickets.services.ticket_open_for_caller (an account for someone who phoned, and
    their ticket), with the ticket's custom fields, in one transaction: a field refused
    leaves no account and no ticket behind."""
    parsed = fields_parse(actor=actor, values=fields, opening=True, team_id=default_team_id())
    with transaction.atomic():
        requester = customer_create_for_phone_in(actor=actor, name=name, email=email)
        opened = ticket_open(actor=actor, title=title, body=body, requester=requester, files=files)
        _write(opened.ticket, actor, parsed)
    return opened
