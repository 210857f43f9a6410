"""The demo's time entries (``frontdesk demo``): on the newest resolved and closed tickets, one
to three entries by their assignee, about the hours the demo gave the ticket, whose sum becomes
the ticket's actual hours (the demo's tickets have actual hours only once done). Written in
bulk, like the demo's tickets: no history rows, no live events."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction

from frontdesk.tickets.models import IS_DONE, Ticket
from frontdesk.timelog.durations import hours_of
from frontdesk.timelog.models import MAX_MINUTES, TimeEntry

TICKETS_WITH_TIME = 60
NOTES = [
    "Read the history and reproduced it",
    "Called the customer back",
    "Checked the booking system",
    "Talked to the front desk",
    "Wrote up the fix",
    "",
]


def demo_time_entries_create(*, seed: int = 1) -> str:
    if TimeEntry.objects.exists():
        return "Time entries: already there."
    rng = random.Random(f"{seed}/time")
    tickets = list(
        Ticket.objects.filter(IS_DONE, assignee__isnull=False).order_by("-created_at", "-id")[
            :TICKETS_WITH_TIME
        ]
    )
    entries: list[TimeEntry] = []
    for ticket in tickets:
        assert ticket.assignee_id is not None
        total = 0
        parts = rng.randint(1, 3)
        spent = int((ticket.actual_hours or 0) * 60) or rng.choice([15, 30, 45, 60, 90, 120])
        for part in range(parts):
            minutes = max(1, min(MAX_MINUTES, spent // parts))
            total += minutes
            moment = ticket.created_at + timedelta(hours=part * 6 + rng.randint(1, 5))
            entries.append(
                TimeEntry(
                    ticket=ticket,
                    agent_id=ticket.assignee_id,
                    minutes=minutes,
                    note=rng.choice(NOTES),
                    work_date=moment.date(),
                    created_at=moment,
                    updated_at=moment,
                )
            )
        ticket.actual_hours = hours_of(total)
    with transaction.atomic():
        TimeEntry.objects.bulk_create(entries)
        Ticket.objects.bulk_update(tickets, ["actual_hours"])
    return f"Logged {len(entries)} time entries on the newest {len(tickets)} done tickets."
