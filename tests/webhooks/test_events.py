"""Which ticket events reach which webhooks, with what: heard from the rows every change writes
(as the rules and notifications hear them), queued after commit, only for the webhooks that
want them; internal notes only for a webhook that asked for notes."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction

from frontdesk.accounts.models import User
from frontdesk.core import clock
from frontdesk.sla.models import SlaAlert
from frontdesk.tickets import services
from frontdesk.tickets.models import Ticket, TicketEvent
from frontdesk.webhooks.models import Delivery, WebhookEvent
from frontdesk.webhooks.services import webhook_update
from tests.conftest import open_ticket
from tests.webhooks.conftest import Receiver, make_webhook

pytestmark = pytest.mark.django_db

EVERY_EVENT = list(WebhookEvent.values)


def _bodies(receiver: Receiver) -> list[dict[str, Any]]:
    return [json.loads(request.body) for request in receiver.requests]


def _events(receiver: Receiver) -> list[str]:
    return [body["event"] for body in _bodies(receiver)]


@pytest.fixture
def ticket(customer: User) -> Ticket:
    return open_ticket(customer, title="Heating off", body="Studio 2 is cold.")


def test_each_ticket_event_reaches_a_webhook_that_wants_it(
    admin: User,
    agent: User,
    customer: User,
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    make_webhook(admin, receiver.url, events=EVERY_EVENT)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket(customer, title="Heating off", body="Studio 2 is cold.")
    # Each event is its own job: receivers order them by occurred_at, not by arrival.
    assert sorted(_events(receiver)) == ["message.public", "ticket.created"]
    first, created = sorted(_bodies(receiver), key=lambda body: body["event"])
    assert created["ticket"] == {
        "id": ticket.pk,
        "number": ticket.number,
        "title": "Heating off",
        "status": "new",
        "priority": ticket.priority,
        "requester": {"id": customer.pk, "username": "John"},
        "assignee": None,
        "url": f"http://127.0.0.1:8000/ticket/{ticket.pk}",
    }
    assert first["message"]["body"] == "Studio 2 is cold."
    opened = TicketEvent.objects.get(ticket=ticket, field=TicketEvent.Field.CREATED)
    assert created["occurred_at"] == opened.created_at.isoformat()
    receiver.requests.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_assign(actor=agent, ticket_id=ticket.pk, assignee_id=agent.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_update(actor=agent, ticket_id=ticket.pk, changes={"priority": "urgent"})
    with django_capture_on_commit_callbacks(execute=True):
        services.message_post(actor=agent, ticket_id=ticket.pk, body="On my way.")
    with django_capture_on_commit_callbacks(execute=True):
        services.message_post(
            actor=agent, ticket_id=ticket.pk, body="Boiler code E4.", internal=True
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status="resolved")
    events = _events(receiver)
    for expected in (
        "ticket.assigned",
        "ticket.priority_changed",
        "message.public",
        "message.internal",
        "ticket.status_changed",
    ):
        assert expected in events
    by_event = {body["event"]: body for body in _bodies(receiver)}
    assigned = by_event["ticket.assigned"]
    assert assigned["change"]["field"] == "assignee"
    assert assigned["change"]["new"] == str(agent.pk)
    assert by_event["ticket.priority_changed"]["change"] == {
        "field": "priority",
        "old": "medium",
        "new": "urgent",
    }
    assert by_event["ticket.status_changed"]["change"]["new"] == "resolved"
    assert by_event["ticket.status_changed"]["ticket"]["assignee"]["username"] == "Alice"
    assert by_event["message.internal"]["message"]["body"] == "Boiler code E4."
    assert by_event["message.internal"]["message"]["kind"] == "internal"
    delivered = Delivery.objects.filter(status=Delivery.Status.DELIVERED).count()
    assert delivered == len(events) + 2  # and the two of the opening


def test_internal_notes_only_go_to_a_webhook_that_asked(
    admin: User,
    agent: User,
    ticket: Ticket,
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    make_webhook(admin, receiver.url, events=["message.public"])
    with django_capture_on_commit_callbacks(execute=True):
        services.message_post(actor=agent, ticket_id=ticket.pk, body="Secret note", internal=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.message_post(actor=agent, ticket_id=ticket.pk, body="Public answer")
    assert _events(receiver) == ["message.public"]
    assert "Secret note" not in receiver.requests[0].body.decode()
    assert Delivery.objects.count() == 1


def test_sla_alerts_reach_a_webhook(
    admin: User, ticket: Ticket, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    make_webhook(admin, receiver.url, events=["sla.warning", "sla.breach"])
    due = clock.now() + timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        SlaAlert.objects.create(ticket=ticket, metric="first_response", level="warning", due_at=due)
    with django_capture_on_commit_callbacks(execute=True):
        SlaAlert.objects.create(ticket=ticket, metric="first_response", level="breach", due_at=due)
    assert _events(receiver) == ["sla.warning", "sla.breach"]
    assert _bodies(receiver)[1]["sla"] == {
        "metric": "first_response",
        "level": "breach",
        "due_at": due.isoformat(),
    }


def test_nothing_is_sent_to_a_webhook_that_is_off_or_wants_other_events(
    admin: User,
    agent: User,
    ticket: Ticket,
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    hook = make_webhook(admin, receiver.url, events=["ticket.created"])
    with django_capture_on_commit_callbacks(execute=True):
        services.message_post(actor=agent, ticket_id=ticket.pk, body="Hello")
    webhook_update(
        actor=admin, webhook_id=hook.pk, changes={"events": EVERY_EVENT, "active": False}
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.message_post(actor=agent, ticket_id=ticket.pk, body="Hello again")
    assert receiver.requests == [] and not Delivery.objects.exists()


def test_a_change_rolled_back_sends_nothing(
    admin: User,
    agent: User,
    ticket: Ticket,
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    make_webhook(admin, receiver.url, events=EVERY_EVENT)

    def lost() -> None:
        with transaction.atomic():
            services.message_post(actor=agent, ticket_id=ticket.pk, body="Lost")
            raise RuntimeError

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        lost()
    assert callbacks == [] and receiver.requests == []


def test_each_webhook_gets_its_own_event_id(
    admin: User, customer: User, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    make_webhook(admin, receiver.url)
    make_webhook(admin, receiver.url, name="Second", format="slack")
    with django_capture_on_commit_callbacks(execute=True):
        open_ticket(customer)
    ids = {request.headers["Frontdesk-Event-Id"] for request in receiver.requests}
    assert len(receiver.requests) == 2 and len(ids) == 2
