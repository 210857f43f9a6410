"""The teams in the REST API: staff read, admins write (403 otherwise), bad values a 400
naming the field with nothing changed; moving a ticket between teams; availability and caps;
the ticket's team in TicketOut and the ``team`` filter."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.teams.models import AgentStatus, Team
from frontdesk.tickets.models import Ticket, TicketEvent
from tests.api.helpers import Api
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db


def test_admins_create_change_and_delete_teams(admin: User, agent: User) -> None:
    api = Api(admin)
    made = api.post(
        "/teams/",
        {
            "name": "Front desk",
            "members": [agent.pk],
            "assignment": "round_robin",
            "lead": agent.pk,
        },
    )
    assert made.status_code == 201, made.json()
    team = made.json()
    assert team["slug"] == "front-desk" and team["members"] == [agent.pk]
    assert team["assignment"] == "round_robin" and team["lead"] == agent.pk
    changed = api.patch(f"/teams/{team['id']}/", {"members": [], "is_default": True})
    assert changed.status_code == 200
    assert changed.json()["members"] == [] and changed.json()["is_default"] is True
    assert [t["name"] for t in Api(agent).get("/teams/").json()] == ["Front desk"]
    assert api.call("DELETE", f"/teams/{team['id']}/").status_code == 204
    assert not Team.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "X", "slug": "Not A Slug"}, "slug"),
        ({"name": "X", "members": [987654]}, "members"),
        ({"name": "X", "lead": 987654}, "lead"),
    ],
)
def test_bad_values_are_a_400_naming_the_field(
    admin: User, body: dict[str, Any], field: str
) -> None:
    answer = Api(admin).post("/teams/", body)
    assert answer.status_code == 400
    assert field in str(answer.json())
    assert not Team.objects.exists()


def test_a_second_team_of_the_same_name_is_refused(admin: User) -> None:
    api = Api(admin)
    assert api.post("/teams/", {"name": "Online"}).status_code == 201
    again = api.post("/teams/", {"name": "online", "slug": "online-2"})
    assert again.status_code == 400 and "name" in str(again.json())


def test_agents_and_customers_may_not_change_teams(agent: User, customer: User) -> None:
    assert Api(agent).post("/teams/", {"name": "Mine"}).status_code == 403
    assert Api(customer).get("/teams/").status_code == 403
    assert not Team.objects.exists()


def test_a_team_with_tickets_is_not_deleted(admin: User, customer: User) -> None:
    api = Api(admin)
    team = api.post("/teams/", {"name": "Online", "is_default": True}).json()
    open_ticket(customer)
    answer = api.call("DELETE", f"/teams/{team['id']}/")
    assert answer.status_code == 400
    assert Team.objects.filter(pk=team["id"]).exists()


def test_moving_a_ticket_writes_history_and_shows_in_ticket_out(
    admin: User, agent: User, customer: User
) -> None:
    team = Api(admin).post("/teams/", {"name": "Online"}).json()
    ticket = open_ticket(customer)
    moved = Api(agent).call("PUT", f"/teams/tickets/{ticket.pk}/", {"team": team["id"]})
    assert moved.status_code == 200 and moved.json() == {"ticket": ticket.pk, "team": team["id"]}
    event = TicketEvent.objects.get(ticket=ticket, field=TicketEvent.Field.TEAM)
    assert (event.actor_id, event.old_value, event.new_value) == (agent.pk, "", str(team["id"]))
    assert event.staff_only
    shown = Api(admin).get(f"/tickets/{ticket.pk}/").json()
    assert shown["team"] == {"id": team["id"], "name": "Online"}
    listed = Api(admin).get("/tickets/").json()["results"]
    assert listed[0]["team"] == {"id": team["id"], "name": "Online"}
    assert Api(customer).get(f"/tickets/{ticket.pk}/").json()["team"] is None
    again = Api(admin).call("PUT", f"/teams/tickets/{ticket.pk}/", {"team": team["id"]})
    assert again.status_code == 400


def test_a_customer_may_not_move_a_ticket(admin: User, customer: User) -> None:
    team = Api(admin).post("/teams/", {"name": "Online"}).json()
    ticket = open_ticket(customer)
    answer = Api(customer).call("PUT", f"/teams/tickets/{ticket.pk}/", {"team": team["id"]})
    assert answer.status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).team_id is None


def test_the_team_filter(admin: User, customer: User) -> None:
    api = Api(admin)
    team = api.post("/teams/", {"name": "Online"}).json()
    inside, outside = open_ticket(customer, "Inside"), open_ticket(customer, "Outside")
    api.call("PUT", f"/teams/tickets/{inside.pk}/", {"team": team["id"]})

    def ids(**query: str) -> list[int]:
        return [row["id"] for row in api.get("/tickets/", **query).json()["results"]]

    assert ids(team=str(team["id"])) == [inside.pk]
    assert ids(team="online") == [inside.pk]
    assert ids(team="none") == [outside.pk]
    assert api.get("/tickets/", team="Bad slug!").status_code == 400
    assert Api(customer).get("/tickets/", team="none").status_code == 400


def test_availability_and_caps(admin: User, agent: User, customer: User) -> None:
    api = Api(agent)
    assert api.get("/teams/availability/").json()["available"] is True
    away = api.call("PUT", "/teams/availability/", {"available": False})
    assert away.status_code == 200 and away.json()["away_since"] is not None
    assert AgentStatus.objects.get(user=agent).available is False
    refused = Api(customer).call("PUT", "/teams/availability/", {"available": False})
    assert refused.status_code == 403
    capped = Api(admin).call("PUT", f"/teams/agents/{agent.pk}/cap/", {"max_open_tickets": 5})
    assert capped.status_code == 200 and capped.json()["max_open_tickets"] == 5
    own = api.call("PUT", f"/teams/agents/{agent.pk}/cap/", {"max_open_tickets": 50})
    assert own.status_code == 403


def test_the_teams_are_in_the_openapi_document() -> None:
    paths = Client().get("/api/ticketing/openapi.json").json()["paths"]
    assert "/api/ticketing/teams/" in paths
    assert "/api/ticketing/teams/tickets/{ticket_id}/" in paths
