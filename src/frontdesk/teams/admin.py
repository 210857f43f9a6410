"""Teams in the admin (/admin/teams/): a team's name, slug, members, lead, whether it is the
default, and how it assigns, saved through its use cases (teams/services.py), which check every
value; agents' availability and caps, the caps set through agent_set_cap."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from frontdesk.core.admin import ServiceAdmin, ServiceForm, apply_to_each
from frontdesk.teams import services
from frontdesk.teams.models import AgentStatus, Team
from frontdesk.teams.selectors import staff_choosable


class TeamForm(ServiceForm):
    members = forms.ModelMultipleChoiceField(
        queryset=staff_choosable(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The agents and admins who see and take this team's tickets."),
    )

    class Meta:
        model = Team
        fields = (
            "name",
            "slug",
            "description",
            "active",
            "is_default",
            "lead",
            "assignment",
            "reassign_after_minutes",
        )
        help_texts = {
            "slug": _("Lower-case letters, digits and hyphens; the team filter takes it."),
            "is_default": _(
                "Tickets that name no team (customers', email, the SupportMe API) "
                "go to this team. One team at most."
            ),
            "assignment": _(
                "Who gets a ticket that enters the team while nobody has it: "
                "members in turn, or the one with fewest open tickets; only members who are "
                "available and under their cap."
            ),
            "reassign_after_minutes": _(
                "A member away this long loses the team's open tickets to the others. 0: never."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.creating = self.instance.pk is None
        self.fields["members"].queryset = staff_choosable()  # type: ignore[attr-defined]
        self.fields["lead"].queryset = staff_choosable()  # type: ignore[attr-defined]
        self.fields["slug"].required = False
        if self.instance.pk:
            self.fields["members"].initial = [m.user_id for m in self.instance.memberships.all()]

    def apply(self) -> None:
        data = self.cleaned_data
        values = {
            "name": data["name"],
            "slug": data["slug"] or "",
            "description": data["description"] or "",
            "active": data["active"],
            "is_default": data["is_default"],
            "lead": data["lead"].pk if data["lead"] else None,
            "assignment": data["assignment"],
            "reassign_after_minutes": data["reassign_after_minutes"],
            "members": [person.pk for person in data["members"]],
        }
        if self.creating:
            if not values["slug"]:
                del values["slug"]
            made = services.team_create(actor=self.actor, values=values)
            self.instance.pk = made.pk  # what the admin's answer links to
        else:
            services.team_update(actor=self.actor, team_id=self.instance.pk, values=values)


@admin.register(Team)
class TeamAdmin(ServiceAdmin):
    form = TeamForm
    list_display = ("name", "slug", "active", "is_default", "assignment", "member_count", "lead")
    list_filter = ("active", "assignment")
    search_fields = ("name", "slug")
    fields = (
        "name",
        "slug",
        "description",
        "active",
        "is_default",
        "members",
        "lead",
        "assignment",
        "reassign_after_minutes",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return super().get_queryset(request).select_related("lead").prefetch_related("memberships")

    @admin.display(description=_("Members"))
    def member_count(self, team: Team) -> int:
        return len(team.memberships.all())

    def delete_model(self, request: HttpRequest, obj: Team) -> None:
        services.team_delete(actor=request.user, team_id=obj.pk)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Team]) -> None:
        apply_to_each(self, request, queryset, lambda team: self.delete_model(request, team))


class AgentStatusForm(ServiceForm):
    class Meta:
        model = AgentStatus
        fields = ("max_open_tickets",)
        help_texts = {
            "max_open_tickets": _(
                "The most open tickets automatic assignment gives this agent; empty: no cap."
            )
        }

    def apply(self) -> None:
        services.agent_set_cap(
            actor=self.actor,
            agent_id=self.instance.user_id,
            max_open_tickets=self.cleaned_data["max_open_tickets"],
        )


@admin.register(AgentStatus)
class AgentStatusAdmin(ServiceAdmin):
    """Availability is the agent's own (their profile); an admin sets the cap."""

    form = AgentStatusForm
    list_display = ("user", "available", "away_since", "max_open_tickets")
    list_filter = ("available",)
    list_select_related = ("user",)
    fields = ("user", "available", "away_since", "max_open_tickets")
    readonly_fields = ("user", "available", "away_since")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a row appears when an agent first sets their availability or cap

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
