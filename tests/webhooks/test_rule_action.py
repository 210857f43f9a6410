"""An automation rule's "Send to webhook": the ticket posted as ``rule.matched`` to the webhook
it names, by the worker after the rule's changes commit; a webhook that is off is refused when
the rule is written, and logged as refused when it was turned off since."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.automations.models import RuleRun
from frontdesk.automations.services import rule_create
from frontdesk.core.errors import InvalidInput
from frontdesk.webhooks.models import Delivery
from frontdesk.webhooks.services import webhook_update
from tests.conftest import open_ticket
from tests.webhooks.conftest import Receiver, make_webhook

pytestmark = pytest.mark.django_db


def _rule(admin: User, webhook_id: int) -> None:
    rule_create(
        actor=admin,
        values={
            "name": "Refunds to the booking system",
            "active": True,
            "event": "ticket_created",
            "conditions": [{"field": "title", "operator": "contains", "value": "refund"}],
            "actions": [{"action": "send_webhook", "value": str(webhook_id)}],
        },
    )


def test_a_rule_sends_the_ticket_to_a_webhook(
    admin: User, customer: User, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    webhook = make_webhook(admin, receiver.url, events=["sla.breach"])
    _rule(admin, webhook.pk)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket(customer, title="Refund for May")
    with django_capture_on_commit_callbacks(execute=True):
        open_ticket(customer, title="Locker key")
    assert len(receiver.requests) == 1
    body = json.loads(receiver.requests[0].body)
    assert body["event"] == "rule.matched" and body["ticket"]["id"] == ticket.pk
    assert body["rule"]["name"] == "Refunds to the booking system"
    run = RuleRun.objects.get()
    assert run.done == ["Send to webhook Chat room"] and run.errors == []
    assert Delivery.objects.get().status == Delivery.Status.DELIVERED


def test_a_webhook_that_is_off_is_refused_or_logged(
    admin: User, customer: User, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    webhook = make_webhook(admin, receiver.url, active=False)
    with pytest.raises(InvalidInput, match="choose a webhook that is on"):
        _rule(admin, webhook.pk)
    webhook_update(actor=admin, webhook_id=webhook.pk, changes={"active": True})
    _rule(admin, webhook.pk)
    webhook_update(actor=admin, webhook_id=webhook.pk, changes={"active": False})
    with django_capture_on_commit_callbacks(execute=True):
        open_ticket(customer, title="Refund please")
    run = RuleRun.objects.get()
    assert run.errors == ["Send to webhook Chat room: the webhook is off or was deleted."]
    assert receiver.requests == [] and not Delivery.objects.exists()


def test_the_rule_form_offers_the_webhooks(admin: User) -> None:
    make_webhook(admin, "https://hooks.example.com/x", name="Booking system")
    client = Client()
    client.force_login(admin)
    page = client.get("/rules/new").content.decode()
    assert "Send to webhook" in page and "Booking system" in page
