"""The demo's webhooks: added once, off (a demo desk posts nowhere), with a log to look at."""

from __future__ import annotations

import pytest

from frontdesk.accounts.models import User
from frontdesk.webhooks.demo import demo_webhooks_create
from frontdesk.webhooks.models import Delivery, Webhook
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db


def test_the_demo_adds_its_webhooks_once_and_off(admin: User, customer: User) -> None:
    for title in ("Locker key lost", "Refund for May", "Heating off"):
        open_ticket(customer, title=title)
    assert demo_webhooks_create() == "Added 2 webhooks, off (see /webhooks)."
    assert demo_webhooks_create() == "Added 0 webhooks, off (see /webhooks)."
    assert not Webhook.objects.filter(active=True).exists()
    assert Delivery.objects.count() == 6
    assert Delivery.objects.filter(status="failed").count() == 2


def test_no_admin_no_webhooks(db: None) -> None:
    assert demo_webhooks_create() == "No admin: no webhooks added."
