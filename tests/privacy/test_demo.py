"""The demo anonymises one customer whose tickets are all closed, through the use case, once."""

from __future__ import annotations

import pytest

from frontdesk.accounts.models import User
from frontdesk.privacy.demo import demo_privacy_create
from frontdesk.privacy.models import PrivacyAction, PrivacyLog
from frontdesk.tickets.models import Status
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db


def test_the_demo_anonymises_one_customer_once(
    admin: User, agent: User, customer: User, other_customer: User
) -> None:
    open_ticket(customer, "Still open")
    open_ticket(other_customer, "Done", status=Status.CLOSED, staff=agent)
    said = demo_privacy_create()
    assert said == "Privacy: Jane asked to be forgotten; anonymised, 1 ticket(s) kept."
    log = PrivacyLog.objects.get()
    assert log.action == PrivacyAction.ANONYMISE and log.actor == admin
    assert User.objects.get(pk=other_customer.pk).username == f"deleted-user-{other_customer.pk}"
    assert User.objects.get(pk=customer.pk).username == customer.username
    assert demo_privacy_create() == "Privacy: already there."


def test_the_demo_says_when_nobody_fits(admin: User, customer: User) -> None:
    open_ticket(customer)
    assert demo_privacy_create() == "Privacy: no customer with only closed tickets to anonymise."
    assert not PrivacyLog.objects.exists()
