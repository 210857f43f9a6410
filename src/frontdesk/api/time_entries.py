"""A ticket's time entries in the REST API (/api/ticketing/tickets/{id}/time/): staff who see
the ticket list and log them; an agent edits and deletes their own, an admin anyone's.
Customers never see them (403 on their own ticket, 404 on anyone else's). Rules:
timelog/services.py."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from frontdesk.api.auth import caller
from frontdesk.api.schemas import ErrorOut
from frontdesk.timelog import selectors, services
from frontdesk.timelog.durations import DURATION_HINT
from frontdesk.timelog.models import TimeEntry

router = Router(tags=["Time tracking"])

READ = frozenset({401, 403, 404, 429})
WRITE = frozenset({400, 401, 403, 404, 429})
DELETE = frozenset({401, 403, 404, 429})


class TimeEntryOut(Schema):
    id: int
    ticket: int = Field(validation_alias="ticket_id")
    agent: int = Field(validation_alias="agent_id")
    agent_username: str = Field(validation_alias="agent.username")
    minutes: int
    duration: str = Field(validation_alias="duration_text", description="As 1h 30m.")
    note: str
    work_date: date
    created_at: datetime
    updated_at: datetime


class TimeEntriesOut(Schema):
    ticket: int
    total_minutes: int
    entries: list[TimeEntryOut]


class TimeEntryIn(Schema):
    model_config = ConfigDict(extra="forbid")

    duration: str | int = Field(description=DURATION_HINT)
    note: str = Field("", max_length=500)
    work_date: date | None = Field(None, description="The day of the work; today if left out.")


class TimeEntryPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    duration: str | int | None = Field(None, description=DURATION_HINT)
    note: str | None = Field(None, max_length=500)
    work_date: date | None = None


def _answers(ok: dict[int, Any], errors: frozenset[int]) -> dict[Any, Any]:
    return {**ok, errors: ErrorOut}


@router.get(
    "/{int:ticket_id}/time/",
    response=_answers({200: TimeEntriesOut}, READ),
    url_name="time_entries_list",
)
def time_entries_list(request: HttpRequest, ticket_id: int) -> dict[str, object]:
    """The ticket's time entries, newest work date first, and their total."""
    card = selectors.time_entries_get(user=caller(request), ticket_id=ticket_id)
    return {"ticket": ticket_id, "total_minutes": card.total_minutes, "entries": card.entries}


@router.post(
    "/{int:ticket_id}/time/",
    response=_answers({201: TimeEntryOut}, WRITE),
    url_name="time_entries_create",
)
def time_entries_create(
    request: HttpRequest, ticket_id: int, payload: TimeEntryIn
) -> Status[TimeEntry]:
    """Log time on the ticket: its ``actual_hours`` becomes the sum of its entries."""
    entry = services.time_entry_log(
        actor=caller(request),
        ticket_id=ticket_id,
        duration=payload.duration,
        note=payload.note,
        work_date=payload.work_date,
    )
    return Status(201, entry)


@router.patch(
    "/{int:ticket_id}/time/{int:entry_id}/",
    response=_answers({200: TimeEntryOut}, WRITE),
    url_name="time_entries_update",
)
def time_entries_update(
    request: HttpRequest, ticket_id: int, entry_id: int, payload: TimeEntryPatch
) -> TimeEntry:
    """Change an entry's duration, note or date (your own; admins anyone's)."""
    selectors.time_entry_on(user=caller(request), ticket_id=ticket_id, entry_id=entry_id)
    return services.time_entry_edit(
        actor=caller(request),
        entry_id=entry_id,
        duration=payload.duration,
        note=payload.note,
        work_date=payload.work_date,
    )


@router.delete(
    "/{int:ticket_id}/time/{int:entry_id}/",
    response=_answers({204: None}, DELETE),
    url_name="time_entries_delete",
)
def time_entries_delete(request: HttpRequest, ticket_id: int, entry_id: int) -> Status[None]:
    """Delete an entry (your own; admins anyone's)."""
    selectors.time_entry_on(user=caller(request), ticket_id=ticket_id, entry_id=entry_id)
    services.time_entry_delete(actor=caller(request), entry_id=entry_id)
    return Status(204, None)
