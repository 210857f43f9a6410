"""Time tracking's use cases: log, edit and delete a time entry.

Staff who see the ticket log time on it; an agent edits and deletes their own entries, an admin
anyone's. Each change runs in one transaction under the ticket's row lock, keeps the ticket's
``actual_hours`` equal to the sum of its entries, and is written down as TicketEvents (the
entry as "Time logged", and the new sum as "Actual hours" when it moved), which
live/announce.py publishes after commit. Customers never see time entries (both history
fields are staff-only, tickets/access.py)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import User
from frontdesk.core import clock
from frontdesk.core.errors import InvalidInput, NotAllowed, NotFound
from frontdesk.core.ids import is_id
from frontdesk.tickets import access
from frontdesk.tickets.models import Ticket, TicketEvent
from frontdesk.tickets.services import Change, record_change, touch
from frontdesk.timelog.durations import format_minutes, hours_of, parse_duration
from frontdesk.timelog.models import MAX_MINUTES, TimeEntry
from frontdesk.timelog.selectors import ENTRY_NOT_FOUND

NOTE_MAX = 500
STAFF_ONLY = gettext_noop("Only agents and admins log time.")
NOT_YOURS = gettext_noop(
    "You can change only the time you logged yourself; an admin can change anyone's."
)
TOO_SHORT = gettext_noop("Log at least one minute.")
TOO_LONG = gettext_noop("One entry holds at most %(hours)s hours; log longer work as several.")
DATE_FUTURE = gettext_noop("The work date cannot be in the future.")
DATE_INVALID = gettext_noop("Give the work date as YYYY-MM-DD.")


def clean_minutes(value: object) -> int:
    """A duration as people type it (timelog/durations.py), within one entry's limits."""
    minutes = parse_duration(value, field="duration")
    if minutes < 1:
        raise InvalidInput(TOO_SHORT, field="duration")
    if minutes > MAX_MINUTES:
        raise InvalidInput(TOO_LONG, values={"hours": MAX_MINUTES // 60}, field="duration")
    return minutes


def clean_note(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidInput(gettext_noop("The note must be text."), field="note")
    note = " ".join(value.split())
    if len(note) > NOTE_MAX:
        raise InvalidInput(
            gettext_noop("The note is at most %(limit)s characters."),
            values={"limit": NOTE_MAX},
            field="note",
        )
    return note


def clean_work_date(value: object) -> date:
    """The day the work was done: today (in the desk's time zone) when not given."""
    today = timezone.localtime(clock.now()).date()
    if value is None or value == "":
        return today
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise InvalidInput(DATE_INVALID, field="work_date") from None
    if not isinstance(value, date):
        raise InvalidInput(DATE_INVALID, field="work_date")
    # A day's grace: the agent's own day may already be tomorrow in the desk's zone.
    if value.toordinal() > today.toordinal() + 1:
        raise InvalidInput(DATE_FUTURE, field="work_date")
    return value


def _check_staff(actor: User) -> None:
    if not actor.is_staff_member:
        raise NotAllowed(STAFF_ONLY)


def describe(entry: TimeEntry) -> str:
    """An entry in the history: "45m on 2026-12-03" (never its note)."""
    return f"{format_minutes(entry.minutes)} on {entry.work_date.isoformat()}"


def _sum_into(ticket: Ticket, actor: User, changes: list[Change]) -> None:
    """Set the ticket's actual hours to the sum of its entries (None without any), record
    the move, and save the ticket with the change's time."""
    total = TimeEntry.objects.filter(ticket=ticket).aggregate(total=Sum("minutes"))["total"]
    hours = None if total is None else hours_of(total)
    fields: list[str] = []
    if hours != ticket.actual_hours:
        old = ticket.actual_hours
        ticket.actual_hours = hours
        fields.append("actual_hours")
        changes.append(record_change(ticket, actor, TicketEvent.Field.ACTUAL_HOURS, old, hours))
    touch(ticket, fields, actor, changes)


def time_entry_log(
    *,
    actor: User,
    ticket_id: int,
    duration: object,
    note: object = "",
    work_date: object = None,
) -> TimeEntry:
    """Log time on a ticket ``actor`` sees (staff only)."""
    _check_staff(actor)
    minutes = clean_minutes(duration)
    text = clean_note(note)
    day = clean_work_date(work_date)
    with transaction.atomic():
        ticket = access.ticket_get(user=actor, ticket_id=ticket_id, for_update=True)
        moment = clock.now()
        entry = TimeEntry.objects.create(
            ticket=ticket,
            agent=actor,
            minutes=minutes,
            note=text,
            work_date=day,
            created_at=moment,
            updated_at=moment,
        )
        changes: list[Change] = [
            record_change(ticket, actor, TicketEvent.Field.TIME, None, describe(entry))
        ]
        _sum_into(ticket, actor, changes)
    return entry


def _entry_for_change(actor: User, entry_id: int) -> tuple[TimeEntry, Ticket]:
    """The entry and its ticket, locked, if ``actor`` may change it."""
    _check_staff(actor)
    if not is_id(entry_id):
        raise NotFound(ENTRY_NOT_FOUND)
    found = TimeEntry.objects.filter(pk=entry_id).values_list("ticket_id", flat=True).first()
    if found is None:
        raise NotFound(ENTRY_NOT_FOUND)
    ticket = access.ticket_get(user=actor, ticket_id=found, for_update=True)
    entry = TimeEntry.objects.filter(pk=entry_id, ticket=ticket).first()
    if entry is None:  # deleted, or moved, while the ticket was being locked
        raise NotFound(ENTRY_NOT_FOUND)
    if entry.agent_id != actor.pk and not actor.is_admin:
        raise NotAllowed(NOT_YOURS)
    return entry, ticket


def time_entry_edit(
    *,
    actor: User,
    entry_id: int,
    duration: object = None,
    note: object = None,
    work_date: object = None,
) -> TimeEntry:
    """Change an entry's duration, note or date (None: as it is)."""
    minutes = None if duration is None else clean_minutes(duration)
    text = None if note is None else clean_note(note)
    day = None if work_date is None else clean_work_date(work_date)
    with transaction.atomic():
        entry, ticket = _entry_for_change(actor, entry_id)
        before = describe(entry)
        fields = []
        for name, value in (("minutes", minutes), ("note", text), ("work_date", day)):
            if value is not None and getattr(entry, name) != value:
                setattr(entry, name, value)
                fields.append(name)
        if not fields:
            return entry
        entry.updated_at = clock.now()
        entry.save(update_fields=[*fields, "updated_at"])
        changes: list[Change] = [
            record_change(ticket, actor, TicketEvent.Field.TIME, before, describe(entry))
        ]
        _sum_into(ticket, actor, changes)
    return entry


def time_entry_delete(*, actor: User, entry_id: int) -> None:
    with transaction.atomic():
        entry, ticket = _entry_for_change(actor, entry_id)
        before = describe(entry)
        entry.delete()
        changes: list[Change] = [record_change(ticket, actor, TicketEvent.Field.TIME, before, None)]
        _sum_into(ticket, actor, changes)
