"""Per-team visibility, on every face: an agent sees the tickets of their teams, the tickets in
no team and the tickets assigned to them; admins see all; customers are unchanged. A ticket an
agent may not see is answered as a missing one (SupportMe: its contract's 403), is not in
their lists, searches or statistics, and its live events do not reach them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.teams.models import Team
from frontdesk.teams.services import ticket_set_team
from frontdesk.tickets import access, services
from frontdesk.tickets.models import Ticket
from frontdesk.tickets.statistics import ticket_statistics
from tests.api.helpers import Api
from tests.conftest import open_ticket
from tests.supportme.helpers import NOT_AUTHENTICATED, bearer, token_for
from tests.web.conftest import html, signed_in

pytestmark = pytest.mark.django_db
MISSING = 987654


@pytest.fixture
def online_ticket(customer: User, admin: User, online: Team) -> Ticket:
    ticket = open_ticket(customer, "Online lesson link broken", "The zoom link 404s.")
    ticket_set_team(actor=admin, ticket_id=ticket.pk, team_id=online.pk)
    ticket.refresh_from_db()
    return ticket


@pytest.fixture
def loose_ticket(customer: User) -> Ticket:
    return open_ticket(customer, "Heating broken in studio 2", "Cold again.")


def test_a_desk_without_teams_shows_every_ticket_to_every_agent(
    agent: User, loose_ticket: Ticket
) -> None:
    assert list(access.tickets_visible_to(agent)) == [loose_ticket]
    assert access.may_see_ticket(agent, loose_ticket)


def test_the_gate_and_the_ticket_in_hand_agree(
    admin: User,
    agent: User,
    other_agent: User,
    customer: User,
    front_desk: Team,
    online_ticket: Ticket,
    loose_ticket: Ticket,
) -> None:
    seen = {}
    for user in (admin, agent, other_agent, customer):
        listed = set(access.tickets_visible_to(user).values_list("pk", flat=True))
        fresh = User.objects.get(pk=user.pk)
        for ticket in (online_ticket, loose_ticket):
            assert access.may_see_ticket(fresh, ticket) == (ticket.pk in listed)
        seen[user.username] = listed
    assert seen["Ada"] == {online_ticket.pk, loose_ticket.pk}
    assert seen["Alice"] == {loose_ticket.pk}  # Front desk: not Online's ticket
    assert seen["Bob"] == {online_ticket.pk, loose_ticket.pk}
    assert seen["John"] == {online_ticket.pk, loose_ticket.pk}  # the requester, as before


def test_an_agent_outside_the_team_finds_its_ticket_missing_on_every_face(
    agent: User, online_ticket: Ticket
) -> None:
    page = signed_in(agent)
    assert page.get(f"/ticket/{online_ticket.pk}").status_code == 404
    assert page.get("/live/events", {"ticket": online_ticket.pk}).status_code == 404
    api = Api(agent)
    theirs, missing = api.get(f"/tickets/{online_ticket.pk}/"), api.get(f"/tickets/{MISSING}/")
    assert theirs.status_code == 404 and theirs.json() == missing.json()
    refused = api.post(f"/tickets/{online_ticket.pk}/add_comment/", {"content": "Hello?"})
    assert refused.status_code == 404
    assert api.get("/comments/", ticket=online_ticket.pk).json()["results"] == []
    assert api.get("/history/", ticket=online_ticket.pk).json()["results"] == []
    token = bearer(token_for(agent))
    answer = Client().get(f"/get-ticket/{online_ticket.pk}", HTTP_AUTHORIZATION=token)
    assert (answer.status_code, answer.json()) == (403, {"error": NOT_AUTHENTICATED})
    online_ticket.refresh_from_db()
    assert online_ticket.messages.count() == 1


def test_lists_search_and_statistics_leave_out_other_teams_tickets(
    agent: User, other_agent: User, online_ticket: Ticket, loose_ticket: Ticket
) -> None:
    ids = [row["id"] for row in Api(agent).get("/tickets/").json()["results"]]
    assert ids == [loose_ticket.pk]
    assert [row["id"] for row in Api(agent).get("/tickets/", search="zoom").json()["results"]] == []
    found = Api(other_agent).get("/tickets/", search="zoom").json()["results"]
    assert [row["id"] for row in found] == [online_ticket.pk]
    assert "Online lesson link broken" not in html(signed_in(agent).get("/home?view=open"))
    assert "Online lesson link broken" in html(signed_in(other_agent).get("/home?view=open"))
    assert "Online lesson link broken" not in html(signed_in(agent).get("/home?q=zoom"))
    assert ticket_statistics(user=agent).total_tickets == 1
    assert ticket_statistics(user=other_agent).total_tickets == 2
    unclaimed = Client().get("/get-unclaimed-tickets", HTTP_AUTHORIZATION=bearer(token_for(agent)))
    assert [t["ticket_id"] for t in unclaimed.json()["tickets"]] == [loose_ticket.pk]


def test_an_agent_sees_a_ticket_assigned_to_them_in_another_team(
    admin: User, agent: User, online_ticket: Ticket
) -> None:
    services.ticket_assign(actor=admin, ticket_id=online_ticket.pk, assignee_id=agent.pk)
    assert signed_in(agent).get(f"/ticket/{online_ticket.pk}").status_code == 200


def test_an_admin_sees_every_team(admin: User, online_ticket: Ticket) -> None:
    assert Api(admin).get(f"/tickets/{online_ticket.pk}/").status_code == 200


# --- live events ----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _short_streams(settings: Any) -> None:
    settings.FRONTDESK_LIVE_STREAM_SECONDS = 1
    settings.FRONTDESK_LIVE_HEARTBEAT_SECONDS = 0.2


def _listen(user: User) -> Iterator[bytes]:
    response = signed_in(user).get("/live/events")
    assert response.status_code == 200
    return iter(response.streaming_content)  # type: ignore[attr-defined]


def _tickets_heard(stream: Iterator[bytes]) -> set[int]:
    heard = set()
    for chunk in stream:
        text = chunk.decode()
        if text.startswith("event:"):
            heard.add(json.loads(text.split("data: ", 1)[1])["ticket"])
    return heard


def test_live_events_reach_only_those_who_see_the_ticket(
    admin: User,
    agent: User,
    other_agent: User,
    online_ticket: Ticket,
    loose_ticket: Ticket,
    django_capture_on_commit_callbacks: Any,
) -> None:
    streams = {user.username: _listen(user) for user in (admin, agent, other_agent)}
    with django_capture_on_commit_callbacks(execute=True):
        services.message_post(actor=admin, ticket_id=online_ticket.pk, body="Note", internal=True)
        services.message_post(actor=admin, ticket_id=loose_ticket.pk, body="Note", internal=True)
    heard = {name: _tickets_heard(stream) for name, stream in streams.items()}
    assert heard == {
        "Ada": {online_ticket.pk, loose_ticket.pk},
        "Alice": {loose_ticket.pk},
        "Bob": {online_ticket.pk, loose_ticket.pk},
    }


def test_a_moved_ticket_is_announced_to_the_team_it_left(
    admin: User,
    agent: User,
    other_agent: User,
    front_desk: Team,
    online_ticket: Ticket,
    django_capture_on_commit_callbacks: Any,
) -> None:
    bob = _listen(other_agent)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_set_team(actor=admin, ticket_id=online_ticket.pk, team_id=front_desk.pk)
    assert _tickets_heard(bob) == {online_ticket.pk}
    assert signed_in(other_agent).get(f"/ticket/{online_ticket.pk}").status_code == 404
    assert signed_in(agent).get(f"/ticket/{online_ticket.pk}").status_code == 200
