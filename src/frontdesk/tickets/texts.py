"""The system messages a ticket's conversation gets when someone acts on it.

Closing, reopening and claiming write SupportMe's system messages word for word (clients and
people that read them keep working); the others follow their pattern. The use cases write
them, and ``frontdesk demo`` writes the same ones so its conversations read like real ones.
"""

from __future__ import annotations

from frontdesk.accounts.models import User
from frontdesk.tickets.models import Status


def by(user: User) -> str:
    """How a system message names someone: ``jane (ID: 7)``."""
    return f"{user.username} (ID: {user.pk})"


def closed_text(actor: User) -> str:
    return f"This ticket has been closed by {by(actor)}."


def reopened_text(actor: User) -> str:
    return f"This ticket has been reopened by {by(actor)}."


def claimed_text(actor: User, *, reopened: bool) -> str:
    verb = "claimed and reopened" if reopened else "claimed"
    return f"This ticket has been {verb} by {by(actor)}."


def status_text(actor: User, status: str) -> str:
    if status == Status.CLOSED:
        return closed_text(actor)
    if status == Status.REOPENED:
        return reopened_text(actor)
    return f"This ticket has been marked as {Status(status).label} by {by(actor)}."


def assigned_text(assignee: User, actor: User) -> str:
    return f"This ticket has been assigned to {by(assignee)} by {by(actor)}."


def unassigned_text(actor: User) -> str:
    return f"This ticket has been unassigned by {by(actor)}."


def taken_over_text(actor: User, previous: User) -> str:
    return f"This ticket has been taken over by {by(actor)} from {by(previous)}."
