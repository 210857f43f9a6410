"""Replying from the pages (claims an unassigned ticket, sends and closes or sets pending in
one transaction), taking a colleague's ticket over, and the next ticket of a workspace list."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from frontdesk.accounts.models import User
from frontdesk.core.errors import Conflict, InvalidInput, NotAllowed
from frontdesk.tickets import services
from frontdesk.tickets.models import Message, MessageKind, Status, Ticket, TicketEvent
from frontdesk.tickets.next_ticket import workspace_next_ticket
from tests.conftest import Clock, open_ticket

pytestmark = pytest.mark.django_db

BODY = "The engineer comes at nine tomorrow."


def _system_lines(ticket: Ticket) -> list[str]:
    return list(
        Message.objects.filter(ticket=ticket, kind=MessageKind.SYSTEM)
        .order_by("id")
        .values_list("body", flat=True)
    )


# --- a reply from the page claims an unassigned ticket ---------------------------------------


def test_a_reply_from_the_page_claims_an_unassigned_ticket(customer: User, agent: User) -> None:
    ticket = open_ticket(customer)
    services.message_post(actor=agent, ticket_id=ticket.pk, body=BODY, claim_if_unassigned=True)
    ticket.refresh_from_db()
    assert ticket.assignee == agent and ticket.status == Status.OPEN
    assert _system_lines(ticket) == [f"This ticket has been claimed by Alice (ID: {agent.pk})."]
    assignee = TicketEvent.objects.get(ticket=ticket, field=TicketEvent.Field.ASSIGNEE)
    assert (assignee.actor, assignee.old_value, assignee.new_value) == (agent, "", str(agent.pk))


def test_without_the_option_a_reply_claims_nothing(customer: User, agent: User) -> None:
    """The SupportMe face keeps its explicit !claim."""
    ticket = open_ticket(customer)
    services.message_post(actor=agent, ticket_id=ticket.pk, body=BODY)
    ticket.refresh_from_db()
    assert ticket.assignee is None and _system_lines(ticket) == []


@pytest.mark.parametrize("who", ["customer", "note", "colleague's"])
def test_only_an_agents_public_reply_to_an_unassigned_ticket_claims(
    customer: User, agent: User, other_agent: User, who: str
) -> None:
    ticket = open_ticket(customer)
    if who == "colleague's":
        services.ticket_claim(actor=other_agent, ticket_id=ticket.pk)
    actor = customer if who == "customer" else agent
    services.message_post(
        actor=actor,
        ticket_id=ticket.pk,
        body=BODY,
        internal=who == "note",
        claim_if_unassigned=True,
    )
    ticket.refresh_from_db()
    assert ticket.assignee == (other_agent if who == "colleague's" else None)


# --- send and close, send and set pending ---------------------------------------------------


@pytest.mark.parametrize("then", [Status.CLOSED, Status.PENDING])
def test_send_and_move_on(customer: User, agent: User, then: str) -> None:
    ticket = open_ticket(customer)
    reply = services.ticket_reply(
        actor=agent, ticket_id=ticket.pk, body=BODY, then_status=then, claim_if_unassigned=True
    )
    ticket.refresh_from_db()
    assert reply.kind == MessageKind.PUBLIC and reply.body == BODY
    assert ticket.status == then and ticket.assignee == agent


def test_send_and_set_pending_on_a_pending_ticket_just_sends(customer: User, agent: User) -> None:
    ticket = open_ticket(customer)
    services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.PENDING)
    services.ticket_reply(actor=agent, ticket_id=ticket.pk, body=BODY, then_status=Status.PENDING)
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING
    assert Message.objects.filter(ticket=ticket, body=BODY).exists()


def test_a_refused_move_takes_the_reply_back(customer: User, agent: User) -> None:
    """Both happen or neither: a customer may not set pending, so nothing is sent."""
    ticket = open_ticket(customer)
    with pytest.raises(NotAllowed):
        services.ticket_reply(
            actor=customer, ticket_id=ticket.pk, body=BODY, then_status=Status.PENDING
        )
    assert not Message.objects.filter(body=BODY).exists()
    with pytest.raises(InvalidInput):
        services.ticket_reply(actor=agent, ticket_id=ticket.pk, body=BODY, then_status="asleep")


# --- taking over ----------------------------------------------------------------------------


def test_an_agent_takes_over_a_colleagues_ticket(
    customer: User, agent: User, other_agent: User
) -> None:
    ticket = open_ticket(customer)
    services.ticket_claim(actor=other_agent, ticket_id=ticket.pk)
    assert services.ticket_take_over_possible(actor=agent, ticket=ticket) is False  # stale copy
    ticket.refresh_from_db()
    assert services.ticket_take_over_possible(actor=agent, ticket=ticket)
    assert not services.ticket_claim_possible(actor=agent, ticket=ticket)

    services.ticket_take_over(actor=agent, ticket_id=ticket.pk, from_id=other_agent.pk)
    ticket.refresh_from_db()
    assert ticket.assignee == agent
    assert _system_lines(ticket)[-1] == (
        f"This ticket has been taken over by Alice (ID: {agent.pk}) "
        f"from Bob (ID: {other_agent.pk})."
    )
    row = TicketEvent.objects.filter(field=TicketEvent.Field.ASSIGNEE).latest("id")
    assert (row.actor, row.old_value, row.new_value) == (
        agent,
        str(other_agent.pk),
        str(agent.pk),
    )


def test_take_over_is_refused_where_it_makes_no_sense(
    customer: User, agent: User, other_agent: User, admin: User
) -> None:
    ticket = open_ticket(customer)
    with pytest.raises(Conflict, match="claim it instead"):
        services.ticket_take_over(actor=agent, ticket_id=ticket.pk)
    services.ticket_claim(actor=agent, ticket_id=ticket.pk)
    with pytest.raises(Conflict, match="already yours"):
        services.ticket_take_over(actor=agent, ticket_id=ticket.pk)
    with pytest.raises(NotAllowed):
        services.ticket_take_over(actor=customer, ticket_id=ticket.pk)
    # The page confirmed taking it from Bob, but Alice has it now: no silent second take.
    with pytest.raises(Conflict, match="meanwhile"):
        services.ticket_take_over(actor=admin, ticket_id=ticket.pk, from_id=other_agent.pk)
    services.ticket_take_over(actor=admin, ticket_id=ticket.pk, from_id=agent.pk)
    assert Ticket.objects.get(pk=ticket.pk).assignee == admin


# --- the next ticket of a list ----------------------------------------------------------------


def test_the_next_ticket_follows_the_lists_order(customer: User, agent: User, clock: Clock) -> None:
    tickets = []
    for title in ("First of the queue", "Second of the queue", "Third of the queue"):
        tickets.append(open_ticket(customer, title))
        clock.advance(60)
    first, second, third = tickets
    claimable = QueryDict("view=claimable")
    # The first left the list (a reply claimed it): its place still says what comes next.
    services.ticket_claim(actor=agent, ticket_id=first.pk)
    assert workspace_next_ticket(user=agent, after_ticket_id=first.pk, address=claimable) == second
    assert workspace_next_ticket(user=agent, after_ticket_id=second.pk, address=claimable) == third
    # After the last, the list starts again; newest first goes the other way.
    assert workspace_next_ticket(user=agent, after_ticket_id=third.pk, address=claimable) == second
    newest = QueryDict("view=open&sort=-created")
    assert workspace_next_ticket(user=agent, after_ticket_id=third.pk, address=newest) == second
    for nonsense in ("view=sleeping", "view=open&status=asleep", "view=open&sort=random"):
        assert (
            workspace_next_ticket(user=agent, after_ticket_id=first.pk, address=QueryDict(nonsense))
            is None
        )
    with pytest.raises(NotAllowed):
        workspace_next_ticket(user=customer, after_ticket_id=first.pk, address=claimable)
