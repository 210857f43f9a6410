"""Where an SLA policy runs clocks, response and resolution times are the business time they
consumed (sla/calendars.py through sla/clocks.py), and SLA compliance counts the targets met
and missed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from frontdesk.accounts.models import User
from frontdesk.reports.periods import Period
from frontdesk.reports.selectors import report_for
from frontdesk.sla.policies import sla_calendar_create, sla_policy_create
from frontdesk.tickets.models import Priority
from tests.conftest import Clock
from tests.reports.helpers import worked

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
FRIDAY_16 = datetime(2026, 12, 4, 16, 0, tzinfo=LONDON)
MONDAY = datetime(2026, 12, 7, 0, 0, tzinfo=LONDON)
WEEKS = Period(first=date(2026, 11, 30), last=date(2026, 12, 13), zone=LONDON)


@pytest.fixture
def office_policy(admin: User, clock: Clock) -> None:
    clock.current = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    calendar = sla_calendar_create(
        actor=admin,
        name="Office",
        time_zone="Europe/London",
        hours={str(day): [["09:00", "17:00"]] for day in range(5)},
    )
    targets = {
        priority: {"first_response_minutes": 60, "resolution_minutes": 480}
        for priority in Priority.values
    }
    sla_policy_create(
        actor=admin, values={"name": "Office hours", "calendar": calendar.pk, "targets": targets}
    )


def test_times_in_business_hours_and_targets_met_or_missed(
    office_policy: None, customer: User, agent: User, clock: Clock
) -> None:
    # Friday 16:00, answered Monday 10:00: 66 hours on the wall, 2 business hours (missed:
    # the target is one); solved Monday 11:00: 3 business hours (met: the target is eight).
    late = worked(customer, agent, opened=FRIDAY_16,
                  answered_after=MONDAY + timedelta(hours=10) - FRIDAY_16,
                  solved_at=MONDAY + timedelta(hours=11))  # fmt: skip
    # Tuesday 9:00, answered 9:20 and solved 9:30: both met.
    quick = worked(customer, agent, opened=MONDAY + timedelta(days=1, hours=9),
                   answered_after=timedelta(minutes=20),
                   solved_at=MONDAY + timedelta(days=1, hours=9, minutes=30))  # fmt: skip
    assert late.first_response_at and quick.resolved_at
    clock.current = datetime(2026, 12, 14, 8, 0, tzinfo=UTC)
    report = report_for(user=agent, period=WEEKS)
    summary = report.summary
    assert report.business_time
    assert summary.first_response.count == 2
    assert summary.first_response.p90 == 2 * 3600  # not 66 hours
    assert summary.first_response.median == round((20 * 60 + 2 * 3600) / 2)
    assert summary.resolution.p90 == 3 * 3600
    assert (summary.first_response_sla.met, summary.first_response_sla.missed) == (1, 1)
    assert summary.first_response_sla.share == 50
    assert (summary.resolution_sla.met, summary.resolution_sla.missed) == (2, 0)
    by_agent = next(b for b in report.breakdowns if b.name == "agent")
    assert by_agent.groups[0].sla.share == 75  # 3 of 4 targets met


def test_a_running_target_counts_once_it_is_overdue(
    office_policy: None, customer: User, agent: User, clock: Clock
) -> None:
    worked(customer, agent, opened=MONDAY + timedelta(hours=9))
    clock.current = MONDAY + timedelta(hours=9, minutes=30)
    summary = report_for(user=agent, period=WEEKS).summary
    assert (summary.first_response_sla.met, summary.first_response_sla.missed) == (0, 0)
    assert summary.first_response_sla.share is None
    clock.current = MONDAY + timedelta(hours=10, minutes=1)
    summary = report_for(user=agent, period=WEEKS).summary
    assert (summary.first_response_sla.met, summary.first_response_sla.missed) == (0, 1)
