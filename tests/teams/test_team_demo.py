"""``frontdesk demo`` fills the teams: three of them with the demo's agents, one round-robin,
the newest active tickets inside; a second run adds nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from frontdesk.teams.demo import demo_teams_create
from frontdesk.teams.models import Assignment, Team
from frontdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_the_demo_has_teams_with_members_and_tickets() -> None:
    out = StringIO()
    call_command("demo", "--tickets", "60", stdout=out, stderr=StringIO())
    assert "Added 3 teams" in out.getvalue()
    teams = {team.name: team for team in Team.objects.all()}
    assert set(teams) == {"Front desk", "Online", "Billing"}
    assert teams["Front desk"].assignment == Assignment.ROUND_ROBIN
    assert teams["Front desk"].memberships.count() >= 2
    assert all(team.memberships.exists() for team in teams.values())
    assert not any(team.is_default for team in teams.values())
    assert Ticket.objects.filter(team__isnull=False).count() > 0
    assert demo_teams_create() == "Teams: already there."
