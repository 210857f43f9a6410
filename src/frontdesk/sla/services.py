"""SLA use cases run by the worker: tell the team when a ticket nears or misses a target, and
escalate a miss as its policy says; and, for a due date set by hand on a ticket no policy
governs, the overdue note.

Each alert is an internal note by System in the ticket's conversation (so agents see it where
they work, live, like any note; customers never do) and a mail through the outbox to the
assignee, or to the policy's lead while nobody has the ticket; a breach also tells the lead.
Every warning and due instant schedules a check for that moment (sla/clocks.py); a sweep every
minute catches what a stopped worker missed. A warning or breach is written once per ticket,
metric and due time (SlaAlert's unique row), whatever races to write it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from frontdesk.accounts.models import SYSTEM_USER_ID, User
from frontdesk.core import clock
from frontdesk.notifications import kinds
from frontdesk.notifications.rules import Notice, notify
from frontdesk.sla import clocks
from frontdesk.sla.models import RUNNING, Metric, OverdueAlert, SlaAlert, SlaClock, SlaPolicy
from frontdesk.tickets.models import IS_ACTIVE, Message, MessageKind, Priority, Ticket, TicketEvent

# The sweep looks this far back: a deadline missed long ago (an imported ticket, say) is
# already in the Overdue view, and a note about it now would tell nobody anything new.
SWEEP_LOOKBACK = timedelta(hours=24)
SWEEP_BATCH = 500

# What an escalation raises a priority to.
RAISED = dict(zip(Priority.values, Priority.values[1:], strict=False))


def overdue_text(due_at: datetime) -> str:
    when = timezone.localtime(due_at).strftime("%d %b %Y, %H:%M %Z")
    return f"Overdue: this ticket was due {when} and is not resolved yet."


def _governed() -> Exists:
    """The ticket of the outer query has SLA clocks: a policy governs it."""
    return Exists(SlaClock.objects.filter(ticket_id=OuterRef("pk")))


def sla_alert_if_overdue(*, ticket_id: int) -> bool:
    """Write the overdue note if the ticket is active and past its due date, its current due
    date has not been alerted yet, and no SLA policy governs it (those are told by
    :func:`sla_check`). True if this call wrote it."""
    moment = clock.now()
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().filter(IS_ACTIVE, pk=ticket_id).first()
        if ticket is None or ticket.due_at is None or ticket.due_at > moment:
            return False
        if SlaClock.objects.filter(ticket=ticket).exists():
            return False
        try:
            with transaction.atomic():
                OverdueAlert.objects.create(ticket=ticket, due_at=ticket.due_at)
        except IntegrityError:
            return False  # another worker wrote it first
        Message.objects.create(
            ticket=ticket,
            author_id=SYSTEM_USER_ID,
            kind=MessageKind.INTERNAL,
            body=overdue_text(ticket.due_at),
        )
    return True


def sla_overdue_sweep() -> int:
    """Alert the tickets that became overdue within SWEEP_LOOKBACK and were not alerted (their
    scheduled check was lost). Returns how many alerts it wrote."""
    moment = clock.now()
    alerted = OverdueAlert.objects.filter(ticket=OuterRef("pk"), due_at=OuterRef("due_at"))
    missed = (
        Ticket.objects.filter(IS_ACTIVE, due_at__lte=moment, due_at__gt=moment - SWEEP_LOOKBACK)
        .exclude(Exists(alerted))
        .exclude(_governed())
        .order_by("due_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    return sum(sla_alert_if_overdue(ticket_id=pk) for pk in list(missed))


# --- warnings and breaches ------------------------------------------------------------------


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%d %b %Y, %H:%M %Z")


def alert_text(metric: str, level: str, due_at: datetime, policy: SlaPolicy) -> tuple[str, str]:
    """The headline and the note's text for an alert."""
    label = Metric(metric).label
    if level == SlaAlert.Level.WARNING:
        minutes = max(0, int((due_at - clock.now()).total_seconds() // 60))
        return (
            f"SLA warning, {label.lower()}",
            f"SLA warning: {label.lower()} is due {_when(due_at)} (in {minutes} min), "
            f"policy {policy.name}.",
        )
    return (
        f"SLA breached, {label.lower()}",
        f"SLA breached: {label.lower()} was due {_when(due_at)}, policy {policy.name}.",
    )


def sla_check(*, ticket_id: int) -> list[tuple[str, str]]:
    """Warn of each running target of the ticket past its warning instant, and report and
    escalate each past its due time, once per due time. Returns what it wrote, as
    ``(metric, level)`` pairs."""
    moment = clock.now()
    written: list[tuple[str, str]] = []
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().filter(IS_ACTIVE, pk=ticket_id).first()
        if ticket is None:
            return written
        rows = SlaClock.objects.filter(RUNNING, ticket=ticket).select_related(
            "policy__notify", "policy__escalate_to", "policy__escalate_team"
        )
        for row in rows.order_by("due_at"):
            assert row.due_at is not None
            if row.breached_at is not None:
                continue  # told once per run
            if row.due_at <= moment:
                level = SlaAlert.Level.BREACH
            elif row.warn_at is not None and row.warn_at <= moment:
                level = SlaAlert.Level.WARNING
            else:
                continue
            if _alert(ticket, row, level):
                written.append((row.metric, level))
    return written


def _alert(ticket: Ticket, row: SlaClock, level: str) -> bool:
    assert row.due_at is not None
    try:
        with transaction.atomic():
            SlaAlert.objects.create(
                ticket=ticket, metric=row.metric, level=level, due_at=row.due_at
            )
    except IntegrityError:
        return False  # told already
    policy = row.policy
    headline, text = alert_text(row.metric, level, row.due_at, policy)
    note = Message.objects.create(
        ticket=ticket, author_id=SYSTEM_USER_ID, kind=MessageKind.INTERNAL, body=text
    )
    told = [ticket.assignee_id or policy.notify_id]
    if level == SlaAlert.Level.BREACH:
        row.breached_at = clock.now()
        row.save(update_fields=["breached_at"])
        told.append(policy.notify_id)
        _escalate(ticket, policy)
    data = {
        "headline": headline,
        "text": text,
        "metric": row.metric,
        "level": level,
        # What the mail needs to say it in its recipient's language (notifications/rendering.py).
        "due_at": row.due_at.isoformat(),
        "policy": policy.name,
        "minutes": max(0, int((row.due_at - clock.now()).total_seconds() // 60)),
    }
    notify(
        ticket,
        SYSTEM_USER_ID,
        [
            Notice(kind=kinds.SLA_ALERT, recipient_id=pk, message=note, data=data)
            for pk in dict.fromkeys(told)
            if pk is not None
        ],
    )
    return True


def _escalate(ticket: Ticket, policy: SlaPolicy) -> None:
    """The policy's actions on a breach: raise the priority one step (the targets stay those
    that were missed), move it to a team (its assignee, when not in the team and no person is
    named, gives it up, so the team's routing may assign it), reassign to a person. Each is a
    history row by System."""
    from frontdesk.tickets.services import record_change
    from frontdesk.tickets.texts import assigned_text

    system = User.objects.get(pk=SYSTEM_USER_ID)
    fields = []
    raised = RAISED.get(ticket.priority)
    if policy.escalate_priority and raised:
        with clocks.escalating():
            old, ticket.priority = ticket.priority, raised
            record_change(ticket, system, TicketEvent.Field.PRIORITY, old, raised)
        fields.append("priority")
    team = policy.escalate_team
    if team is not None and team.active and ticket.team_id != team.pk:
        members = set(team.memberships.values_list("user_id", flat=True))
        if (
            policy.escalate_to is None
            and ticket.assignee_id is not None
            and ticket.assignee_id not in members
        ):
            # First, so that the ticket enters its new team with nobody: routed there.
            gone, ticket.assignee = ticket.assignee_id, None
            record_change(ticket, system, TicketEvent.Field.ASSIGNEE, gone, None)
            Message.objects.create(
                ticket=ticket,
                author=system,
                kind=MessageKind.SYSTEM,
                body=f"Unassigned: escalated to team {team.name}.",
            )
            fields.append("assignee")
        old_team, ticket.team = ticket.team_id, team
        record_change(ticket, system, TicketEvent.Field.TEAM, old_team, team.pk)
        fields.append("team")
    person = policy.escalate_to
    if (
        person is not None
        and person.is_active
        and person.is_staff_member
        and ticket.assignee_id != person.pk
    ):
        old_id, ticket.assignee = ticket.assignee_id, person
        record_change(ticket, system, TicketEvent.Field.ASSIGNEE, old_id, person.pk)
        Message.objects.create(
            ticket=ticket,
            author=system,
            kind=MessageKind.SYSTEM,
            body=assigned_text(person, system),
        )
        fields.append("assignee")
    if fields:
        # As tickets.services.touch: the requester sees who has their ticket, not its priority.
        ticket.last_activity_at = clock.now()
        fields.append("last_activity_at")
        if "assignee" in fields:
            ticket.updated_at = ticket.last_activity_at
            fields.append("updated_at")
        ticket.save(update_fields=fields)


def sla_sweep() -> int:
    """Check the tickets whose warning or due instant passed within SWEEP_LOOKBACK without its
    alert (the scheduled check was lost). Returns how many alerts it wrote."""
    moment = clock.now()
    since = moment - SWEEP_LOOKBACK
    warned = SlaAlert.objects.filter(
        ticket_id=OuterRef("ticket_id"),
        metric=OuterRef("metric"),
        due_at=OuterRef("due_at"),
    )
    due = SlaClock.objects.filter(
        RUNNING, breached_at__isnull=True, due_at__lte=moment, due_at__gt=since
    ).exclude(Exists(warned.filter(level=SlaAlert.Level.BREACH)))
    warn = SlaClock.objects.filter(
        RUNNING, breached_at__isnull=True, warn_at__lte=moment, warn_at__gt=since
    ).exclude(
        Exists(warned.filter(Q(level=SlaAlert.Level.WARNING) | Q(level=SlaAlert.Level.BREACH)))
    )
    tickets: set[int] = set()
    for query in (due, warn):
        tickets.update(query.values_list("ticket_id", flat=True)[:SWEEP_BATCH])
    return sum(len(sla_check(ticket_id=pk)) for pk in sorted(tickets))
