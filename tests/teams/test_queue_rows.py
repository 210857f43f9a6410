"""The workspace's rows read as values (tickets/rows.py ``QueueRow``) are the rows its tickets
as model instances made, for every reader the teams cast has: the same tickets (the gate: an
agent's teams, their own tickets elsewhere, what an admin sees), the same unread marks and
previews, the same HTML."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import translation

from frontdesk.accounts.models import User
from frontdesk.core.clock import now
from frontdesk.core.errors import NotAllowed
from frontdesk.teams.models import Team
from frontdesk.teams.services import ticket_set_team
from frontdesk.tickets import access, paging, selectors, services
from frontdesk.tickets.models import Ticket
from frontdesk.tickets.rows import QueueRow
from frontdesk.tickets.selectors import WorkspaceView
from frontdesk.web.queue_rows import queue_rows
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(
    customer: User, agent: User, other_agent: User, admin: User, front_desk: Team, online: Team
) -> list[Ticket]:
    """Tickets in both teams and in none; claimed, tagged, answered, noted, due, closed."""
    tickets = [open_ticket(customer, f"Studio <issue> “{n}” & co") for n in range(8)]
    ticket_set_team(actor=admin, ticket_id=tickets[0].pk, team_id=front_desk.pk)
    ticket_set_team(actor=admin, ticket_id=tickets[1].pk, team_id=online.pk)
    ticket_set_team(actor=admin, ticket_id=tickets[2].pk, team_id=online.pk)
    services.ticket_claim(actor=other_agent, ticket_id=tickets[1].pk)
    services.ticket_assign(actor=admin, ticket_id=tickets[2].pk, assignee_id=agent.pk)
    services.ticket_claim(actor=agent, ticket_id=tickets[3].pk)
    services.message_post(actor=agent, ticket_id=tickets[3].pk, body="On it <b>now</b>.")
    services.message_post(actor=agent, ticket_id=tickets[4].pk, body="A note.", internal=True)
    services.ticket_update(
        actor=agent, ticket_id=tickets[4].pk, changes={"tags": ["keys", "front doors"]}
    )
    Ticket.objects.filter(pk=tickets[5].pk).update(due_at=now() - timedelta(hours=3))
    Ticket.objects.filter(pk=tickets[6].pk).update(due_at=now() + timedelta(days=2))
    services.ticket_change_status(actor=agent, ticket_id=tickets[7].pk, status="closed")
    return tickets


def _as_instances(user: User, rows: list[QueueRow]) -> list[Ticket]:
    """The same tickets as the workspace read them before its rows were values: instances,
    decorated, with their people and tags' names."""
    query = selectors.with_preview(selectors.with_unread(Ticket.objects.all(), user), user)
    found = {
        t.pk: t
        for t in query.filter(pk__in=[row.pk for row in rows]).select_related(
            "requester", "assignee"
        )
    }
    tickets = [found[row.pk] for row in rows]
    paging.with_tag_names(tickets)
    return tickets


@pytest.mark.parametrize("view", [*WorkspaceView.values])
@pytest.mark.parametrize("reader", ["agent", "other_agent", "admin"])
def test_the_rows_as_values_are_the_rows_as_tickets(
    desk: list[Ticket], view: str, reader: str, request: pytest.FixtureRequest
) -> None:
    user: User = request.getfixturevalue(reader)
    page = selectors.tickets_for_workspace(user=user, view=view)
    assert all(isinstance(row, QueueRow) for row in page.tickets)
    visible = set(access.tickets_visible_to(user).values_list("pk", flat=True))
    assert {row.pk for row in page.tickets} <= visible
    tickets = _as_instances(user, page.tickets)
    for row, ticket in zip(page.tickets, tickets, strict=True):
        assert (row.pk, row.number, row.title, row.status, row.is_done) == (
            ticket.pk, ticket.number, ticket.title, ticket.status, ticket.is_done
        )  # fmt: skip
        assert (bool(row.unread), row.preview, row.tag_names) == (
            bool(ticket.unread),  # type: ignore[attr-defined]
            ticket.preview,  # type: ignore[attr-defined]
            ticket.tag_names,  # type: ignore[attr-defined]
        )
        assert row.requester.username == ticket.requester.username
        assert (row.assignee.username if row.assignee else None) == (
            ticket.assignee.username if ticket.assignee else None
        )
    for language in ("en", "es"):
        with translation.override(language):
            assert queue_rows(page.tickets, None, for_customer=False) == queue_rows(
                tickets, None, for_customer=False
            )


def test_an_agent_in_a_team_lists_their_teams_and_their_own_tickets(
    desk: list[Ticket], agent: User, other_agent: User, customer: User
) -> None:
    """Alice (Front desk) lists Online's ticket assigned to her, not the one Bob claimed."""
    listed = {row.pk for row in selectors.tickets_for_workspace(user=agent, view="open").tickets}
    assert desk[0].pk in listed and desk[2].pk in listed and desk[1].pk not in listed
    bobs = {
        row.pk for row in selectors.tickets_for_workspace(user=other_agent, view="open").tickets
    }
    assert desk[1].pk in bobs and desk[0].pk not in bobs
    with pytest.raises(NotAllowed):
        selectors.tickets_for_workspace(user=customer, view="open")
