"""Reads of satisfaction for the faces: a ticket's survey (the staff see its answer, the
requester the survey to answer), the surveys list of the REST API, and the counts the
statistics show (good, bad, the share of good), for the desk, per agent and per team. Through
the gate
of tickets/access.py: staff see every survey; a customer only their own ticket's, on its page;
the counts per team are of the tickets the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import User
from frontdesk.core.clock import in_utc
from frontdesk.core.compiled import CompiledRead
from frontdesk.core.errors import InvalidInput, NotAllowed
from frontdesk.satisfaction.models import Rating, Survey
from frontdesk.tickets import access
from frontdesk.tickets.models import Ticket

STAFF_ONLY = gettext_noop("Survey results are for agents and admins.")
ANY_TEAM = object()  # the ``team`` filter left out


@dataclass(frozen=True)
class SatisfactionCard:
    survey: Survey
    for_staff: bool

    @property
    def can_answer(self) -> bool:
        return not self.for_staff and not self.survey.is_answered


def _survey_query(shape: None, ticket_id: int) -> QuerySet[Survey]:
    return Survey.objects.filter(ticket_id=ticket_id).select_related("agent")[:1]


# Read on every ticket page: compiled once (core/compiled.py).
_survey_of = CompiledRead(_survey_query)


def satisfaction_card(*, user: User, ticket: Ticket) -> SatisfactionCard | None:
    """The survey of a ticket ``user`` has read through the gate: for staff once there is
    one, for the requester once there is one (to answer it, or to see their answer). One
    query."""
    if not (user.is_staff_member or user.pk == ticket.requester_id):
        return None
    found = _survey_of(None, ticket.pk)
    if not found:
        return None
    survey = found[0]
    return SatisfactionCard(survey=survey, for_staff=user.is_staff_member)


@dataclass(frozen=True)
class Score:
    good: int
    bad: int

    @property
    def score(self) -> int | None:
        """The share of good answers in whole percent, or None with no answers."""
        answers = self.good + self.bad
        return round(100 * self.good / answers) if answers else None


@dataclass(frozen=True)
class AgentScore:
    agent: int | None
    username: str
    good: int
    bad: int
    score: int | None


@dataclass(frozen=True)
class TeamScore:
    team: int | None
    name: str
    good: int
    bad: int
    score: int | None


@dataclass(frozen=True)
class Scores:
    desk: Score
    agents: list[AgentScore]
    teams: list[TeamScore]


def _tally(counts: dict[str, int]) -> tuple[int, int, int | None]:
    good, bad = counts[Rating.GOOD], counts[Rating.BAD]
    return good, bad, Score(good, bad).score


def satisfaction_scores(*, user: User) -> Scores | None:
    """The answers on the tickets ``user`` may see (tickets/access.py: an agent's are their
    teams', the tickets in no team and the ones assigned to them): the desk's, each agent's
    (the assignee when it was given; "" for none) and each team's (the ticket's team when it
    was given; "" for none), for staff; None for customers. One grouped query."""
    if not access.sees_ticket_workings(user):
        return None
    rows = (
        Survey.objects.filter(access.ticket_condition(user, via="ticket__"), rated_at__isnull=False)
        .order_by()
        .values_list("agent", "agent__username", "team", "team__name", "rating")
        .annotate(n=Count("pk"))
    )
    per_agent: dict[int | None, dict[str, int]] = {}
    per_team: dict[int | None, dict[str, int]] = {}
    names: dict[int | None, str] = {}
    team_names: dict[int | None, str] = {}
    for agent, name, team, team_name, rating, n in rows:
        per_agent.setdefault(agent, {Rating.GOOD: 0, Rating.BAD: 0})[rating] += n
        names[agent] = name or ""
        per_team.setdefault(team, {Rating.GOOD: 0, Rating.BAD: 0})[rating] += n
        team_names[team] = team_name or ""
    agents = [
        AgentScore(agent, names[agent], *_tally(counts)) for agent, counts in per_agent.items()
    ]
    agents.sort(key=lambda row: (row.username == "", row.username.lower()))
    teams = [
        TeamScore(team, team_names[team], *_tally(counts)) for team, counts in per_team.items()
    ]
    teams.sort(key=lambda row: (row.name == "", row.name.lower()))
    desk = Score(sum(a.good for a in agents), sum(a.bad for a in agents))
    return Scores(desk=desk, agents=agents, teams=teams)


def surveys_for_api(
    *,
    user: User,
    rating: str | None = None,
    agent: int | None = None,
    team: int | str | object | None = ANY_TEAM,
    ticket: int | None = None,
    answered: bool | None = None,
    rated_after: datetime | None = None,
    rated_before: datetime | None = None,
    before: int | None = None,
) -> QuerySet[Survey]:
    """The surveys, newest first, filtered (staff only). ``team``: the team a survey was
    answered in (asked in, while unanswered), by id or slug; None: in no team."""
    if not access.sees_ticket_workings(user):
        raise NotAllowed(STAFF_ONLY)
    surveys = Survey.objects.filter(ticket__in=access.tickets_visible_to(user))
    if rating is not None:
        surveys = surveys.filter(rating=rating)
    if agent is not None:
        surveys = surveys.filter(agent_id=agent)
    if team is None:
        surveys = surveys.filter(team__isnull=True)
    elif isinstance(team, int):
        surveys = surveys.filter(team_id=team)
    elif isinstance(team, str):
        surveys = surveys.filter(team__slug=team)
    if ticket is not None:
        surveys = surveys.filter(ticket_id=ticket)
    if answered is not None:
        surveys = surveys.filter(rated_at__isnull=not answered)
    if rated_after is not None:
        surveys = surveys.filter(rated_at__gte=_moment(rated_after, "rated_after"))
    if rated_before is not None:
        surveys = surveys.filter(rated_at__lt=_moment(rated_before, "rated_before"))
    if before is not None:
        surveys = surveys.filter(pk__lt=before)
    return surveys.select_related("ticket").order_by("-id")


def _moment(value: datetime, field: str) -> datetime:
    """A bound of the answers' time, in UTC (read in TIME_ZONE without an offset): the
    database takes any offset Python allows only after this (core/clock.in_utc)."""
    try:
        return in_utc(timezone.make_aware(value) if value.tzinfo is None else value)
    except OverflowError as exc:
        raise InvalidInput(
            gettext_noop("That date and time is out of range."), field=field
        ) from exc
