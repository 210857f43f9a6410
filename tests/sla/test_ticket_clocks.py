"""SLA clocks on tickets: the policy that applies, due times in business time, replies that
satisfy the response targets, Pending that pauses (across a holiday too), priority changes
that recompute with history, resolving that stops, reopening that resumes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from frontdesk.accounts.models import Organisation, User
from frontdesk.sla.models import Metric, SlaClock, SlaPolicy
from frontdesk.sla.policies import sla_calendar_create, sla_policy_create
from frontdesk.tickets import services
from frontdesk.tickets.models import Category, Channel, Priority, Status, Ticket, TicketEvent
from tests.conftest import Clock, open_ticket

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
OFFICE_HOURS = {str(day): [["09:00", "17:00"]] for day in range(5)}
TUESDAY_10 = datetime(2026, 12, 1, 10, 0, tzinfo=LONDON)
FRIDAY_16 = datetime(2026, 12, 4, 16, 0, tzinfo=LONDON)


def policy(admin: User, **values: Any) -> SlaPolicy:
    values.setdefault("name", "Standard")
    values.setdefault(
        "targets",
        {
            priority: {
                "first_response_minutes": 60,
                "next_response_minutes": 120,
                "resolution_minutes": 480,
            }
            for priority in Priority.values
        },
    )
    return sla_policy_create(actor=admin, values=values)


def office(admin: User, **values: Any) -> int:
    values.setdefault("name", "Front desk")
    values.setdefault("time_zone", "Europe/London")
    values.setdefault("hours", OFFICE_HOURS)
    return sla_calendar_create(actor=admin, **values).pk


def clocks(ticket: Ticket) -> dict[str, SlaClock]:
    return {row.metric: row for row in SlaClock.objects.filter(ticket=ticket)}


def at(clock: Clock, moment: datetime) -> None:
    clock.current = moment.astimezone(UTC)


def test_a_ticket_without_a_policy_has_no_clocks(customer: User, clock: Clock) -> None:
    ticket = open_ticket(customer)
    assert not clocks(ticket) and ticket.due_at is None


def test_round_the_clock_targets_from_the_opening(
    customer: User, admin: User, clock: Clock
) -> None:
    at(clock, FRIDAY_16)
    policy(admin)
    ticket = open_ticket(customer)
    rows = clocks(ticket)
    assert set(rows) == {Metric.FIRST_RESPONSE, Metric.RESOLUTION}
    assert rows[Metric.FIRST_RESPONSE].due_at == FRIDAY_16 + timedelta(hours=1)
    assert rows[Metric.RESOLUTION].due_at == FRIDAY_16 + timedelta(hours=8)
    assert rows[Metric.FIRST_RESPONSE].warn_at == FRIDAY_16 + timedelta(minutes=48)
    assert ticket.due_at == FRIDAY_16 + timedelta(hours=1)  # the nearest target


def test_business_hours_carry_over_the_weekend(customer: User, admin: User, clock: Clock) -> None:
    at(clock, FRIDAY_16)
    policy(admin, calendar=office(admin))
    ticket = open_ticket(customer)
    rows = clocks(ticket)
    assert rows[Metric.FIRST_RESPONSE].due_at == FRIDAY_16.replace(hour=17)
    monday_16 = datetime(2026, 12, 7, 16, 0, tzinfo=LONDON)
    assert rows[Metric.RESOLUTION].due_at == monday_16


def test_replies_satisfy_first_and_next_response(
    customer: User, agent: User, admin: User, clock: Clock
) -> None:
    at(clock, TUESDAY_10)
    policy(admin)
    ticket = open_ticket(customer)
    clock.advance(20 * 60)
    services.message_post(actor=agent, ticket_id=ticket.pk, body="Looking into it.")
    first = clocks(ticket)[Metric.FIRST_RESPONSE]
    assert first.stopped_at is not None and first.due_at is None
    assert first.consumed_seconds == 20 * 60 and not first.breached
    ticket.refresh_from_db()
    assert ticket.due_at == TUESDAY_10 + timedelta(hours=8)  # resolution is the nearest now

    clock.advance(30 * 60)
    services.message_post(actor=customer, ticket_id=ticket.pk, body="Still cold here.")
    following = clocks(ticket)[Metric.NEXT_RESPONSE]
    assert following.due_at == TUESDAY_10 + timedelta(minutes=50 + 120)
    ticket.refresh_from_db()
    assert ticket.due_at == following.due_at

    clock.advance(10 * 60)
    services.message_post(actor=agent, ticket_id=ticket.pk, body="An engineer is on the way.")
    assert clocks(ticket)[Metric.NEXT_RESPONSE].stopped_at is not None
    # An internal note answers nobody.
    services.message_post(actor=customer, ticket_id=ticket.pk, body="Thanks, when?")
    services.message_post(actor=agent, ticket_id=ticket.pk, body="Ask Bob", internal=True)
    assert clocks(ticket)[Metric.NEXT_RESPONSE].stopped_at is None


def test_pending_pauses_and_the_customer_reply_resumes(
    customer: User, agent: User, admin: User, clock: Clock
) -> None:
    at(clock, TUESDAY_10)
    policy(admin, calendar=office(admin))
    ticket = open_ticket(customer)
    clock.advance(30 * 60)
    services.ticket_reply(
        actor=agent, ticket_id=ticket.pk, body="Which studio?", then_status=Status.PENDING
    )
    resolution = clocks(ticket)[Metric.RESOLUTION]
    assert resolution.running_since is None and resolution.due_at is None
    assert resolution.consumed_seconds == 30 * 60
    ticket.refresh_from_db()
    assert ticket.due_at is None  # nothing runs: not overdue while waiting on the customer

    at(clock, datetime(2026, 12, 3, 16, 0, tzinfo=LONDON))  # Thursday
    services.message_post(actor=customer, ticket_id=ticket.pk, body="Studio 2.")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    resolution = clocks(ticket)[Metric.RESOLUTION]
    # 7.5 business hours were left: 1 on Thursday, 6.5 on Friday.
    assert resolution.due_at == datetime(2026, 12, 4, 15, 30, tzinfo=LONDON)
    assert clocks(ticket)[Metric.NEXT_RESPONSE].due_at == datetime(
        2026, 12, 4, 10, 0, tzinfo=LONDON
    )


def test_a_pause_spanning_a_holiday(customer: User, agent: User, admin: User, clock: Clock) -> None:
    at(clock, datetime(2026, 12, 24, 16, 0, tzinfo=LONDON))  # Thursday
    calendar = office(admin, holidays=[{"day": "2026-12-25", "yearly": True, "name": "Xmas"}])
    policy(admin, calendar=calendar)
    ticket = open_ticket(customer)
    clock.advance(30 * 60)
    services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.PENDING)
    at(clock, datetime(2026, 12, 25, 12, 0, tzinfo=LONDON))  # the holiday
    services.message_post(actor=customer, ticket_id=ticket.pk, body="Any news?")
    resolution = clocks(ticket)[Metric.RESOLUTION]
    assert resolution.consumed_seconds == 30 * 60
    # Resumed on the holiday: the 7.5 hours left count from Monday 28th, 09:00.
    assert resolution.due_at == datetime(2026, 12, 28, 16, 30, tzinfo=LONDON)


def test_a_priority_change_recomputes_with_history(
    customer: User, agent: User, admin: User, clock: Clock
) -> None:
    at(clock, TUESDAY_10)
    targets = {
        "medium": {"first_response_minutes": 240, "resolution_minutes": 960},
        "urgent": {"first_response_minutes": 30, "resolution_minutes": 120},
    }
    policy(admin, targets=targets)
    ticket = open_ticket(customer)
    assert ticket.due_at == TUESDAY_10 + timedelta(hours=4)
    clock.advance(10 * 60)
    services.ticket_update(actor=agent, ticket_id=ticket.pk, changes={"priority": "urgent"})
    ticket.refresh_from_db()
    assert ticket.due_at == TUESDAY_10 + timedelta(minutes=30)  # the 10 minutes used count
    event = TicketEvent.objects.filter(ticket=ticket, field=TicketEvent.Field.DUE_AT).get()
    assert event.actor == agent and event.staff_only
    assert event.new_value == str(TUESDAY_10 + timedelta(minutes=30))

    # A priority without targets leaves the policy's clocks, and the due date with them.
    services.ticket_update(actor=agent, ticket_id=ticket.pk, changes={"priority": "low"})
    ticket.refresh_from_db()
    assert not clocks(ticket) and ticket.due_at is None


def test_resolving_stops_and_reopening_resumes(
    customer: User, agent: User, admin: User, clock: Clock
) -> None:
    at(clock, TUESDAY_10)
    policy(admin)
    ticket = open_ticket(customer)
    clock.advance(60 * 60)
    services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.RESOLVED)
    rows = clocks(ticket)
    assert all(row.stopped_at and row.due_at is None for row in rows.values())
    assert rows[Metric.FIRST_RESPONSE].breached is False  # used exactly its 60 minutes
    clock.advance(24 * 3600)
    services.message_post(actor=customer, ticket_id=ticket.pk, body="It broke again.")
    rows = clocks(ticket)
    assert rows[Metric.RESOLUTION].due_at == clock.current + timedelta(hours=7)
    assert rows[Metric.FIRST_RESPONSE].stopped_at is not None


def test_scope_and_order_choose_the_policy(
    customer: User, agent: User, admin: User, clock: Clock
) -> None:
    studio = Organisation.objects.create(name="Studio Co")
    customer.organisation = studio
    customer.save()
    broad = policy(admin, name="Everyone")
    billing = policy(
        admin,
        name="Billing by mail",
        categories=[Category.BILLING],
        channels=[Channel.WEB],
        organisations=[studio.pk],
        targets={"medium": {"first_response_minutes": 5}},
    )
    ticket = open_ticket(customer)
    assert {row.policy_id for row in clocks(ticket).values()} == {broad.pk}

    from frontdesk.sla.policies import sla_policies_reorder

    sla_policies_reorder(actor=admin, policy_ids=[billing.pk, broad.pk])
    other = open_ticket(customer, "Invoice twice")
    assert {row.policy_id for row in clocks(other).values()} == {broad.pk}  # category general
    services.ticket_update(actor=agent, ticket_id=other.pk, changes={"category": "billing"})
    assert set(clocks(other)) == {Metric.FIRST_RESPONSE}
    assert clocks(other)[Metric.FIRST_RESPONSE].policy_id == billing.pk
    # The first ticket was reapplied in the worker after the reorder: still general.
    assert {row.policy_id for row in clocks(ticket).values()} == {broad.pk}


def test_a_shorter_target_already_used_up_is_due_at_once(
    customer: User, agent: User, admin: User, clock: Clock
) -> None:
    at(clock, TUESDAY_10)
    targets = {
        "medium": {"first_response_minutes": 240},
        "urgent": {"first_response_minutes": 30},
    }
    policy(admin, targets=targets)
    ticket = open_ticket(customer)
    clock.advance(45 * 60)
    services.ticket_update(actor=agent, ticket_id=ticket.pk, changes={"priority": "urgent"})
    first = clocks(ticket)[Metric.FIRST_RESPONSE]
    assert first.due_at == clock.current and first.breached
    ticket.refresh_from_db()
    assert ticket.due_at == clock.current  # overdue from now on
