"""Teams in the REST API (/api/ticketing/teams/): staff read them; admins create, change and
delete them and set agents' caps; agents and admins move a ticket to a team and say whether
they are available. Customers have none (403). Rules and permissions: teams/services.py and
teams/selectors.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from frontdesk.api.auth import caller
from frontdesk.api.schemas import ErrorOut
from frontdesk.teams import selectors, services
from frontdesk.teams.models import AgentStatus, Assignment, Team

router = Router(tags=["Teams"])

LIST = frozenset({401, 403, 429})
READ = frozenset({401, 403, 404, 429})
WRITE = frozenset({400, 401, 403, 404, 413, 415, 429})
DELETE = frozenset({400, 401, 403, 404, 429})

ASSIGNMENT_HELP = (
    "none (agents claim), round_robin (members in turn) or least_loaded (fewest open tickets), "
    "among members who are available and under their cap."
)


def _answers(ok: dict[int, Any], errors: frozenset[int]) -> dict[Any, Any]:
    return {**ok, errors: ErrorOut}


class _Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class TeamOut(Schema):
    id: int
    name: str
    slug: str
    description: str
    active: bool
    is_default: bool = Field(
        description="Tickets that name no team (customers', email's, SupportMe's) go here."
    )
    lead: int | None
    assignment: str = Field(description=ASSIGNMENT_HELP)
    reassign_after_minutes: int = Field(
        description="A member away this long loses the team's open tickets; 0: never."
    )
    members: list[int]
    created_at: datetime

    @staticmethod
    def resolve_lead(obj: Team) -> int | None:
        return obj.lead_id

    @staticmethod
    def resolve_members(obj: Team) -> list[int]:
        return sorted(m.user_id for m in obj.memberships.all())


class TeamIn(_Strict):
    name: str = Field(max_length=100)
    slug: str = Field("", max_length=50, description="Made from the name when left out.")
    description: str = Field("", max_length=2000)
    active: bool = True
    is_default: bool = False
    lead: int | None = None
    assignment: Assignment = Assignment.NONE
    reassign_after_minutes: int = Field(0, ge=0, le=services.MAX_REASSIGN_MINUTES)
    members: list[int] = Field([], description="Agents' and admins' ids.")


class TeamPatchIn(_Strict):
    name: str | None = Field(None, max_length=100)
    slug: str | None = Field(None, max_length=50)
    description: str | None = Field(None, max_length=2000)
    active: bool | None = None
    is_default: bool | None = None
    lead: int | None = None
    assignment: Assignment | None = None
    reassign_after_minutes: int | None = Field(None, ge=0, le=services.MAX_REASSIGN_MINUTES)
    members: list[int] | None = None


class TicketTeamIn(_Strict):
    team: int | None = Field(description="The team's id; null: no team.")


class TicketTeamOut(Schema):
    ticket: int
    team: int | None


class AvailabilityIn(_Strict):
    available: bool


class AvailabilityOut(Schema):
    agent: int
    available: bool
    away_since: datetime | None
    max_open_tickets: int | None = Field(description="Null: no cap.")

    @staticmethod
    def resolve_agent(obj: AgentStatus) -> int:
        return obj.user_id


class CapIn(_Strict):
    max_open_tickets: int | None = Field(ge=0, le=services.MAX_CAP)


def _values(payload: Schema, *, partial: bool) -> dict[str, Any]:
    values = payload.model_dump(exclude_unset=partial)
    if "assignment" in values and values["assignment"] is not None:
        values["assignment"] = str(values["assignment"])
    for name in ("name", "slug", "description", "active", "is_default", "assignment"):
        if partial and values.get(name, "") is None:
            del values[name]  # null: unchanged
    return values


@router.get("/", response=_answers({200: list[TeamOut]}, LIST), url_name="teams")
def teams(request: HttpRequest) -> list[Team]:
    """Every team, by name (agents and admins)."""
    return list(selectors.teams_list(user=caller(request)))


@router.post("/", response=_answers({201: TeamOut}, WRITE), url_name="teams_create")
def teams_create(request: HttpRequest, payload: TeamIn) -> Status[Team]:
    """A new team (admins)."""
    team = services.team_create(actor=caller(request), values=_values(payload, partial=False))
    return Status(201, selectors.team_get(user=caller(request), team_id=team.pk))


@router.get(
    "/availability/", response=_answers({200: AvailabilityOut}, LIST), url_name="availability"
)
def availability(request: HttpRequest) -> AgentStatus:
    """Whether you take tickets from automatic assignment (agents and admins)."""
    return selectors.agent_status_for(user=caller(request))


@router.put(
    "/availability/",
    response=_answers({200: AvailabilityOut}, WRITE),
    url_name="availability_set",
)
def availability_set(request: HttpRequest, payload: AvailabilityIn) -> AgentStatus:
    """Available or away (agents and admins)."""
    return services.agent_set_available(actor=caller(request), available=payload.available)


@router.put(
    "/agents/{int:agent_id}/cap/",
    response=_answers({200: AvailabilityOut}, WRITE),
    url_name="agent_cap_set",
)
def agent_cap_set(request: HttpRequest, agent_id: int, payload: CapIn) -> AgentStatus:
    """The most open tickets automatic assignment gives an agent (admins; null: no cap)."""
    return services.agent_set_cap(
        actor=caller(request), agent_id=agent_id, max_open_tickets=payload.max_open_tickets
    )


@router.put(
    "/tickets/{int:ticket_id}/",
    response=_answers({200: TicketTeamOut}, WRITE),
    url_name="ticket_team_set",
)
def ticket_team_set(request: HttpRequest, ticket_id: int, payload: TicketTeamIn) -> dict[str, Any]:
    """Move a ticket to a team, or out of any (agents and admins who see it)."""
    services.ticket_set_team(actor=caller(request), ticket_id=ticket_id, team_id=payload.team)
    return {"ticket": ticket_id, "team": payload.team}


@router.get("/{int:team_id}/", response=_answers({200: TeamOut}, READ), url_name="team")
def team(request: HttpRequest, team_id: int) -> Team:
    return selectors.team_get(user=caller(request), team_id=team_id)


@router.patch("/{int:team_id}/", response=_answers({200: TeamOut}, WRITE), url_name="team_patch")
def team_patch(request: HttpRequest, team_id: int, payload: TeamPatchIn) -> Team:
    """Change what is sent (admins); ``members`` replaces the list."""
    user = caller(request)
    services.team_update(actor=user, team_id=team_id, values=_values(payload, partial=True))
    return selectors.team_get(user=user, team_id=team_id)


@router.delete("/{int:team_id}/", response=_answers({204: None}, DELETE), url_name="team_delete")
def team_delete(request: HttpRequest, team_id: int) -> Status[None]:
    """Delete a team that holds no ticket (admins; one that does is turned off instead)."""
    services.team_delete(actor=caller(request), team_id=team_id)
    return Status(204, None)
