"""The seven-state workflow as pure rules: which status may follow which, who may choose it,
and what a move does to the ticket's timestamps. The services apply them to the database; the
demo generator applies the timestamp rule to the tickets it writes in bulk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext_noop, pgettext_lazy

from frontdesk.core.errors import InvalidInput, NotAllowed, Said
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
        raise InvalidInput(
            gettext_noop("Unknown status %(status)s."),
            values={"status": repr(target)},
            field="status",
        )
    if target == Status.REOPENED and current not in DONE_STATUSES:
        raise InvalidInput(gettext_noop("This ticket is already open."), field="status")
    if target == current:
        if target in DONE_STATUSES:
            raise InvalidInput(gettext_noop("This ticket is already closed."), field="status")
        raise InvalidInput(
            gettext_noop("This ticket is already %(status)s."),
            values={"status": _label(target)},
            field="status",
        )
    if not is_staff and target not in CUSTOMER_TARGETS:
        raise NotAllowed(
            gettext_noop("Customers can only close and reopen their tickets."), field="status"
        )
    if target not in TRANSITIONS[current]:
        raise InvalidInput(
            gettext_noop("A ticket that is %(current)s cannot become %(target)s."),
            values={"current": _label(current), "target": _label(target)},
            field="status",
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


# A status inside a sentence ("already pending"), said in the reader's language.
STATUS_IN_A_SENTENCE = (
    pgettext_lazy("status in a sentence", "new"),
    pgettext_lazy("status in a sentence", "open"),
    pgettext_lazy("status in a sentence", "in progress"),
    pgettext_lazy("status in a sentence", "pending"),
    pgettext_lazy("status in a sentence", "resolved"),
    pgettext_lazy("status in a sentence", "closed"),
    pgettext_lazy("status in a sentence", "reopened"),
)


def _label(status: str) -> Said:
    return Said(str(Status(status).label).lower(), context="status in a sentence")
