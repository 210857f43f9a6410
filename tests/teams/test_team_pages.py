"""The pages: the team chooser in a ticket's sidebar (staff), the availability toggle on the
profile, posted as a browser would (CSRF checked)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.teams.models import AgentStatus, Team
from frontdesk.tickets.models import Ticket, TicketEvent
from tests.conftest import open_ticket
from tests.web.conftest import html

pytestmark = pytest.mark.django_db
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _browser(user: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _token(page: str) -> str:
    found = CSRF.search(page)
    assert found is not None
    return found.group(1)


def test_staff_move_a_ticket_to_a_team_from_its_sidebar(
    agent: User, customer: User, online: Team
) -> None:
    ticket = open_ticket(customer)
    browser = _browser(agent)
    page = html(browser.get(f"/ticket/{ticket.pk}"))
    assert '<select id="id_team" name="team"' in page
    assert f'<option value="{online.pk}">Online</option>' in page
    answer = browser.post(
        f"/ticket/{ticket.pk}",
        {"action": "team", "team": str(online.pk), "csrfmiddlewaretoken": _token(page)},
    )
    assert answer.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).team_id == online.pk
    assert TicketEvent.objects.filter(ticket=ticket, field=TicketEvent.Field.TEAM).exists()
    # Alice is not in Online: the ticket is gone from her.
    assert browser.get(f"/ticket/{ticket.pk}").status_code == 404


def test_a_bad_team_is_refused_beside_the_control(
    agent: User, customer: User, online: Team
) -> None:
    ticket = open_ticket(customer)
    browser = _browser(agent)
    page = html(browser.get(f"/ticket/{ticket.pk}"))
    answer = browser.post(
        f"/ticket/{ticket.pk}",
        {"action": "team", "team": "987654", "csrfmiddlewaretoken": _token(page)},
    )
    assert answer.status_code == 400
    assert "Choose an active team." in html(answer)
    assert Ticket.objects.get(pk=ticket.pk).team_id is None


def test_the_customer_sees_no_team(customer: User, online: Team) -> None:
    ticket = open_ticket(customer)
    assert 'name="team"' not in html(_browser(customer).get(f"/ticket/{ticket.pk}"))


def test_without_teams_the_sidebar_has_no_team_control(agent: User, customer: User) -> None:
    ticket = open_ticket(customer)
    assert 'name="team"' not in html(_browser(agent).get(f"/ticket/{ticket.pk}"))


def test_an_agent_sets_themselves_away_and_back(agent: User) -> None:
    browser = _browser(agent)
    page = html(browser.get("/profile"))
    assert "You are <strong>available</strong>" in page
    answer = browser.post(
        "/profile/availability", {"available": "0", "csrfmiddlewaretoken": _token(page)}
    )
    assert answer.status_code == 302
    assert AgentStatus.objects.get(user=agent).available is False
    page = html(browser.get("/profile"))
    assert "You are <strong>away</strong>" in page and "Set me available" in page
    browser.post("/profile/availability", {"available": "1", "csrfmiddlewaretoken": _token(page)})
    assert AgentStatus.objects.get(user=agent).available is True


def test_customers_have_no_availability(customer: User) -> None:
    browser = _browser(customer)
    page = html(browser.get("/profile"))
    assert 'id="availability"' not in page
    browser.post("/profile/availability", {"available": "0", "csrfmiddlewaretoken": _token(page)})
    assert not AgentStatus.objects.exists()


def test_the_history_names_the_teams(
    admin: User, customer: User, online: Team, front_desk: Team
) -> None:
    from frontdesk.teams.services import ticket_set_team
    from frontdesk.tickets.selectors import ticket_history

    ticket = open_ticket(customer)
    ticket_set_team(actor=admin, ticket_id=ticket.pk, team_id=online.pk)
    ticket_set_team(actor=admin, ticket_id=ticket.pk, team_id=front_desk.pk)
    moves = [
        (entry.old, entry.new)
        for entry in ticket_history(user=admin, ticket=ticket)
        if entry.event.field == TicketEvent.Field.TEAM
    ]
    assert moves == [(None, "Online"), ("Online", "Front desk")]
