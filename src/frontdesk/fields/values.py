"""A custom field's value: parsed from what a face sends (text from a form or a URL, JSON
from the REST API) into what its typed column keeps, and written back as text for people
(the history, the sidebar, CSV). Pure functions: no query."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_noop

from frontdesk.core.errors import InvalidInput
from frontdesk.core.text import is_one_printable_line, is_storable_text
from frontdesk.fields.models import TEXT_VALUE_MAX, FieldDefinition, FieldType

TRUE_WORDS = ("true", "1", "yes", "on")
FALSE_WORDS = ("false", "0", "no", "off")
NUMBER_LIMIT = Decimal("1e14")

# A value as kept: one typed value, a list of options (multi choice), or None (no value).
Value = str | Decimal | date | bool | list[str] | None


def _field_name(field: FieldDefinition) -> str:
    return f"field_{field.key}"


def _empty(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip() == "") or raw == []


def parse_value(field: FieldDefinition, raw: Any) -> Value:
    """``raw`` as ``field`` keeps it; None when empty. InvalidInput names the field and says
    what it takes."""
    if _empty(raw):
        return None
    name = _field_name(field)
    kind = FieldType(field.type)
    if kind == FieldType.CHECKBOX:
        return _flag(field, raw)
    if kind == FieldType.MULTI_CHOICE:
        return _options(field, raw)
    if isinstance(raw, bool) or not isinstance(raw, str | int | float | Decimal):
        raise InvalidInput(
            gettext_noop("%(label)s: this value is not understood."),
            values={"label": field.label},
            field=name,
        )
    text = str(raw).strip()
    if kind == FieldType.NUMBER:
        return _number(field, text)
    if kind == FieldType.DATE:
        try:
            return date.fromisoformat(text)
        except ValueError as exc:
            raise InvalidInput(
                gettext_noop("%(label)s: use a date like 2026-01-31."),
                values={"label": field.label},
                field=name,
            ) from exc
    if kind == FieldType.CHOICE:
        return _option(field, text)
    if len(text) > TEXT_VALUE_MAX or not is_storable_text(text):
        raise InvalidInput(
            gettext_noop("%(label)s: use at most %(limit)s characters of text."),
            values={"label": field.label, "limit": TEXT_VALUE_MAX},
            field=name,
        )
    return text


def _flag(field: FieldDefinition, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().lower()
    if word not in TRUE_WORDS + FALSE_WORDS:
        raise InvalidInput(
            gettext_noop("%(label)s: use yes or no."),
            values={"label": field.label},
            field=_field_name(field),
        )
    return word in TRUE_WORDS


def _number(field: FieldDefinition, text: str) -> Decimal:
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or abs(number) >= NUMBER_LIMIT:
        raise InvalidInput(
            gettext_noop("%(label)s: use a number, like 12 or 3.5."),
            values={"label": field.label},
            field=_field_name(field),
        )
    quantized = number.quantize(Decimal("0.0001"))
    if quantized != number:
        raise InvalidInput(
            gettext_noop("%(label)s: use at most four decimal places."),
            values={"label": field.label},
            field=_field_name(field),
        )
    return number


def _option(field: FieldDefinition, text: str) -> str:
    if text not in field.choices:
        allowed = ", ".join(field.choices)
        raise InvalidInput(
            gettext_noop("%(label)s: choose one of %(allowed)s."),
            values={"label": field.label, "allowed": allowed},
            field=_field_name(field),
        )
    return text


def _options(field: FieldDefinition, raw: Any) -> list[str] | None:
    if isinstance(raw, str):
        items: Sequence[Any] = [part for part in raw.split(",")]
    elif isinstance(raw, list | tuple):
        items = raw
    else:
        raise InvalidInput(
            gettext_noop("%(label)s: send a list of options."),
            values={"label": field.label},
            field=_field_name(field),
        )
    chosen: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise InvalidInput(
                gettext_noop("%(label)s: send a list of options."),
                values={"label": field.label},
                field=_field_name(field),
            )
        if item.strip() and (option := _option(field, item.strip())) not in chosen:
            chosen.append(option)
    # As the field lists them, so the same choice is always the same value.
    return sorted(chosen, key=field.choices.index) or None


def column_values(field: FieldDefinition, value: Value) -> list[dict[str, Any]]:
    """The rows ``value`` is kept as: a column and its value each (none for no value)."""
    if value is None:
        return []
    if isinstance(value, list):
        return [{"text_value": option} for option in value]
    return [{field.column: value}]


def from_columns(field: FieldDefinition, stored: Sequence[Any]) -> Value:
    """The value of ``field`` from its rows' typed column (several for a multi choice)."""
    if field.type == FieldType.MULTI_CHOICE:
        return options_in_order(field.choices, stored)
    present = [item for item in stored if item is not None]
    return present[0] if present else None


def options_in_order(choices: Sequence[str], stored: Sequence[Any]) -> Value:
    """A multiple choice's value from its rows' options: in the order of the field's
    ``choices`` (options no longer offered last), None when there is none."""
    present = [item for item in stored if item is not None]
    if not present:
        return None
    return sorted(
        present, key=lambda option: choices.index(option) if option in choices else len(choices)
    )


def display(value: Value) -> str:
    """For people: the history, the sidebar, a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(value)
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    if isinstance(value, date):
        return value.isoformat()
    return value


def json_value(value: Value) -> str | float | bool | list[str] | None:
    """For the REST API: numbers as numbers, dates as ISO text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def check_label(label: str) -> str:
    words = " ".join(str(label).split())
    if not words or len(words) > 100 or not is_one_printable_line(words):
        raise InvalidInput(
            gettext_noop("Give the field a name of at most 100 characters."), field="label"
        )
    return words


def history_value(label: str, value: Value) -> str:
    """A value as its history row keeps it: the field's label, then the value, on two lines,
    so the entry reads the same after the field is renamed or deleted."""
    return f"{label}\n{display(value)}"


def history_parts(stored: str) -> tuple[str, str]:
    """The label and the value of a history row's value (see :func:`history_value`)."""
    label, _, value = stored.partition("\n")
    return label, value
