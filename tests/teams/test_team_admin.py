"""Teams in the admin, posted as a browser does: saved through the use cases, a refused value
shown beside its field with nothing saved; a team with tickets is not deleted."""

from __future__ import annotations

import pytest
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.teams.models import AgentStatus, Team
from frontdesk.teams.services import agent_set_available, team_create
from tests.admin_forms import admin_browser, change_form, form_errors
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db
TEAMS = "/admin/teams/team/"


def test_an_admin_adds_a_team_with_members(admin: User, agent: User, other_agent: User) -> None:
    client = admin_browser(admin)
    response = change_form(
        client,
        f"{TEAMS}add/",
        "team_form",
        name="Front desk",
        members=[str(agent.pk), str(other_agent.pk)],
        assignment="round_robin",
        reassign_after_minutes="45",
    )
    assert response.status_code == 302, form_errors(response)
    team = Team.objects.get()
    assert team.slug == "front-desk" and team.assignment == "round_robin"
    assert sorted(m.user_id for m in team.memberships.all()) == [agent.pk, other_agent.pk]
    page = client.get(TEAMS).content.decode()
    assert "Front desk" in page


def test_a_taken_name_is_refused_beside_the_field(admin: User) -> None:
    team_create(actor=admin, values={"name": "Online"})
    response = change_form(admin_browser(admin), f"{TEAMS}add/", "team_form", name="online")
    assert form_errors(response)["name"] == ["Another team has this name."]
    assert Team.objects.count() == 1


def test_an_admin_edits_the_members(admin: User, agent: User, other_agent: User) -> None:
    team = team_create(actor=admin, values={"name": "Online", "members": [agent.pk]})
    response = change_form(
        admin_browser(admin),
        f"{TEAMS}{team.pk}/change/",
        "team_form",
        members=[str(other_agent.pk)],
    )
    assert response.status_code == 302, form_errors(response)
    assert [m.user_id for m in team.memberships.all()] == [other_agent.pk]


def test_a_team_with_tickets_is_not_deleted(admin: User, customer: User) -> None:
    team = team_create(actor=admin, values={"name": "Online", "is_default": True})
    open_ticket(customer)
    client = Client()  # the confirmation's post, CSRF aside
    client.force_login(admin)
    answer = client.post(
        TEAMS,
        {"action": "delete_selected", "_selected_action": [team.pk], "post": "yes"},
        follow=True,
    )
    assert "This team has tickets" in answer.content.decode()
    assert Team.objects.filter(pk=team.pk).exists()


def test_an_admin_sets_an_agents_cap(admin: User, agent: User) -> None:
    agent_set_available(actor=agent, available=False)
    status = AgentStatus.objects.get(user=agent)
    path = f"/admin/teams/agentstatus/{status.pk}/change/"
    response = change_form(admin_browser(admin), path, "agentstatus_form", max_open_tickets="4")
    assert response.status_code == 302, form_errors(response)
    status.refresh_from_db()
    assert status.max_open_tickets == 4 and status.available is False
