"""Custom fields: what an admin defines (FieldDefinition) and each ticket's values
(TicketFieldValue).

A value is a row per ticket and field, in the typed column of its field's type, so that a
filter is an index lookup on (field, value, ticket); a multi-choice field has one row per
chosen option. A ticket without a value for a field has no row. A field is global, or of one
team (``team``): then it applies to that team's tickets only (fields/access.py).
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from frontdesk.core.clock import now
from frontdesk.tickets.models import Ticket

TEXT_VALUE_MAX = 500


class FieldType(models.TextChoices):
    TEXT = "text", gettext_noop("Text")
    NUMBER = "number", gettext_noop("Number")
    DATE = "date", gettext_noop("Date")
    CHOICE = "choice", gettext_noop("Single choice")
    MULTI_CHOICE = "multi_choice", gettext_noop("Multiple choice")
    CHECKBOX = "checkbox", gettext_noop("Checkbox")


CHOICE_TYPES = frozenset({FieldType.CHOICE, FieldType.MULTI_CHOICE})

# The column each type's value is kept in.
VALUE_COLUMN = {
    FieldType.TEXT: "text_value",
    FieldType.CHOICE: "text_value",
    FieldType.MULTI_CHOICE: "text_value",
    FieldType.NUMBER: "number_value",
    FieldType.DATE: "date_value",
    FieldType.CHECKBOX: "bool_value",
}


class FieldDefinition(models.Model):
    """One custom field. ``key`` names it in URLs, filters, the REST API and CSV columns; it
        never changes once values exist (fields/services.py). ``choices`` is the list of options
        of a choice field. ``required``: a ticket cannot be opened without it (by a customer, for a
        customer-visible field; by staff, for any; a team field only when the ticket is opened into
    its team). ``customer_visible``: customers see and set it
        when they open a ticket; otherwise it is staff-only."""

    key = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=100)
    type = models.CharField(max_length=16, choices=FieldType.choices, default=FieldType.TEXT)
    choices = models.JSONField(default=list, blank=True)
    help_text = models.CharField(max_length=200, blank=True, default="")
    required = models.BooleanField(default=False)
    customer_visible = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)
    # None: every ticket carries it; a team: only that team's tickets. A team with fields is
    # not deleted (teams/services.py): its fields are moved or deleted first.
    team = models.ForeignKey(
        "teams.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="custom_fields",
    )
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering: ClassVar = ["position", "id"]
        verbose_name = _("custom field")

    def __str__(self) -> str:
        return self.label

    @property
    def column(self) -> str:
        return VALUE_COLUMN[FieldType(self.type)]


class TicketFieldValue(models.Model):
    """One value of one field on one ticket (for a multi-choice field, one chosen option)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="field_values")
    field = models.ForeignKey(FieldDefinition, on_delete=models.CASCADE, related_name="values")
    # NULL, not "", for a value of another type: the unique option constraint ignores it.
    text_value = models.CharField(max_length=TEXT_VALUE_MAX, null=True, blank=True)  # noqa: DJ001
    number_value = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    date_value = models.DateField(null=True, blank=True)
    bool_value = models.BooleanField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["ticket", "field"], name="fieldvalue_ticket_idx"),
            models.Index(fields=["field", "text_value", "ticket"], name="fieldvalue_text_idx"),
            models.Index(fields=["field", "number_value", "ticket"], name="fieldvalue_number_idx"),
            models.Index(fields=["field", "date_value", "ticket"], name="fieldvalue_date_idx"),
            models.Index(fields=["field", "bool_value", "ticket"], name="fieldvalue_bool_idx"),
        ]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["ticket", "field", "text_value"], name="fieldvalue_option_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.field_id} on {self.ticket_id}"

    @property
    def value(self) -> object:
        return getattr(self, VALUE_COLUMN[FieldType(self.field.type)])
