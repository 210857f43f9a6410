"""An SLA breach can move a ticket to a team: a history row by System; the assignee, when not
in that team, gives the ticket up so the team's routing assigns it; a bad team is refused."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from frontdesk.accounts.models import SYSTEM_USER_ID, User
from frontdesk.core.errors import InvalidInput
from frontdesk.sla.policies import sla_policy_create
from frontdesk.sla.services import sla_check
from frontdesk.teams.models import Team
from frontdesk.teams.services import team_create
from frontdesk.tickets.models import Priority, TicketEvent
from tests.api.helpers import Api
from tests.conftest import Clock, open_ticket

pytestmark = pytest.mark.django_db

START = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
TARGETS = {p: {"first_response_minutes": 60} for p in Priority.values}


@pytest.fixture
def escalations(admin: User, other_agent: User) -> Team:
    return team_create(
        actor=admin,
        values={"name": "Escalations", "members": [other_agent.pk], "assignment": "round_robin"},
    )


def test_a_breach_moves_the_ticket_to_the_team_which_routes_it(
    admin: User,
    agent: User,
    other_agent: User,
    customer: User,
    escalations: Team,
    clock: Clock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    clock.current = START
    sla_policy_create(
        actor=admin,
        values={"name": "Standard", "targets": TARGETS, "escalate_team": escalations.pk},
    )
    ticket = open_ticket(customer, staff=agent, assignee=agent)
    clock.advance(61 * 60)
    with django_capture_on_commit_callbacks(execute=True):
        sla_check(ticket_id=ticket.pk)
    ticket.refresh_from_db()
    assert ticket.team_id == escalations.pk
    assert ticket.assignee_id == other_agent.pk  # routed in its new team
    history = TicketEvent.objects.filter(ticket=ticket, actor_id=SYSTEM_USER_ID)
    assert ("team", "", str(escalations.pk)) in {
        (e.field, e.old_value, e.new_value) for e in history
    }
    assert ticket.messages.filter(body="Unassigned: escalated to team Escalations.").exists()


def test_an_escalation_team_must_be_an_active_team(admin: User) -> None:
    with pytest.raises(InvalidInput) as refused:
        sla_policy_create(actor=admin, values={"name": "Standard", "escalate_team": 987654})
    assert refused.value.field == "escalate_team"
    answer = Api(admin).post("/sla/policies/", {"name": "Standard", "escalate_team": 987654})
    assert answer.status_code == 400


def test_the_escalation_team_is_in_the_policy(admin: User, escalations: Team) -> None:
    made = Api(admin).post("/sla/policies/", {"name": "Standard", "escalate_team": escalations.pk})
    assert made.status_code == 201 and made.json()["escalate_team"] == escalations.pk
