"""The demo's SLA (``frontdesk demo``): the studio's two calendars (the front desk, open six
days, and online support on weekdays, both closed on the yearly holidays) and two policies,
made through the use cases; then the newest active demo tickets are put under them, so a
newcomer sees targets on the queue and the ticket page. Older demo tickets stay without a
policy: computing a million tickets' business time would slow the demo for nothing."""

from __future__ import annotations

from django.db import transaction

from frontdesk.accounts.models import Role, User
from frontdesk.sla import clocks
from frontdesk.sla.models import BusinessCalendar, SlaPolicy
from frontdesk.sla.policies import sla_calendar_create, sla_policy_create
from frontdesk.tickets.models import IS_ACTIVE, Ticket

TICKETS_UNDER_POLICY = 100

YEARLY = [
    {"day": "2026-01-01", "yearly": True, "name": "New Year's Day"},
    {"day": "2026-12-25", "yearly": True, "name": "Christmas Day"},
    {"day": "2026-12-26", "yearly": True, "name": "Boxing Day"},
]


def _targets(scale: float) -> dict[str, dict[str, int]]:
    base = {
        "low": (480, 960, 4800),
        "medium": (240, 480, 2400),
        "high": (60, 240, 960),
        "urgent": (30, 60, 480),
        "critical": (15, 30, 240),
    }
    return {
        priority: {
            "first_response_minutes": max(1, int(first * scale)),
            "next_response_minutes": max(1, int(following * scale)),
            "resolution_minutes": max(1, int(resolution * scale)),
        }
        for priority, (first, following, resolution) in base.items()
    }


def demo_sla_create() -> str:
    """Add the demo's calendars and policies if missing (by name), and apply them to the
    newest active tickets. Returns what it did, in words."""
    admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
    if admin is None or SlaPolicy.objects.filter(name="Standard support").exists():
        return "SLA policies: already there."
    desk = BusinessCalendar.objects.filter(name="Studio front desk").first() or (
        sla_calendar_create(
            actor=admin,
            name="Studio front desk",
            time_zone="Europe/London",
            hours={str(day): [["09:00", "13:00"], ["14:00", "21:00"]] for day in range(6)},
            holidays=YEARLY,
        )
    )
    online = BusinessCalendar.objects.filter(name="Online support").first() or (
        sla_calendar_create(
            actor=admin,
            name="Online support",
            time_zone="Europe/London",
            hours={str(day): [["08:00", "18:00"]] for day in range(5)},
            holidays=YEARLY,
        )
    )
    sla_policy_create(
        actor=admin,
        values={
            "name": "Billing by the front desk",
            "calendar": desk.pk,
            "categories": ["billing"],
            "targets": _targets(0.5),
            "escalate_priority": True,
            "notify": admin.pk,
        },
    )
    sla_policy_create(
        actor=admin,
        values={"name": "Standard support", "calendar": online.pk, "targets": _targets(1)},
    )
    newest = list(
        Ticket.objects.filter(IS_ACTIVE).order_by("-created_at", "-id")[:TICKETS_UNDER_POLICY]
    )
    for ticket in newest:
        with transaction.atomic():
            clocks.ticket_retargeted(ticket, admin, history=False)
    return (
        "Added 2 SLA calendars and 2 policies; the newest "
        f"{len(newest)} active tickets are under them."
    )
