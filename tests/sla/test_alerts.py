"""Warnings and breaches: a note, a live announcement and a mail once per ticket, target and
due time; escalation on breach; the sweep for lost checks; hand-set due dates keep their own
overdue note while no policy governs the ticket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from frontdesk.accounts.models import SYSTEM_USER_ID, User
from frontdesk.notifications import kinds
from frontdesk.notifications.models import OutboxMail
from frontdesk.sla.models import Metric, SlaAlert, SlaClock
from frontdesk.sla.policies import sla_policy_create
from frontdesk.sla.services import sla_alert_if_overdue, sla_check, sla_sweep
from frontdesk.tickets import services
from frontdesk.tickets.models import Message, MessageKind, Priority, Status, Ticket, TicketEvent
from tests.conftest import Clock, open_ticket

pytestmark = pytest.mark.django_db

START = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
TARGETS = {p: {"first_response_minutes": 60, "resolution_minutes": 600} for p in Priority.values}


def policy(admin: User, **values: Any) -> None:
    values.setdefault("name", "Standard")
    values.setdefault("targets", TARGETS)
    sla_policy_create(actor=admin, values=values)


def notes(ticket: Ticket) -> list[str]:
    return list(
        Message.objects.filter(
            ticket=ticket, author_id=SYSTEM_USER_ID, kind=MessageKind.INTERNAL
        ).values_list("body", flat=True)
    )


def sla_mails(ticket: Ticket) -> list[tuple[str, str]]:
    return [
        (str(mail.recipient), mail.data["level"])
        for mail in OutboxMail.objects.filter(ticket=ticket, kind=kinds.SLA_ALERT).order_by("pk")
    ]


@pytest.fixture
def assigned(customer: User, agent: User, admin: User, clock: Clock) -> Ticket:
    clock.current = START
    policy(admin)
    return open_ticket(customer, staff=agent, assignee=agent)


def test_nothing_before_the_warning(assigned: Ticket, clock: Clock) -> None:
    clock.advance(47 * 60)
    assert sla_check(ticket_id=assigned.pk) == []
    assert not notes(assigned)


def test_warning_at_80_percent_then_breach_each_once(
    assigned: Ticket, clock: Clock, agent: User
) -> None:
    clock.advance(48 * 60)
    assert sla_check(ticket_id=assigned.pk) == [(Metric.FIRST_RESPONSE, "warning")]
    assert sla_check(ticket_id=assigned.pk) == []
    [warning] = notes(assigned)
    assert warning.startswith("SLA warning: first response is due ")
    assert "(in 12 min)" in warning
    assert sla_mails(assigned) == [("Alice", "warning")]

    clock.advance(12 * 60)
    assert sla_check(ticket_id=assigned.pk) == [(Metric.FIRST_RESPONSE, "breach")]
    assert sla_check(ticket_id=assigned.pk) == []
    assert notes(assigned)[-1].startswith("SLA breached: first response was due ")
    assert sla_mails(assigned) == [("Alice", "warning"), ("Alice", "breach")]
    assert SlaAlert.objects.filter(ticket=assigned).count() == 2


def test_a_late_check_tells_only_the_breach(assigned: Ticket, clock: Clock) -> None:
    clock.advance(3 * 3600)
    assert sla_check(ticket_id=assigned.pk) == [(Metric.FIRST_RESPONSE, "breach")]
    assert len(notes(assigned)) == 1


def test_a_satisfied_or_paused_target_is_not_alerted(
    assigned: Ticket, clock: Clock, agent: User
) -> None:
    services.message_post(actor=agent, ticket_id=assigned.pk, body="On it.")
    services.ticket_change_status(actor=agent, ticket_id=assigned.pk, status=Status.PENDING)
    clock.advance(30 * 3600)
    assert sla_check(ticket_id=assigned.pk) == []
    assert sla_sweep() == 0


def test_breach_escalates_priority_and_reassigns_and_tells_the_lead(
    customer: User, agent: User, other_agent: User, admin: User, clock: Clock
) -> None:
    clock.current = START
    policy(admin, escalate_priority=True, escalate_to=other_agent.pk, notify=admin.pk)
    ticket = open_ticket(customer, staff=agent, assignee=agent)
    due_before = ticket.due_at
    clock.advance(61 * 60)
    assert sla_check(ticket_id=ticket.pk) == [(Metric.FIRST_RESPONSE, "breach")]
    ticket.refresh_from_db()
    assert ticket.priority == Priority.HIGH and ticket.assignee == other_agent
    history = TicketEvent.objects.filter(ticket=ticket, actor_id=SYSTEM_USER_ID)
    assert {(e.field, e.old_value, e.new_value) for e in history} == {
        ("priority", "medium", "high"),
        ("assignee", str(agent.pk), str(other_agent.pk)),
    }
    # The customer sees who has their ticket now (not its priority).
    assert ticket.updated_at == clock.current
    # The targets that were missed stay: the raise does not start a new breach at once.
    assert ticket.due_at == due_before
    assert sla_check(ticket_id=ticket.pk) == []
    assert ("Ada", "breach") in sla_mails(ticket) and ("Alice", "breach") in sla_mails(ticket)
    assert OutboxMail.objects.filter(
        ticket=ticket, kind=kinds.TICKET_ASSIGNED, recipient=other_agent
    ).exists()


def test_an_unassigned_ticket_warns_the_lead(customer: User, admin: User, clock: Clock) -> None:
    clock.current = START
    policy(admin, notify=admin.pk)
    ticket = open_ticket(customer)
    clock.advance(50 * 60)
    sla_check(ticket_id=ticket.pk)
    assert sla_mails(ticket) == [("Ada", "warning")]


def test_an_agent_who_turned_sla_mail_off_gets_none(
    assigned: Ticket, agent: User, clock: Clock
) -> None:
    from frontdesk.notifications.preferences import notification_preferences_set

    notification_preferences_set(actor=agent, user=agent, enabled={kinds.SLA_ALERT: False})
    clock.advance(2 * 3600)
    assert sla_check(ticket_id=assigned.pk)
    assert sla_mails(assigned) == []
    assert notes(assigned)  # the note is still written


def test_the_sweep_catches_lost_checks(assigned: Ticket, clock: Clock) -> None:
    clock.advance(50 * 60)
    assert sla_sweep() == 1  # the warning
    assert sla_sweep() == 0
    clock.advance(20 * 60)
    assert sla_sweep() == 1  # the breach
    # Long-missed targets (an import, a worker stopped for days) are left to the views.
    SlaClock.objects.filter(ticket=assigned).update(
        due_at=clock.current - timedelta(hours=30), warn_at=None
    )
    assert sla_sweep() == 0


def test_recomputing_a_missed_target_tells_nothing_new(
    assigned: Ticket, clock: Clock, agent: User, customer: User
) -> None:
    clock.advance(2 * 3600)
    assert sla_check(ticket_id=assigned.pk) == [(Metric.FIRST_RESPONSE, "breach")]
    services.ticket_update(actor=agent, ticket_id=assigned.pk, changes={"priority": "urgent"})
    # Same targets for every priority: the due time did not move, nothing new to tell.
    assert sla_check(ticket_id=assigned.pk) == []
    assert SlaAlert.objects.filter(ticket=assigned).count() == 1


def test_checks_are_scheduled_for_the_warning_and_the_due_time(
    customer: User, admin: User, clock: Clock, django_capture_on_commit_callbacks: Any
) -> None:
    from huey.contrib.djhuey import HUEY

    clock.current = START
    policy(admin)
    HUEY.flush()
    with django_capture_on_commit_callbacks(execute=True):
        open_ticket(customer)
    # Scheduled by the delay from the test's clock, so their etas are on the real one.
    real = datetime.now(UTC)
    delays = sorted(
        round((task.eta.replace(tzinfo=UTC) - real).total_seconds() / 60)
        for task in HUEY.scheduled()
        if task.name.endswith("target_check")
    )
    assert delays == [48, 60, 480, 600]  # first response and resolution: warning and due


def test_the_hand_set_overdue_note_is_not_written_under_a_policy(
    assigned: Ticket, clock: Clock, customer: User, agent: User
) -> None:
    clock.advance(2 * 3600)
    assert sla_alert_if_overdue(ticket_id=assigned.pk) is False
    # Without a policy, a due date set by hand keeps its overdue note.
    plain = open_ticket(customer, "Lost keys")
    SlaClock.objects.filter(ticket=plain).delete()
    Ticket.objects.filter(pk=plain.pk).update(due_at=clock.current - timedelta(minutes=1))
    assert sla_alert_if_overdue(ticket_id=plain.pk) is True
