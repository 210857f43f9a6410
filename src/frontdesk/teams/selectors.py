"""Reads of teams: the default team, the teams a staff member may choose from, a team by id."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Count, QuerySet
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import STAFF_ROLES, User
from frontdesk.core.compiled import CompiledRead
from frontdesk.core.errors import InvalidInput, NotAllowed, NotFound
from frontdesk.core.ids import is_id
from frontdesk.teams.models import AgentStatus, Team

TEAM_NOT_FOUND = gettext_noop("There is no team with that id.")
STAFF_ONLY = gettext_noop("Only agents and admins can see teams.")


def default_team_id() -> int | None:
    """The active team flagged default: where tickets that name no team go (a customer's,
    email's, the SupportMe API's). None: they stay in no team, as on a desk without teams."""
    found = _default_team(None)
    return found[0][0] if found else None


def _default_team_query(shape: None) -> QuerySet[Team, tuple[int]]:
    return Team.objects.filter(is_default=True, active=True).order_by("pk").values_list("pk")[:1]


# Asked by every ticket opened (core/compiled.py): built each time, this read was an eighth of
# the CPU of a SupportMe `POST /ticket/new`.
_default_team = CompiledRead(_default_team_query)


def teams_list(*, user: User) -> QuerySet[Team]:
    """Every team with its members, by name (staff)."""
    if not user.is_staff_member:
        raise NotAllowed(STAFF_ONLY)
    return (
        Team.objects.select_related("lead")
        .prefetch_related("memberships__user")
        .annotate(member_count=Count("memberships"))
        .order_by("name")
    )


def team_get(*, user: User, team_id: int) -> Team:
    if not user.is_staff_member:
        raise NotAllowed(STAFF_ONLY)
    team = teams_list(user=user).filter(pk=team_id).first() if is_id(team_id) else None
    if team is None:
        raise NotFound(TEAM_NOT_FOUND)
    return team


def team_choose(team_id: object, *, field: str = "team") -> Team:
    """An active team named by id (a choice in a form or a request): InvalidInput otherwise."""
    team = None
    if isinstance(team_id, int) and is_id(team_id):
        team = Team.objects.filter(pk=team_id, active=True).first()
    if team is None:
        raise InvalidInput(gettext_noop("Choose an active team."), field=field)
    return team


CHOOSABLE_CACHE_KEY = "frontdesk:teams-choosable"
CHOOSABLE_MAX_AGE_SECONDS = 60


def teams_choosable() -> list[tuple[int, str]]:
    """The active teams as (id, name), for a chooser. Every agent's ticket page shows them:
    kept in the cache, dropped when a team is saved or deleted (teams/signals.py); another
    process with a local-memory cache sees a change within a minute."""
    found: list[tuple[int, str]] | None = cache.get(CHOOSABLE_CACHE_KEY)
    if found is None:
        teams = Team.objects.filter(active=True).order_by("name").values_list("pk", "name")
        found = list(teams)
        cache.set(CHOOSABLE_CACHE_KEY, found, CHOOSABLE_MAX_AGE_SECONDS)
    return found


def staff_choosable() -> QuerySet[User]:
    """The active agents and admins a team can hold, by name (the admin's choices)."""
    return User.objects.filter(role__in=STAFF_ROLES, is_active=True).order_by("username")


def agent_status_for(*, user: User) -> AgentStatus:
    """The agent's availability and cap (a row not saved yet: available, no cap)."""
    if not user.is_staff_member:
        raise NotAllowed(gettext_noop("Only agents and admins have an availability."))
    found = AgentStatus.objects.filter(user=user).first()
    return found if found is not None else AgentStatus(user=user)
