"""The retention policy: off unless FRONTDESK_RETENTION_CLOSED_MONTHS is set; then the daily
job anonymises the requesters whose every ticket was closed before the cut-off, or deletes
those tickets (FRONTDESK_RETENTION_ACTION=delete). Time is the project's clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.files.storage import default_storage
from pytest_django.fixtures import Settings

from frontdesk.accounts.models import User
from frontdesk.privacy import services
from frontdesk.privacy.models import PrivacyAction, PrivacyLog
from frontdesk.privacy.tasks import retention_policy_apply
from frontdesk.tickets.models import Attachment, Status, Ticket
from tests.conftest import Clock, make_user, open_ticket
from tests.privacy.conftest import upload

pytestmark = pytest.mark.django_db

LONG_AGO = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
RECENTLY = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
TODAY = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def _closed(requester: User, agent: User, at: datetime, **more: Any) -> Ticket:
    return open_ticket(requester, status=Status.CLOSED, staff=agent, at=at, **more)


def test_off_by_default(settings: Settings, clock: Clock, customer: User, agent: User) -> None:
    assert settings.FRONTDESK_RETENTION_CLOSED_MONTHS == 0
    ticket = _closed(customer, agent, LONG_AGO)
    clock.current = TODAY
    assert services.retention_apply() is None
    assert Ticket.objects.filter(pk=ticket.pk).exists()
    assert User.objects.get(pk=customer.pk).is_active
    assert not PrivacyLog.objects.exists()


def test_anonymise_requesters_whose_every_ticket_expired(
    settings: Settings, clock: Clock, customer: User, other_customer: User, agent: User
) -> None:
    settings.FRONTDESK_RETENTION_CLOSED_MONTHS = 6
    settings.FRONTDESK_RETENTION_ACTION = "anonymise"
    old = _closed(customer, agent, LONG_AGO)
    _closed(other_customer, agent, LONG_AGO)
    open_ticket(other_customer, "Still going", at=RECENTLY)  # keeps other_customer
    recent = make_user("Recent")
    _closed(recent, agent, RECENTLY)
    clock.current = TODAY

    log = services.retention_apply()

    assert log is not None and log.action == PrivacyAction.RETENTION and log.actor is None
    assert log.counts == {"customers_anonymised": 1}
    assert User.objects.get(pk=customer.pk).username == f"deleted-user-{customer.pk}"
    assert Ticket.objects.filter(pk=old.pk).exists()  # kept, anonymised
    assert User.objects.get(pk=other_customer.pk).username == other_customer.username
    assert User.objects.get(pk=recent.pk).username == "Recent"
    per_customer = PrivacyLog.objects.get(action=PrivacyAction.ANONYMISE)
    assert per_customer.customer_id == customer.pk and per_customer.note == "retention policy"
    # Nothing left to do: a second run does nothing and logs nothing.
    assert services.retention_apply() is None
    assert PrivacyLog.objects.count() == 2


def test_delete_expired_tickets_with_their_files(
    settings: Settings,
    clock: Clock,
    customer: User,
    agent: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.FRONTDESK_RETENTION_CLOSED_MONTHS = 6
    settings.FRONTDESK_RETENTION_ACTION = "delete"
    old = _closed(customer, agent, LONG_AGO, files=[upload("old.txt", b"old")])
    stored = Attachment.objects.get(message__ticket=old).file.name
    recent = _closed(customer, agent, RECENTLY)
    resolved = open_ticket(customer, status=Status.RESOLVED, staff=agent, at=LONG_AGO)
    clock.current = TODAY

    with django_capture_on_commit_callbacks(execute=True):
        retention_policy_apply.call_local()

    assert not Ticket.objects.filter(pk=old.pk).exists()
    assert not default_storage.exists(stored)
    assert Ticket.objects.filter(pk__in=[recent.pk, resolved.pk]).count() == 2
    assert User.objects.get(pk=customer.pk).is_active  # delete removes tickets, not people
    (log,) = PrivacyLog.objects.all()
    assert log.counts == {"tickets_deleted": 1} and "delete" in log.note
    assert services.retention_apply() is None


def test_the_cut_off_moves_with_the_clock(
    settings: Settings, clock: Clock, customer: User, agent: User
) -> None:
    settings.FRONTDESK_RETENTION_CLOSED_MONTHS = 2
    settings.FRONTDESK_RETENTION_ACTION = "delete"
    ticket = _closed(customer, agent, datetime(2026, 10, 2, 9, 0, tzinfo=UTC))
    clock.current = datetime(2026, 12, 2, 8, 59, tzinfo=UTC)
    assert services.retention_apply() is None
    clock.current = datetime(2026, 12, 2, 9, 1, tzinfo=UTC)
    assert services.retention_apply() is not None
    assert not Ticket.objects.filter(pk=ticket.pk).exists()


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (datetime(2026, 3, 31, tzinfo=UTC), 1, datetime(2026, 2, 28, tzinfo=UTC)),
        (datetime(2028, 3, 31, tzinfo=UTC), 1, datetime(2028, 2, 29, tzinfo=UTC)),
        (datetime(2026, 1, 15, tzinfo=UTC), 13, datetime(2024, 12, 15, tzinfo=UTC)),
        (datetime(2026, 12, 3, tzinfo=UTC), 6, datetime(2026, 6, 3, tzinfo=UTC)),
    ],
)
def test_months_before(moment: datetime, months: int, expected: datetime) -> None:
    assert services.months_before(moment, months) == expected


def test_a_run_stops_at_its_batch_and_the_next_goes_on(
    settings: Settings,
    clock: Clock,
    customer: User,
    agent: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.FRONTDESK_RETENTION_CLOSED_MONTHS = 6
    settings.FRONTDESK_RETENTION_ACTION = "delete"
    monkeypatch.setattr(services, "RETENTION_BATCH", 3)
    monkeypatch.setattr(services, "DELETE_CHUNK", 2)
    for number in range(5):
        _closed(customer, agent, LONG_AGO, title=f"Old {number}")
    clock.current = TODAY
    first = services.retention_apply()
    assert first is not None and first.counts == {"tickets_deleted": 3}
    second = services.retention_apply()
    assert second is not None and second.counts == {"tickets_deleted": 2}
    assert not Ticket.objects.exists()
    assert services.retention_apply() is None
