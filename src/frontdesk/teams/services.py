"""Use cases of teams: admins manage teams and who is in them; agents and admins move a ticket
between teams; agents say whether they take new tickets. Every face (the admin site, the REST
API, the ticket page) calls these, so each rule lives here once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import STAFF_ROLES, User
from frontdesk.core.clock import now
from frontdesk.core.errors import InvalidInput, NotAllowed, NotFound
from frontdesk.core.ids import is_id
from frontdesk.teams.models import AgentStatus, Assignment, Team, TeamMembership
from frontdesk.teams.selectors import TEAM_NOT_FOUND, team_choose
from frontdesk.tickets import access
from frontdesk.tickets.models import Ticket, TicketEvent
from frontdesk.tickets.services import record_change, touch

ADMINS_ONLY = gettext_noop("Only admins can change teams.")
STAFF_ONLY = gettext_noop("Only agents and admins can move a ticket to a team.")
MAX_REASSIGN_MINUTES = 7 * 24 * 60
MAX_CAP = 10_000
TEAM_FIELDS = frozenset(
    {
        "name",
        "slug",
        "description",
        "active",
        "is_default",
        "lead",
        "assignment",
        "reassign_after_minutes",
        "members",
    }
)


def _check_admin(actor: User) -> None:
    if not actor.is_admin:
        raise NotAllowed(ADMINS_ONLY)


def _text(value: object, *, field: str, limit: int, required: bool) -> str:
    if not isinstance(value, str):
        raise InvalidInput(
            gettext_noop("The %(field)s must be text."), values={"field": field}, field=field
        )
    value = value.strip()
    if required and not value:
        raise InvalidInput(gettext_noop("Give the team a name."), field=field)
    if len(value) > limit:
        raise InvalidInput(
            gettext_noop("The %(field)s is at most %(limit)s characters."),
            values={"field": field, "limit": limit},
            field=field,
        )
    return value


def _flag(value: object, *, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(gettext_noop("Answer true or false."), field=field)
    return value


def _minutes(value: object, *, field: str, limit: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
        raise InvalidInput(
            gettext_noop("Give a whole number from 0 to %(limit)s."),
            values={"limit": limit},
            field=field,
        )
    return value


def _staff_member(value: object, *, field: str) -> User:
    person = None
    if isinstance(value, int) and not isinstance(value, bool) and is_id(value):
        person = User.objects.filter(pk=value, role__in=STAFF_ROLES, is_active=True).first()
    if person is None:
        raise InvalidInput(gettext_noop("Choose an active agent or admin."), field=field)
    return person


def _members(value: object) -> list[User]:
    if not isinstance(value, list | tuple):
        raise InvalidInput(
            gettext_noop("Give the members as a list of agents' ids."), field="members"
        )
    people = {person.pk: person for person in (_staff_member(v, field="members") for v in value)}
    return list(people.values())


def _cleaned(values: Mapping[str, Any], team: Team | None) -> dict[str, Any]:
    unknown = set(values) - TEAM_FIELDS
    if unknown:
        first = sorted(unknown)[0]
        raise InvalidInput(
            gettext_noop("Unknown field: %(name)s."), values={"name": first}, field=first
        )
    clean: dict[str, Any] = {}
    if "name" in values or team is None:
        clean["name"] = _text(values.get("name"), field="name", limit=100, required=True)
    if "slug" in values and values["slug"] not in ("", None):
        slug = _text(values["slug"], field="slug", limit=50, required=False)
        if slugify(slug) != slug:
            raise InvalidInput(
                gettext_noop("A slug is lower-case letters, digits and hyphens (front-desk)."),
                field="slug",
            )
        clean["slug"] = slug
    elif team is None:
        clean["slug"] = slugify(clean["name"])[:50] or "team"
    if "description" in values:
        clean["description"] = _text(
            values["description"] or "", field="description", limit=2000, required=False
        )
    for name in ("active", "is_default"):
        if name in values:
            clean[name] = _flag(values[name], field=name)
    if "lead" in values:
        lead = values["lead"]
        clean["lead"] = None if lead is None else _staff_member(lead, field="lead")
    if "assignment" in values:
        if values["assignment"] not in Assignment.values:
            choices = ", ".join(Assignment.values)
            raise InvalidInput(
                gettext_noop("Choose one of: %(choices)s."),
                values={"choices": choices},
                field="assignment",
            )
        clean["assignment"] = values["assignment"]
    if "reassign_after_minutes" in values:
        clean["reassign_after_minutes"] = _minutes(
            values["reassign_after_minutes"],
            field="reassign_after_minutes",
            limit=MAX_REASSIGN_MINUTES,
        )
    if "members" in values:
        clean["members"] = _members(values["members"])
    return clean


def _save(team: Team, clean: dict[str, Any]) -> Team:
    members = clean.pop("members", None)
    for name, value in clean.items():
        setattr(team, name, value)
    if team.is_default and not team.active:
        raise InvalidInput(gettext_noop("The default team must be active."), field="is_default")
    with transaction.atomic():
        if team.is_default:  # one default: the flag moves to this team
            Team.objects.filter(is_default=True).exclude(pk=team.pk).update(is_default=False)
        taken = Team.objects.exclude(pk=team.pk)
        if taken.filter(name__iexact=team.name).exists():
            raise InvalidInput(gettext_noop("Another team has this name."), field="name")
        if taken.filter(slug=team.slug).exists():
            raise InvalidInput(gettext_noop("Another team has this slug."), field="slug")
        try:
            team.save()
        except IntegrityError as exc:  # a race with another admin's save
            raise InvalidInput(
                gettext_noop("Another team has this name or slug."), field="name"
            ) from exc
        if members is not None:
            _members_set(team, members)
    return team


def _members_set(team: Team, members: Iterable[User]) -> None:
    wanted = {person.pk for person in members}
    team.memberships.exclude(user_id__in=wanted).delete()
    have = set(team.memberships.values_list("user_id", flat=True))
    TeamMembership.objects.bulk_create(
        [TeamMembership(team=team, user_id=pk) for pk in sorted(wanted - have)]
    )


def team_create(*, actor: User, values: Mapping[str, Any]) -> Team:
    """A new team (admins). ``values``: name, and optionally slug (made from the name when
    left out), description, active, is_default, lead, assignment, reassign_after_minutes,
    members (agents' ids)."""
    _check_admin(actor)
    return _save(Team(), _cleaned(values, None))


def team_update(*, actor: User, team_id: int, values: Mapping[str, Any]) -> Team:
    """Change what ``values`` names of a team (admins); ``members`` replaces the list."""
    _check_admin(actor)
    team = _team(team_id)
    return _save(team, _cleaned(values, team))


def team_delete(*, actor: User, team_id: int) -> None:
    """Delete a team that holds no ticket (admins): one that does is turned off instead, so
    no ticket changes team without a history row."""
    _check_admin(actor)
    team = _team(team_id)
    if Ticket.objects.filter(team=team).exists():
        raise InvalidInput(
            gettext_noop("This team has tickets: move them to another team, or turn the team off."),
            field="team",
        )
    if team.custom_fields.exists():
        raise InvalidInput(
            gettext_noop(
                "This team has custom fields: make them global or delete them first, "
                "or turn the team off."
            ),
            field="team",
        )
    team.delete()


def _team(team_id: int) -> Team:
    team = Team.objects.filter(pk=team_id).first() if is_id(team_id) else None
    if team is None:
        raise NotFound(TEAM_NOT_FOUND)
    return team


# --- a ticket's team ------------------------------------------------------------------------


def ticket_set_team(*, actor: User, ticket_id: int, team_id: int | None) -> TicketEvent:
    """Move a ticket to an active team, or out of any (``None``), by an agent or admin who
    sees it: a history row (announced live to the old team and the new) and, when the ticket
    enters a team that assigns automatically while nobody has it, the worker routes it."""
    if not actor.is_staff_member:
        raise NotAllowed(STAFF_ONLY)
    team = None if team_id is None else team_choose(team_id)
    with transaction.atomic():
        ticket = access.ticket_get(user=actor, ticket_id=ticket_id, for_update=True)
        old_id = ticket.team_id
        if old_id == (team.pk if team else None):
            raise InvalidInput(
                gettext_noop("The ticket is already in this team.")
                if team
                else gettext_noop("The ticket is in no team."),
                field="team",
            )
        ticket.team = team
        event = record_change(ticket, actor, TicketEvent.Field.TEAM, old_id, team_id)
        touch(ticket, ["team"], actor, [event])
    return event


# --- agents' availability -------------------------------------------------------------------


def agent_set_available(*, actor: User, available: bool) -> AgentStatus:
    """An agent says they take new tickets (available) or not (away). Away longer than a
    team's ``reassign_after_minutes``, their open tickets in that team go to the others
    (teams/routing.py)."""
    if not actor.is_staff_member:
        raise NotAllowed(gettext_noop("Only agents and admins have an availability."))
    available = _flag(available, field="available")
    with transaction.atomic():
        status, _ = AgentStatus.objects.select_for_update().get_or_create(user=actor)
        if status.available != available:
            status.available = available
            status.away_since = None if available else now()
            status.save(update_fields=["available", "away_since"])
    return status


def agent_set_cap(*, actor: User, agent_id: int, max_open_tickets: int | None) -> AgentStatus:
    """The most open tickets automatic assignment gives an agent (admins; None: no cap)."""
    _check_admin(actor)
    agent = _staff_member(agent_id, field="agent")
    cap = None
    if max_open_tickets is not None:
        cap = _minutes(max_open_tickets, field="max_open_tickets", limit=MAX_CAP)
    status, _ = AgentStatus.objects.get_or_create(user=agent)
    status.max_open_tickets = cap
    status.save(update_fields=["max_open_tickets"])
    return status
