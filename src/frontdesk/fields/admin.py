"""Custom fields in the admin (/admin/fields/): defined and changed through their use cases
(fields/services.py), which check the key, the options and a change of type; values are set
on tickets, not here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from frontdesk.core.admin import ServiceAdmin, ServiceForm, apply_to_each
from frontdesk.core.errors import DomainError
from frontdesk.fields import services
from frontdesk.fields.models import FieldDefinition

SETTINGS = (
    "label",
    "key",
    "type",
    "help_text",
    "required",
    "customer_visible",
    "active",
    "position",
    "team",
)


class FieldDefinitionForm(ServiceForm):
    """Options one a line; the rules are field_define's and field_change's."""

    choices_text = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("For a choice field: one option a line. An option set on tickets stays."),
    )

    class Meta:
        model = FieldDefinition
        fields = SETTINGS
        help_texts = {
            "key": _(
                "Lowercase letters, digits and _ (dance_style): in filters (field_<key>=), "
                "the REST API and exports. Fixed once tickets have values."
            ),
            "type": _("Fixed once tickets have values."),
            "required": _("A ticket cannot be opened without it."),
            "customer_visible": _(
                "Customers see it and fill it in when opening a ticket; otherwise staff only."
            ),
            "team": _(
                "Empty: every ticket has it. A team: only that team's tickets have it "
                "(and require it, when required, as they are opened into the team)."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.creating = self.instance.pk is None
        if self.instance.pk:
            self.fields["choices_text"].initial = "\n".join(self.instance.choices)

    def apply(self) -> None:
        data = self.cleaned_data
        values = {name: data[name] for name in SETTINGS}
        values["choices"] = data["choices_text"]
        try:
            if self.creating:
                made = services.field_define(actor=self.actor, values=values)
                self.instance.pk = made.pk
            else:
                services.field_change(actor=self.actor, field_id=self.instance.pk, values=values)
        except DomainError as exc:
            if exc.field == "choices":  # shown beside the options' box
                exc.field = "choices_text"
            raise


@admin.register(FieldDefinition)
class FieldDefinitionAdmin(ServiceAdmin):
    form = FieldDefinitionForm
    list_display = (
        "label",
        "key",
        "type",
        "team",
        "required",
        "customer_visible",
        "active",
        "position",
    )
    list_filter = ("type", "active", "customer_visible", "team")
    search_fields = ("label", "key")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [*SETTINGS[:3], "choices_text", *SETTINGS[3:]]

    def delete_model(self, request: HttpRequest, obj: FieldDefinition) -> None:
        services.field_delete(actor=request.user, field_id=obj.pk)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[FieldDefinition]) -> None:
        apply_to_each(self, request, queryset, lambda field: self.delete_model(request, field))
