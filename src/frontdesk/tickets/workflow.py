"""The seven-state workflow as pure rules: which status may follow which, who may choose it,
and what a move does to the ticket's timestamps. The services apply them to the database; the
demo generator applies the timestamp rule to the tickets it writes in bulk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from frontdesk.core.errors import InvalidInput, NotAllowed
from frontdesk.tickets.models import DONE_STATUSES, Status

# Which status may follow which. Customers may only close and reopen.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset(
        {Status.OPEN, Status.IN_PROGRESS, Status.PENDING, Status.RESOLVED, Status.CLOSED}
    ),
    Status.OPEN: frozenset({Status.IN_PROGRESS, Status.PENDING, Status.RESOLVED, Status.CLOSED}),
    Status.IN_PROGRESS: frozenset({Status.OPEN, Status.PENDING, Status.RESOLVED, Status.CLOSED}),
    Status.PENDING: frozenset({Status.OPEN, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED}),
    Status.REOPENED: frozenset(
        {Status.OPEN, Status.IN_PROGRESS, Status.PENDING, Status.RESOLVED, Status.CLOSED}
    ),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.REOPENED}),
    Status.CLOSED: frozenset({Status.REOPENED}),
}
CUSTOMER_TARGETS = frozenset({Status.CLOSED, Status.REOPENED})


def check_transition(*, is_staff: bool, current: str, target: str) -> None:
    """Refuse a move the workflow does not allow, in words the actor understands."""
    if target not in TRANSITIONS:
        raise InvalidInput(f"Unknown status {target!r}.", field="status")
    if target == Status.REOPENED and current not in DONE_STATUSES:
        raise InvalidInput("This ticket is already open.", field="status")
    if target == current:
        if target in DONE_STATUSES:
            raise InvalidInput("This ticket is already closed.", field="status")
        raise InvalidInput(f"This ticket is already {_label(target)}.", field="status")
    if not is_staff and target not in CUSTOMER_TARGETS:
        raise NotAllowed("Customers can only close and reopen their tickets.", field="status")
    if target not in TRANSITIONS[current]:
        raise InvalidInput(
            f"A ticket that is {_label(current)} cannot become {_label(target)}.", field="status"
        )


def allowed_targets(*, is_staff: bool, current: str) -> list[Status]:
    """The statuses a ticket may move to, in workflow order: what a page offers, so that every
    choice passes :func:`check_transition`."""
    allowed = TRANSITIONS.get(current, frozenset())
    if not is_staff:
        allowed &= CUSTOMER_TARGETS
    return [status for status in Status if status in allowed]


@dataclass(frozen=True)
class StatusTimes:
    resolved_at: datetime | None
    closed_at: datetime | None


def times_after_move(
    *,
    old: str,
    new: str,
    moment: datetime,
    resolved_at: datetime | None,
    closed_at: datetime | None,
) -> StatusTimes:
    """A ticket's resolved and closed times after it moves from ``old`` to ``new`` at
    ``moment``: resolving stamps the resolution; closing stamps the close (and the resolution,
    if it had none); leaving the done states clears both."""
    if new == Status.RESOLVED:
        return StatusTimes(resolved_at=moment, closed_at=closed_at)
    if new == Status.CLOSED:
        return StatusTimes(resolved_at=resolved_at or moment, closed_at=moment)
    if old in DONE_STATUSES:
        return StatusTimes(resolved_at=None, closed_at=None)
    return StatusTimes(resolved_at=resolved_at, closed_at=closed_at)


def _label(status: str) -> str:
    return str(Status(status).label).lower()
