"""The demo fills followers and CC through the use cases, once."""

from __future__ import annotations

import pytest

from frontdesk.accounts.models import User
from frontdesk.following.demo import demo_following_create
from frontdesk.following.models import CcPerson, Follower
from frontdesk.tickets.models import TicketEvent
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db


def test_the_demo_adds_followers_and_cc_once(
    customer: User, other_customer: User, agent: User, other_agent: User
) -> None:
    for number in range(25):
        open_ticket(customer if number % 2 else other_customer, title=f"Ticket {number}")
    said = demo_following_create()
    assert said == "Followers on 12 tickets; CC on 8 tickets."
    assert Follower.objects.count() == 12
    assert CcPerson.objects.count() == 8
    assert not TicketEvent.objects.filter(field=TicketEvent.Field.CC).exists()  # as from the start
    assert demo_following_create() == "Followers and CC: already there."
