"""What the rules cost inside a use case's transaction: a fixed number of queries per change,
plus one INSERT per mail written, however many people are on the desk. Measured against the
same use case with the rules disconnected."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from frontdesk.accounts.models import Role, User
from frontdesk.notifications import rules
from frontdesk.notifications.models import OutboxMail
from frontdesk.tickets import services
from frontdesk.tickets.models import Message, TicketEvent
from tests.conftest import make_user, open_ticket

pytestmark = pytest.mark.django_db


@contextmanager
def _rules_off() -> Iterator[None]:
    post_save.disconnect(sender=Message, dispatch_uid="notifications-message")
    post_save.disconnect(sender=TicketEvent, dispatch_uid="notifications-ticket-event")
    try:
        yield
    finally:
        post_save.connect(
            rules._message_saved, sender=Message, dispatch_uid="notifications-message"
        )
        post_save.connect(
            rules._event_saved, sender=TicketEvent, dispatch_uid="notifications-ticket-event"
        )


def _queries(action: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured)


def _extra(action: Callable[[], object]) -> tuple[int, int]:
    """(queries the rules added, mails they wrote)."""
    with _rules_off():
        action()  # warm: writes that happen once (the first read marker)
        without = _queries(action)
    before = OutboxMail.objects.count()
    with_rules = _queries(action)
    return with_rules - without, OutboxMail.objects.count() - before


def test_the_rules_cost_a_few_queries_plus_one_insert_per_mail(
    customer: User, agent: User, other_agent: User, admin: User
) -> None:
    ticket = open_ticket(customer, assignee=agent, staff=agent)

    def open_one() -> object:
        return services.ticket_open(actor=customer, title="Heating", body="Off.")

    # Loaded in bulk: the staff, the choices, the digests, the day's counts; then each mail.
    assert _extra(open_one) == (5 + 4, 4)
    for number in range(7):
        make_user(f"Agent{number}", Role.AGENT)
    assert _extra(open_one) == (5 + 11, 11)

    # Is it the opening message, the followers and CC, the requester, the choices, the day's
    # count, one mail, and the status notice still waiting (a reply and a status change are
    # one mail).
    assert _extra(
        lambda: services.message_post(actor=agent, ticket_id=ticket.pk, body="On it.")
    ) == (7, 1)
    assert _extra(
        lambda: services.message_post(actor=customer, ticket_id=ticket.pk, body="Thanks.")
    ) == (7, 1)  # the assignee, and their digest instead of the status notice
    assert _extra(
        lambda: services.message_post(
            actor=agent, ticket_id=ticket.pk, body="A note.", internal=True
        )
    ) == (1, 0)  # who follows the ticket
