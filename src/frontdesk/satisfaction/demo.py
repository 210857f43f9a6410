"""The demo's satisfaction surveys (``frontdesk demo``): the newest resolved and closed tickets
were asked, most answered, about 70 % of the answers good, some with a comment. Written in
bulk, like the demo's tickets: no history rows, no mail."""

from __future__ import annotations

import random
from datetime import timedelta

from frontdesk.satisfaction.models import Rating, Survey
from frontdesk.teams.models import Team
from frontdesk.tickets.models import IS_DONE, Ticket

TICKETS_ASKED = 200
ANSWERED = 0.8
GOOD = 0.7
GOOD_COMMENTS = ["Quick and friendly, thank you!", "Sorted in no time.", "Very helpful.", ""]
BAD_COMMENTS = ["It took days to get an answer.", "I had to explain it twice.", ""]


def demo_surveys_create(*, seed: int = 1) -> str:
    if Survey.objects.exists():
        return "Satisfaction surveys: already there."
    rng = random.Random(f"{seed}/satisfaction")
    tickets = list(
        Ticket.objects.filter(IS_DONE, resolved_at__isnull=False).order_by("-created_at", "-id")[
            :TICKETS_ASKED
        ]
    )
    surveys = []
    for ticket in tickets:
        assert ticket.resolved_at is not None
        survey = Survey(
            ticket=ticket,
            requester_id=ticket.requester_id,
            agent_id=ticket.assignee_id,
            team_id=ticket.team_id,
            created_at=ticket.resolved_at,
        )
        if rng.random() < ANSWERED:
            pleased = rng.random() < GOOD
            survey.rating = Rating.GOOD if pleased else Rating.BAD
            survey.comment = rng.choice(GOOD_COMMENTS if pleased else BAD_COMMENTS)
            survey.rated_at = ticket.resolved_at + timedelta(minutes=rng.randint(5, 2 * 24 * 60))
        surveys.append(survey)
    Survey.objects.bulk_create(surveys)
    answered = sum(1 for survey in surveys if survey.rating)
    good = sum(1 for survey in surveys if survey.rating == Rating.GOOD)
    return f"Asked {len(surveys)} resolved tickets how we did: {answered} answered, {good} good."


def demo_survey_teams_spread() -> str:
    """After the demo's teams (teams/demo.py): the asked tickets are spread among the teams
    (a third in no team), their surveys noting the team as if it had been so when answered,
    so the statistics show satisfaction per team. In bulk, as the rest of the demo."""
    teams = list(Team.objects.order_by("pk").values_list("pk", flat=True))
    asked = list(
        Survey.objects.filter(team__isnull=True, ticket__team__isnull=True)
        .order_by("pk")
        .values_list("pk", "ticket_id")
    )
    if not teams or not asked or Survey.objects.filter(team__isnull=False).exists():
        return "Satisfaction per team: nothing to spread."
    choices: list[int | None] = [*teams, None]
    for index, team in enumerate(choices):
        if team is None:
            continue
        share = asked[index :: len(choices)]
        Ticket.objects.filter(pk__in=[ticket for _, ticket in share]).update(team_id=team)
        Survey.objects.filter(pk__in=[survey for survey, _ in share]).update(team_id=team)
    return f"Spread {len(asked)} asked tickets among {len(teams)} teams (satisfaction per team)."
