"""Custom fields as form fields (fields/models.py): on the new-ticket form and the ticket
page's sidebar. The form only collects text; fields/services.py parses it and decides what is
required, and its errors come back beside the field they name (``field_<key>``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from frontdesk.fields.models import FieldDefinition, FieldType
from frontdesk.fields.values import Value, display

PREFIX = "field_"


def form_field(field: FieldDefinition) -> forms.Field:
    """The form field for ``field``; never required here (the use case says so, by name)."""
    label = f"{field.label}{'' if field.required else ' (optional)'}"
    common: dict[str, Any] = {"label": label, "help_text": field.help_text, "required": False}
    kind = FieldType(field.type)
    if kind == FieldType.CHOICE:
        choices = [("", "—"), *((option, option) for option in field.choices)]
        return forms.ChoiceField(choices=choices, **common)
    if kind == FieldType.MULTI_CHOICE:
        return forms.MultipleChoiceField(
            choices=[(option, option) for option in field.choices],
            widget=forms.CheckboxSelectMultiple,
            **common,
        )
    if kind == FieldType.CHECKBOX:
        return forms.BooleanField(**common)
    attrs = {"date": {"type": "date"}, "number": {"inputmode": "decimal"}}.get(kind, {})
    return forms.CharField(widget=forms.TextInput(attrs=attrs), max_length=500, **common)


def add_fields(form: forms.Form, fields: Iterable[FieldDefinition]) -> list[str]:
    """Add a form field per custom field; returns their names, in order."""
    names = []
    for field in fields:
        name = f"{PREFIX}{field.key}"
        form.fields[name] = form_field(field)
        names.append(name)
    return names


def initial_value(field: FieldDefinition, value: Value) -> Any:
    """A stored value as its form field shows it."""
    if value is None:
        return None
    if field.type in (FieldType.MULTI_CHOICE, FieldType.CHECKBOX):
        return value
    return display(value)


def sent_values(form: forms.Form, names: Iterable[str], *, opening: bool) -> dict[str, Any]:
    """What the form sent for its custom fields, by key. Opening a ticket, an unticked box
    is no value (so a required box must be ticked); later, it is "no"."""
    values: dict[str, Any] = {}
    for name in names:
        value = form.cleaned_data.get(name)
        if value is False and opening:
            value = None
        values[name.removeprefix(PREFIX)] = value
    return values


def add_filter_fields(form: forms.Form, fields: Iterable[FieldDefinition]) -> list[str]:
    """A list to filter by, for each choice or checkbox field (fields/filters.py reads the
    value); returns their names. Other types filter by address only (field_<key>=...)."""
    names = []
    for field in fields:
        if field.type in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
            options = [(option, option) for option in field.choices]
        elif field.type == FieldType.CHECKBOX:
            options = [("true", "Yes"), ("false", "No")]
        else:
            continue
        name = f"{PREFIX}{field.key}"
        form.fields[name] = forms.ChoiceField(
            label=field.label,
            required=False,
            choices=[("", "Any"), *options, ("none", "Not set")],
            error_messages={"invalid_choice": f"Choose a {field.label.lower()} from the list."},
        )
        names.append(name)
    return names
