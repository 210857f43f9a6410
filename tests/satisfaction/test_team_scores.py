"""Satisfaction per team: a survey keeps the ticket's team when it is answered (as it keeps
the assignee), the statistics count the answers per team over the tickets one may see, and
the surveys list filters by team."""

from __future__ import annotations

import pytest

from frontdesk.accounts.models import User
from frontdesk.satisfaction import services
from frontdesk.satisfaction.models import Survey
from frontdesk.teams.models import Team
from frontdesk.teams.services import team_create, ticket_set_team
from frontdesk.tickets import services as tickets
from frontdesk.tickets.models import Status, Ticket
from tests.api.helpers import Api
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def front_desk(admin: User, agent: User) -> Team:
    return team_create(actor=admin, values={"name": "Front desk", "members": [agent.pk]})


@pytest.fixture
def online(admin: User, other_agent: User) -> Team:
    return team_create(actor=admin, values={"name": "Online", "members": [other_agent.pk]})


def resolved(customer: User, admin: User, team: Team | None, title: str) -> Ticket:
    ticket = open_ticket(customer, title)
    if team is not None:
        ticket_set_team(actor=admin, ticket_id=ticket.pk, team_id=team.pk)
    tickets.ticket_change_status(actor=admin, ticket_id=ticket.pk, status=Status.RESOLVED)
    ticket.refresh_from_db()
    return ticket


def answer(ticket: Ticket, rating: str) -> None:
    services.survey_answer(actor=ticket.requester, ticket_id=ticket.pk, rating=rating)


def test_the_survey_keeps_the_team_the_ticket_is_in_when_answered(
    admin: User, customer: User, front_desk: Team, online: Team
) -> None:
    ticket = resolved(customer, admin, front_desk, "Moved later")
    assert Survey.objects.get(ticket=ticket).team_id == front_desk.pk  # when asked
    ticket_set_team(actor=admin, ticket_id=ticket.pk, team_id=online.pk)
    answer(ticket, "good")
    assert Survey.objects.get(ticket=ticket).team_id == online.pk  # when answered
    ticket_set_team(actor=admin, ticket_id=ticket.pk, team_id=None)
    assert Survey.objects.get(ticket=ticket).team_id == online.pk  # kept afterwards


def test_statistics_count_per_team_over_the_tickets_one_may_see(
    admin: User, agent: User, customer: User, front_desk: Team, online: Team
) -> None:
    for number, (team, rating) in enumerate(
        [
            (front_desk, "good"),
            (front_desk, "bad"),
            (front_desk, "good"),
            (online, "bad"),
            (None, "good"),
        ]
    ):
        answer(resolved(customer, admin, team, f"Ticket {number}"), rating)
    resolved(customer, admin, online, "Not answered")
    everything = Api(admin).get("/tickets/statistics/").json()
    assert everything["satisfaction_by_team"] == [
        {"team": front_desk.pk, "name": "Front desk", "good": 2, "bad": 1, "score": 67},
        {"team": online.pk, "name": "Online", "good": 0, "bad": 1, "score": 0},
        {"team": None, "name": "", "good": 1, "bad": 0, "score": 100},
    ]
    # Alice is in Front desk: Online's tickets are not hers to count.
    hers = Api(agent).get("/tickets/statistics/").json()
    assert [row["team"] for row in hers["satisfaction_by_team"]] == [front_desk.pk, None]
    # The desk's numbers are over what she may see too: Online's bad answer is not hers.
    assert hers["satisfaction"] == {"good": 3, "bad": 1, "score": 75}
    assert Api(customer).get("/tickets/statistics/").json()["satisfaction_by_team"] == []


def test_an_agent_counts_an_other_teams_ticket_assigned_to_them(
    admin: User, agent: User, customer: User, front_desk: Team, online: Team
) -> None:
    ticket = resolved(customer, admin, online, "Hers")
    tickets.ticket_update(actor=admin, ticket_id=ticket.pk, changes={"assignee": agent.pk})
    answer(ticket, "good")
    answer(resolved(customer, admin, online, "Not hers"), "bad")
    rows = Api(agent).get("/tickets/statistics/").json()["satisfaction_by_team"]
    assert rows == [{"team": online.pk, "name": "Online", "good": 1, "bad": 0, "score": 100}]


def test_the_surveys_list_filters_by_team(
    admin: User, customer: User, front_desk: Team, online: Team
) -> None:
    desk = resolved(customer, admin, front_desk, "Desk")
    web = resolved(customer, admin, online, "Online")
    nowhere = resolved(customer, admin, None, "Nowhere")
    api = Api(admin)

    def listed(team: str) -> list[int]:
        return [row["ticket"] for row in api.get("/surveys/", team=team).json()["results"]]

    assert listed(str(front_desk.pk)) == [desk.pk]
    assert listed("online") == [web.pk]
    assert listed("none") == [nowhere.pk]
    assert listed("nobody-here") == []
    assert api.get("/surveys/").json()["results"][0]["team"] is None
    assert api.get("/surveys/", team="no such!").status_code == 400
