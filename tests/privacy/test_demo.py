"""The demo has one customer download their data, through the use case, once."""

from __future__ import annotations

import pytest

from frontdesk.accounts.models import User
from frontdesk.privacy.demo import demo_privacy_create
from frontdesk.privacy.models import PrivacyAction, PrivacyLog
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db


def test_the_demo_exports_one_customer_once(customer: User, other_customer: User) -> None:
    """The customer with the fewest tickets: a big demo's first customer asked thousands."""
    for title in ("First", "Second", "Third"):
        open_ticket(customer, title)
    open_ticket(other_customer, "First")
    open_ticket(other_customer, "Second")
    assert demo_privacy_create() == "Privacy: Jane downloaded their data (2 tickets, 0 files)."
    log = PrivacyLog.objects.get()
    assert log.action == PrivacyAction.EXPORT and log.actor == other_customer
    assert User.objects.get(pk=other_customer.pk).username == other_customer.username
    assert demo_privacy_create() == "Privacy: already there."


def test_the_demo_says_when_nobody_fits(customer: User) -> None:
    assert demo_privacy_create() == "Privacy: no customer with tickets to export."
    assert not PrivacyLog.objects.exists()
