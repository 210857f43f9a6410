"""The demo has one customer download their data, through the use case, once."""

from __future__ import annotations

import pytest

from frontdesk.accounts.models import User
from frontdesk.privacy.demo import demo_privacy_create
from frontdesk.privacy.models import PrivacyAction, PrivacyLog
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db


def test_the_demo_exports_one_customer_once(customer: User, other_customer: User) -> None:
    open_ticket(customer, "First")
    open_ticket(customer, "Second")
    assert demo_privacy_create() == "Privacy: John downloaded their data (2 tickets, 0 files)."
    log = PrivacyLog.objects.get()
    assert log.action == PrivacyAction.EXPORT and log.actor == customer
    assert User.objects.get(pk=customer.pk).username == customer.username
    assert demo_privacy_create() == "Privacy: already there."


def test_the_demo_says_when_nobody_fits(customer: User) -> None:
    assert demo_privacy_create() == "Privacy: no customer with tickets to export."
    assert not PrivacyLog.objects.exists()
