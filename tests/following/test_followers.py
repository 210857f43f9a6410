"""Followers: staff follow and unfollow a ticket; each change is a staff-only history row; a
follower is told of replies, internal notes and status changes; an agent who writes on a
ticket follows it."""

from __future__ import annotations

import pytest

from frontdesk.accounts.models import User
from frontdesk.core.errors import InvalidInput, NotAllowed, NotFound
from frontdesk.following.models import Follower
from frontdesk.following.selectors import followers_of, is_following
from frontdesk.following.services import ticket_follow, ticket_unfollow
from frontdesk.notifications import kinds
from frontdesk.notifications.preferences import notification_preferences_set
from frontdesk.tickets import services
from frontdesk.tickets.models import Ticket, TicketEvent
from tests.conftest import open_ticket
from tests.notifications.rows import outbox

pytestmark = pytest.mark.django_db


def test_an_agent_follows_and_unfollows_with_history(ticket: Ticket, agent: User) -> None:
    assert ticket_follow(actor=agent, ticket_id=ticket.pk) is True
    assert ticket_follow(actor=agent, ticket_id=ticket.pk) is False  # twice is no error
    assert is_following(user=agent, ticket_id=ticket.pk)
    assert followers_of(user=agent, ticket_id=ticket.pk) == [agent]
    assert ticket_unfollow(actor=agent, ticket_id=ticket.pk) is True
    assert not is_following(user=agent, ticket_id=ticket.pk)
    rows = list(
        TicketEvent.objects.filter(ticket=ticket, field=TicketEvent.Field.FOLLOWERS).order_by("id")
    )
    assert [(r.old_value, r.new_value, r.staff_only) for r in rows] == [
        ("", "Alice", True),
        ("Alice", "", True),
    ]


def test_customers_neither_follow_nor_see_followers(
    ticket: Ticket, customer: User, agent: User
) -> None:
    with pytest.raises(NotAllowed):
        ticket_follow(actor=customer, ticket_id=ticket.pk)
    ticket_follow(actor=agent, ticket_id=ticket.pk)
    assert followers_of(user=customer, ticket_id=ticket.pk) == []


def test_an_agent_adds_a_colleague_but_never_a_customer(
    ticket: Ticket, agent: User, other_agent: User, other_customer: User
) -> None:
    ticket_follow(actor=agent, ticket_id=ticket.pk, user_id=other_agent.pk)
    assert followers_of(user=agent, ticket_id=ticket.pk) == [other_agent]
    with pytest.raises(InvalidInput) as refused:
        ticket_follow(actor=agent, ticket_id=ticket.pk, user_id=other_customer.pk)
    assert refused.value.field == "user_id"
    with pytest.raises(NotFound):
        ticket_unfollow(actor=agent, ticket_id=ticket.pk, user_id=other_customer.pk)
    ticket_unfollow(actor=agent, ticket_id=ticket.pk, user_id=other_agent.pk)
    assert followers_of(user=agent, ticket_id=ticket.pk) == []


def test_following_a_missing_ticket_is_not_found(agent: User) -> None:
    with pytest.raises(NotFound):
        ticket_follow(actor=agent, ticket_id=987654)


def test_a_follower_hears_of_replies_notes_and_status(
    customer: User, agent: User, other_agent: User
) -> None:
    ticket = open_ticket(customer, assignee=agent, staff=agent)
    ticket_follow(actor=other_agent, ticket_id=ticket.pk)
    before = outbox().__len__()

    services.message_post(actor=customer, ticket_id=ticket.pk, body="Still cold.")
    services.message_post(actor=agent, ticket_id=ticket.pk, body="A note.", internal=True)
    services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status="pending")

    told = outbox()[before:]
    assert told.count((kinds.FOLLOWED_UPDATE, "Bob")) == 3
    # The note reaches the follower, never the customer.
    assert (kinds.PUBLIC_REPLY, "John") not in told
    assert (kinds.CUSTOMER_REPLIED, "Alice") in told


def test_the_follower_who_wrote_is_not_told_of_their_own_note(ticket: Ticket, agent: User) -> None:
    ticket_follow(actor=agent, ticket_id=ticket.pk)
    before = len(outbox())
    services.message_post(actor=agent, ticket_id=ticket.pk, body="Mine.", internal=True)
    assert outbox()[before:] == []


def test_a_follower_told_by_a_mention_gets_one_mail(
    ticket: Ticket, agent: User, other_agent: User
) -> None:
    ticket_follow(actor=other_agent, ticket_id=ticket.pk)
    before = len(outbox())
    services.message_post(actor=agent, ticket_id=ticket.pk, body="@Bob look.", internal=True)
    assert outbox()[before:] == [(kinds.MENTIONED, "Bob")]


def test_a_follower_can_turn_the_mails_off(ticket: Ticket, agent: User, other_agent: User) -> None:
    ticket_follow(actor=other_agent, ticket_id=ticket.pk)
    notification_preferences_set(
        actor=other_agent, user=other_agent, enabled={kinds.FOLLOWED_UPDATE: False}
    )
    before = len(outbox())
    services.message_post(actor=agent, ticket_id=ticket.pk, body="A note.", internal=True)
    assert (kinds.FOLLOWED_UPDATE, "Bob") not in outbox()[before:]


def test_an_agent_who_writes_follows_but_not_the_assignee(
    customer: User, agent: User, other_agent: User
) -> None:
    ticket = open_ticket(customer, assignee=agent, staff=agent)
    services.message_post(actor=agent, ticket_id=ticket.pk, body="Mine.", internal=True)
    services.message_post(actor=other_agent, ticket_id=ticket.pk, body="Me too.", internal=True)
    services.message_post(actor=customer, ticket_id=ticket.pk, body="Hello?")
    assert set(Follower.objects.filter(ticket=ticket).values_list("user__username", flat=True)) == {
        "Bob"
    }
