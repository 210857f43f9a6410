"""Tickets that name no team go to the default team: a customer's from the SupportMe API, one
from email, an agent's; with no default team they stay in no team."""

from __future__ import annotations

import pytest
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.teams.models import Team
from frontdesk.teams.services import team_create, team_update
from frontdesk.tickets import services
from frontdesk.tickets.models import Channel, Ticket
from tests.supportme.helpers import post_json, token_for

pytestmark = pytest.mark.django_db


def test_the_supportme_api_opens_into_the_default_team(
    admin: User, customer: User, online: Team
) -> None:
    team_update(actor=admin, team_id=online.pk, values={"is_default": True})
    status, body = post_json(
        Client(),
        "/ticket/new",
        {"ticket_title": "My pass does not scan", "message": "It says expired."},
        token=token_for(customer),
    )
    assert status == 200, body
    assert Ticket.objects.get(pk=body["ticket_id"]).team_id == online.pk


def test_email_and_agents_tickets_go_there_too(
    admin: User, agent: User, customer: User, online: Team
) -> None:
    team_update(actor=admin, team_id=online.pk, values={"is_default": True})
    by_mail = services.ticket_open(
        actor=customer, title="By mail", body="Hello", channel=Channel.EMAIL
    ).ticket
    by_agent = services.ticket_open(
        actor=agent, requester=customer, title="Phoned in", body="Hello"
    ).ticket
    assert by_mail.team_id == online.pk and by_agent.team_id == online.pk


def test_one_default_at_most_and_none_means_no_team(admin: User, customer: User) -> None:
    first = team_create(actor=admin, values={"name": "Front desk", "is_default": True})
    second = team_create(actor=admin, values={"name": "Online", "is_default": True})
    first.refresh_from_db()
    assert (first.is_default, second.is_default) == (False, True)
    team_update(actor=admin, team_id=second.pk, values={"is_default": False})
    ticket = services.ticket_open(actor=customer, title="Nowhere", body="Hello").ticket
    assert ticket.team_id is None


def test_a_team_turned_off_is_no_default(admin: User) -> None:
    team = team_create(actor=admin, values={"name": "Front desk", "is_default": True})
    from frontdesk.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        team_update(actor=admin, team_id=team.pk, values={"active": False})
