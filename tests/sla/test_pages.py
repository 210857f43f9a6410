"""The ticket page's SLA card: agents see each target's time left or lateness with the due time
on hover, paused and met targets in words; customers see no SLA at all. A calendar with no
working time ahead does not stop tickets from being opened."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from frontdesk.accounts.models import User
from frontdesk.sla.models import BusinessCalendar, Holiday, Metric, SlaClock
from frontdesk.sla.policies import sla_calendar_create, sla_policy_create
from frontdesk.tickets import services
from frontdesk.tickets.models import Status
from tests.conftest import Clock, open_ticket
from tests.web.conftest import html, signed_in

pytestmark = pytest.mark.django_db

START = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
TARGETS = {"medium": {"first_response_minutes": 60, "resolution_minutes": 600}}


def test_agents_see_time_left_and_overdue_customers_see_nothing(
    customer: User, agent: User, admin: User, clock: Clock
) -> None:
    clock.current = START
    sla_policy_create(actor=admin, values={"name": "Standard", "targets": TARGETS})
    ticket = open_ticket(customer)
    clock.advance(50 * 60)
    page = html(signed_in(agent).get(f"/ticket/{ticket.pk}"))
    assert "Policy Standard" in page
    assert 'id="sla-first_response"><time class="due due--soon"' in page
    assert "Time left 10m" in page and 'title="Due 1 Dec 2026, 11:00 UTC"' in page
    assert "Time left 9h 10m" in page  # resolution
    clock.advance(45 * 60)
    assert "Overdue by 35m" in html(signed_in(agent).get(f"/ticket/{ticket.pk}"))
    services.message_post(actor=agent, ticket_id=ticket.pk, body="Here we are.")
    services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.PENDING)
    page = html(signed_in(agent).get(f"/ticket/{ticket.pk}"))
    assert "Missed: 1h 35m of 1h" in page and "Paused, 8h 25m left" in page
    customer_page = html(signed_in(customer).get(f"/ticket/{ticket.pk}"))
    assert "SLA" not in customer_page and "Policy Standard" not in customer_page


def test_the_list_shows_the_nearest_target(
    customer: User, agent: User, admin: User, clock: Clock
) -> None:
    clock.current = START
    sla_policy_create(actor=admin, values={"name": "Standard", "targets": TARGETS})
    open_ticket(customer)
    clock.advance(90 * 60)
    page = html(signed_in(agent).get("/home?view=overdue"))
    assert (
        '<time class="due due--overdue" datetime="2026-12-01T11:00:00+00:00" '
        'title="Due 1 Dec 2026, 11:00 UTC">Overdue by'
    ) in page


def test_a_calendar_without_working_time_ahead_counts_round_the_clock(
    customer: User, admin: User, clock: Clock
) -> None:
    clock.current = START
    calendar = sla_calendar_create(
        actor=admin, name="Closed", time_zone="UTC", hours={"0": [["09:00", "17:00"]]}
    )
    every_day = [
        Holiday(calendar=calendar, day=datetime(2026, month, day).date(), yearly=True)
        for month in range(1, 13)
        for day in range(1, 29)
    ] + [Holiday(calendar=calendar, day=datetime(2028, 2, 29).date(), yearly=True)]
    every_day += [
        Holiday(calendar=calendar, day=datetime(2026, month, day).date(), yearly=True)
        for month in range(1, 13)
        for day in (29, 30, 31)
        if (month, day) not in {(2, 29), (2, 30), (2, 31), (4, 31), (6, 31), (9, 31), (11, 31)}
    ]
    Holiday.objects.bulk_create(every_day, ignore_conflicts=True)
    sla_policy_create(
        actor=admin, values={"name": "Standard", "calendar": calendar.pk, "targets": TARGETS}
    )
    ticket = open_ticket(customer)  # not refused
    first = SlaClock.objects.get(ticket=ticket, metric=Metric.FIRST_RESPONSE)
    assert first.due_at == datetime(2026, 12, 1, 11, 0, tzinfo=UTC)
    assert BusinessCalendar.objects.count() == 1
