"""The SLA in the admin: calendars and policies are edited here through their use cases
(sla/policies.py), which check every value and apply an edit to the tickets under it; the
alerts are the SLA's memory, to read (deleting one would let it be told again)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from frontdesk.core.admin import ReadOnlyAdmin, ServiceAdmin, ServiceForm, apply_to_each
from frontdesk.core.errors import DomainError
from frontdesk.core.model_texts import choices_said
from frontdesk.sla import policies
from frontdesk.sla.calendars import WEEKDAYS
from frontdesk.sla.models import (
    BusinessCalendar,
    Holiday,
    OverdueAlert,
    SlaAlert,
    SlaPolicy,
)
from frontdesk.tickets.models import Category, Channel, Priority

HOLIDAY_LINE = re.compile(r"^(\d{4}-\d{2}-\d{2})(\s+yearly)?(?:\s+(.*))?$")


@admin.register(OverdueAlert)
class OverdueAlertAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "due_at", "created_at")
    list_select_related = ("ticket",)
    raw_id_fields = ("ticket",)
    date_hierarchy = "created_at"


@admin.register(SlaAlert)
class SlaAlertAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "metric", "level", "due_at", "created_at")
    list_filter = ("level", "metric")
    list_select_related = ("ticket",)
    raw_id_fields = ("ticket",)
    date_hierarchy = "created_at"


# --- calendars ----------------------------------------------------------------------------


def _day_field(day: int) -> str:
    return f"hours_{day}"


class CalendarForm(ServiceForm):
    """Hours as ``09:00-12:00, 13:00-17:00`` per weekday; holidays one a line,
    ``2026-12-25 yearly Christmas``. Parsed here; the rules are sla_calendar_create's."""

    holidays_text = forms.CharField(
        label=_("Holidays"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            'One a line: a date, "yearly" if it comes back every year, a name. '
            "For example: 2026-12-25 yearly Christmas"
        ),
    )

    class Meta:
        model = BusinessCalendar
        fields = ("name", "time_zone")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Decided once: the check in clean() creates (and rolls back) before the real save.
        self.creating = self.instance.pk is None
        stored = self.instance.hours if self.instance.pk else {}
        for day in range(7):
            spans = stored.get(str(day), [])
            self.fields[_day_field(day)].initial = ", ".join(f"{a}-{b}" for a, b in spans)
        if self.instance.pk:
            self.fields["holidays_text"].initial = "\n".join(
                f"{h.day.isoformat()}{' yearly' if h.yearly else ''} {h.name}".strip()
                for h in self.instance.holidays.all()
            )

    def clean_holidays_text(self) -> list[dict[str, Any]]:
        found = []
        for line in self.cleaned_data["holidays_text"].splitlines():
            if not line.strip():
                continue
            match = HOLIDAY_LINE.match(line.strip())
            if match is None:
                raise forms.ValidationError(
                    gettext("Write %(line)s as: 2026-12-25 yearly Name")
                    % {"line": repr(line.strip())}
                )
            found.append(
                {"day": match[1], "yearly": bool(match[2]), "name": (match[3] or "").strip()}
            )
        return found

    def _hours(self) -> dict[str, list[list[str]]]:
        hours: dict[str, list[list[str]]] = {}
        for day in range(7):
            text = self.cleaned_data.get(_day_field(day)) or ""
            spans = [part.strip() for part in text.split(",") if part.strip()]
            pairs = [span.split("-", 1) for span in spans]
            if any(len(pair) != 2 for pair in pairs):
                raise DomainError(
                    gettext_noop("Write %(day)s's hours as 09:00-17:00."),
                    values={"day": WEEKDAYS[day]},
                    field=_day_field(day),
                )
            if pairs:
                hours[str(day)] = [[a.strip(), b.strip()] for a, b in pairs]
        return hours

    def apply(self) -> None:
        values = {
            "name": self.cleaned_data["name"],
            "time_zone": self.cleaned_data["time_zone"],
            "hours": self._hours(),
            "holidays": self.cleaned_data["holidays_text"],
        }
        if self.creating:
            made = policies.sla_calendar_create(actor=self.actor, **values)
            self.instance.pk = made.pk  # what the admin's answer links to
        else:
            policies.sla_calendar_update(
                actor=self.actor, calendar_id=self.instance.pk, changes=values
            )


# Declared after the class: the admin's form factory then knows them as the form's own.
for _day, _name in enumerate(WEEKDAYS):
    CalendarForm.base_fields[_day_field(_day)] = CalendarForm.declared_fields[_day_field(_day)] = (
        forms.CharField(
            label=_(_name),
            required=False,
            help_text=_("For example 09:00-12:30, 13:30-17:00; empty: closed.")
            if _day == 0
            else "",
        )
    )


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0
    can_delete = False
    readonly_fields = ("day", "yearly", "name")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(ServiceAdmin):
    form = CalendarForm
    list_display = ("name", "time_zone", "updated_at")
    search_fields = ("name",)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["name", "time_zone", *(_day_field(day) for day in range(7)), "holidays_text"]

    def delete_model(self, request: HttpRequest, obj: BusinessCalendar) -> None:
        policies.sla_calendar_delete(actor=request.user, calendar_id=obj.pk)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[BusinessCalendar]) -> None:
        apply_to_each(
            self, request, queryset, lambda calendar: self.delete_model(request, calendar)
        )


