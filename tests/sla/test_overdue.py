"""SLA alerts: a ticket past its due date gets one internal note, whatever races to write it."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from huey.contrib.djhuey import HUEY

from frontdesk.accounts.models import SYSTEM_USER_ID, User
from frontdesk.sla.models import OverdueAlert
from frontdesk.sla.services import sla_alert_if_overdue, sla_overdue_sweep
from frontdesk.tickets import services
from frontdesk.tickets.models import Message, MessageKind, Status, Ticket
from frontdesk.tickets.selectors import conversation
from tests.conftest import Clock, open_ticket


def due(ticket: Ticket, clock: Clock, *, hours: float) -> None:
    """Set directly: through the services a due date schedules the very check these tests run
    by hand (and, when already past, runs it)."""
    Ticket.objects.filter(pk=ticket.pk).update(due_at=clock.current + timedelta(hours=hours))


def alerts(ticket: Ticket) -> list[Message]:
    return list(
        Message.objects.filter(ticket=ticket, author_id=SYSTEM_USER_ID, body__startswith="Overdue")
    )


def test_an_overdue_ticket_gets_one_internal_note(
    ticket: Ticket, clock: Clock, customer: User, agent: User
) -> None:
    due(ticket, clock, hours=-1)
    assert sla_alert_if_overdue(ticket_id=ticket.pk) is True
    assert sla_alert_if_overdue(ticket_id=ticket.pk) is False
    [note] = alerts(ticket)
    assert note.kind == MessageKind.INTERNAL
    assert note.body.startswith("Overdue: this ticket was due ")
    assert note in conversation(user=agent, ticket=ticket)
    assert note not in conversation(user=customer, ticket=ticket)


@pytest.mark.parametrize("hours", [1, None])
def test_a_ticket_not_past_its_due_date_gets_none(
    ticket: Ticket, clock: Clock, hours: float | None
) -> None:
    if hours is not None:
        due(ticket, clock, hours=hours)
    assert sla_alert_if_overdue(ticket_id=ticket.pk) is False
    assert not alerts(ticket)


@pytest.mark.parametrize("status", [Status.RESOLVED, Status.CLOSED])
def test_a_finished_ticket_gets_none(
    ticket: Ticket, agent: User, clock: Clock, status: str
) -> None:
    due(ticket, clock, hours=-1)
    services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=status)
    assert sla_alert_if_overdue(ticket_id=ticket.pk) is False
    assert sla_alert_if_overdue(ticket_id=ticket.pk + 1000) is False  # no such ticket


def test_a_new_due_date_that_is_missed_again_is_alerted_again(ticket: Ticket, clock: Clock) -> None:
    due(ticket, clock, hours=-2)
    assert sla_alert_if_overdue(ticket_id=ticket.pk)
    due(ticket, clock, hours=1)
    assert not sla_alert_if_overdue(ticket_id=ticket.pk)
    clock.advance(2 * 3600)
    assert sla_alert_if_overdue(ticket_id=ticket.pk)
    assert len(alerts(ticket)) == 2


def test_the_sweep_catches_recent_misses_only(customer: User, agent: User, clock: Clock) -> None:
    recent, old, future = (open_ticket(customer, f"Ticket number {n}") for n in range(3))
    done = open_ticket(customer, "Ticket number 3", staff=agent, status=Status.RESOLVED)
    due(recent, clock, hours=-3)
    due(old, clock, hours=-25)  # missed long ago: already in the Overdue view, no news
    due(future, clock, hours=3)
    due(done, clock, hours=-1)
    assert sla_overdue_sweep() == 1
    assert [len(alerts(t)) for t in (recent, old, future, done)] == [1, 0, 0, 0]
    assert sla_overdue_sweep() == 0


def test_setting_a_due_date_schedules_the_check_for_that_moment(
    ticket: Ticket, agent: User, clock: Clock, django_capture_on_commit_callbacks: Any
) -> None:
    HUEY.flush()
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_update(
            actor=agent, ticket_id=ticket.pk, changes={"due_at": clock.current + timedelta(hours=4)}
        )
    [scheduled] = HUEY.scheduled()
    assert scheduled.args == (ticket.pk,)
    assert not alerts(ticket)
    # Already past when set: the job runs at once (in tests, in the caller).
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_update(
            actor=agent, ticket_id=ticket.pk, changes={"due_at": clock.current - timedelta(hours=1)}
        )
    assert len(alerts(ticket)) == 1


@pytest.mark.django_db(transaction=True)
def test_workers_racing_on_one_ticket_write_one_note(customer: User, clock: Clock) -> None:
    ticket = open_ticket(customer)
    due(ticket, clock, hours=-1)
    results: list[bool] = []
    start = threading.Barrier(4)

    def worker() -> None:
        from django.db import connection

        start.wait()
        try:
            results.append(sla_alert_if_overdue(ticket_id=ticket.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]
    assert len(alerts(ticket)) == 1
    assert OverdueAlert.objects.filter(ticket=ticket).count() == 1
