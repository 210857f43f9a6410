"""A small fixed desk for the reports' tests: tickets opened, answered and solved at known
times through the services, with the clock moved for each step."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from frontdesk.accounts.models import User
from frontdesk.reports.periods import Period
from frontdesk.tickets import services
from frontdesk.tickets.models import Status, Ticket
from tests.conftest import open_ticket, time_at

UTC_ZONE = ZoneInfo("UTC")
# The week the report looks at (Monday to Sunday) and the week before it.
WEEK = Period(first=date(2026, 11, 23), last=date(2026, 11, 29), zone=UTC_ZONE)
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def utc(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def worked(
    requester: User,
    agent: User,
    *,
    opened: datetime,
    answered_after: timedelta | None = None,
    solved_at: datetime | None = None,
    title: str = "Heating not working",
) -> Ticket:
    """A ticket opened at ``opened``, answered by ``agent`` after ``answered_after`` and
    resolved by them at ``solved_at``."""
    ticket = open_ticket(requester, title, at=opened)
    if answered_after is not None:
        with time_at(opened + answered_after):
            services.message_post(actor=agent, ticket_id=ticket.pk, body="On it.")
    if solved_at is not None:
        with time_at(solved_at):
            services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.RESOLVED)
    ticket.refresh_from_db()
    return ticket