# --- policies -----------------------------------------------------------------------------


def _target_field(priority: str, name: str) -> str:
    return f"{priority}__{name}"


class PolicyForm(ServiceForm):
    """Targets as minutes per priority; scope as choices. The rules are sla_policy_create's."""

    categories = forms.MultipleChoiceField(
        label=_("Categories"),
        choices=choices_said(Category.choices),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any category."),
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=choices_said(Channel.choices),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any channel."),
    )

    class Meta:
        model = SlaPolicy
        fields = (
            "name",
            "active",
            "calendar",
            "organisations",
            "warn_percent",
            "escalate_priority",
            "escalate_to",
            "escalate_team",
            "notify",
        )
        help_texts = {
            "calendar": _("Business hours the targets count in; empty: round the clock."),
            "organisations": _("None chosen: any organisation."),
            "warn_percent": _("Warn when this share of a target is used (0: no warning)."),
            "escalate_priority": _("On a breach, raise the priority one step."),
            "escalate_to": _("On a breach, reassign to this agent."),
            "escalate_team": _(
                "On a breach, move the ticket to this team; its assignee, if not "
                "in the team, gives it up (unless an agent is named above)."
            ),
            "notify": _("The lead told of every breach, and of warnings on unassigned tickets."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Decided once: the check in clean() creates (and rolls back) before the real save.
        self.creating = self.instance.pk is None
        if self.instance.pk:
            self.fields["categories"].initial = self.instance.categories
            self.fields["channels"].initial = self.instance.channels
        stored = {t.priority: t for t in self.instance.targets.all()} if self.instance.pk else {}
        for priority in Priority.values:
            for name in policies.TARGET_FIELDS:
                field = self.fields[_target_field(priority, name)]
                field.initial = getattr(stored.get(priority), name, None)

    def apply(self) -> None:
        data = self.cleaned_data
        values: dict[str, Any] = {
            "name": data["name"],
            "active": data["active"],
            "calendar": data["calendar"].pk if data["calendar"] else None,
            "categories": list(data["categories"]),
            "channels": list(data["channels"]),
            "organisations": [org.pk for org in data["organisations"]],
            "warn_percent": data["warn_percent"],
            "escalate_priority": data["escalate_priority"],
            "escalate_to": data["escalate_to"].pk if data["escalate_to"] else None,
            "notify": data["notify"].pk if data["notify"] else None,
            "escalate_team": data["escalate_team"].pk if data["escalate_team"] else None,
            "targets": {
                priority: {
                    name: data.get(_target_field(priority, name)) for name in policies.TARGET_FIELDS
                }
                for priority in Priority.values
            },
        }
        if self.creating:
            made = policies.sla_policy_create(actor=self.actor, values=values)
            self.instance.pk = made.pk  # what the admin's answer links to
        else:
            policies.sla_policy_update(actor=self.actor, policy_id=self.instance.pk, changes=values)


# The targets' names as the labels say them (sla/policies.py's TARGET_FIELDS).
TARGET_WORDS = {
    "first_response_minutes": gettext_noop("first response"),
    "next_response_minutes": gettext_noop("next response"),
    "resolution_minutes": gettext_noop("resolution"),
}

for _priority, _label in Priority.choices:
    for _target in policies.TARGET_FIELDS:
        _words = TARGET_WORDS.get(_target, _target.removesuffix("_minutes").replace("_", " "))
        PolicyForm.base_fields[_target_field(_priority, _target)] = PolicyForm.declared_fields[
            _target_field(_priority, _target)
        ] = forms.IntegerField(
            label=format_lazy(
                _("{priority}: {target} (minutes)"), priority=_(_label), target=_(_words)
            ),
            required=False,
            min_value=1,
            max_value=policies.MAX_TARGET_MINUTES,
        )


def _move(step: int) -> Any:
    def action(
        modeladmin: SlaPolicyAdmin, request: HttpRequest, queryset: QuerySet[SlaPolicy]
    ) -> None:
        chosen = [policy.pk for policy in queryset]
        try:
            policies.sla_policies_move(actor=request.user, policy_ids=chosen, step=step)  # type: ignore[arg-type]
        except DomainError as exc:
            modeladmin.message_user(request, exc.said(), messages.ERROR)

    action.__name__ = "move_up" if step < 0 else "move_down"
    if step < 0:
        return admin.action(description=_("Move selected policies earlier (tried first)"))(action)
    return admin.action(description=_("Move selected policies later"))(action)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(ServiceAdmin):
    form = PolicyForm
    list_display = ("name", "position", "active", "calendar", "updated_at")
    list_select_related = ("calendar",)
    ordering = ("position", "id")
    actions = (_move(-1), _move(1))
    filter_horizontal = ("organisations",)
    raw_id_fields = ("escalate_to", "notify")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        targets = [
            _target_field(priority, name)
            for priority in Priority.values
            for name in policies.TARGET_FIELDS
        ]
        return [
            *PolicyForm.Meta.fields[:3],
            "categories",
            "channels",
            *PolicyForm.Meta.fields[3:],
            *targets,
        ]

    def delete_model(self, request: HttpRequest, obj: SlaPolicy) -> None:
        policies.sla_policy_delete(actor=request.user, policy_id=obj.pk)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[SlaPolicy]) -> None:
        apply_to_each(self, request, queryset, lambda policy: self.delete_model(request, policy))
