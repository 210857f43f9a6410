"""One change to many tickets at once: assign, set status, priority or category, add or remove
a tag, close.

Each ticket goes through the same use case as a change to one ticket (services.ticket_update,
which hands the assignee and the status to ticket_assign and ticket_change_status), so the
rules, permission checks, history rows and live events are exactly theirs. Each ticket is
changed in its own savepoint: a ticket the actor may not change, or whose workflow refuses
the move, is left as it was and reported with the reason, and the others go ahead. Nothing
is announced before the whole request commits, and nothing for a ticket rolled back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import User
from frontdesk.core.errors import DomainError, InvalidInput, NotAllowed, Said
from frontdesk.core.ids import is_id
from frontdesk.tickets import access, services, validators
from frontdesk.tickets.models import Category, Priority, Status, Ticket

STAFF_ONLY = gettext_noop("Only agents change tickets in bulk.")
BULK_LIMIT = 100  # tickets per request: two pages of the workspace
# What a bulk change may set; ``add_tag`` and ``remove_tag`` take one tag each.
BULK_FIELDS = ("assignee", "status", "priority", "category", "add_tag", "remove_tag")
UPDATE_FIELDS = ("assignee", "status", "priority", "category")  # as ticket_update takes them


@dataclass(frozen=True)
class Refusal:
    ticket_id: int
    reason: str  # English, as the API answers it
    said: Said | None = field(default=None, compare=False)  # the same, to say in any language


@dataclass
class BulkSummary:
    """What a bulk change did: the tickets it changed, those already as asked, and those it
    refused, each with the reason."""

    changed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


def _clean_ids(ticket_ids: Sequence[object]) -> list[int]:
    ids: list[int] = []
    for value in ticket_ids:
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidInput(gettext_noop("Name the tickets by their ids."), field="tickets")
        if value not in ids:
            ids.append(value)
    if not ids:
        raise InvalidInput(gettext_noop("Choose at least one ticket."), field="tickets")
    if len(ids) > BULK_LIMIT:
        raise InvalidInput(
            gettext_noop("Change at most %(limit)s tickets at once; you chose %(count)s."),
            values={"limit": BULK_LIMIT, "count": len(ids)},
            field="tickets",
        )
    return ids


def _clean_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The changes, each value checked once for every ticket; unknown names are refused."""
    unknown = sorted(set(changes) - set(BULK_FIELDS))
    if unknown:
        raise InvalidInput(
            gettext_noop("There is no bulk change %(name)s."),
            values={"name": repr(unknown[0])},
            field=unknown[0],
        )
    cleaned: dict[str, Any] = {}
    if "assignee" in changes:
        assignee = changes["assignee"]
        if assignee is not None and (not isinstance(assignee, int) or isinstance(assignee, bool)):
            raise InvalidInput(gettext_noop("Choose an agent by id."), field="assignee")
        cleaned["assignee"] = assignee
    for name, choices in (("status", Status), ("priority", Priority), ("category", Category)):
        if changes.get(name) is not None:
            cleaned[name] = validators.clean_choice(changes[name], choices, field=name)
    for name in ("add_tag", "remove_tag"):
        if changes.get(name) is not None:
            try:
                tags = validators.clean_tags([changes[name]])
            except InvalidInput as exc:
                raise InvalidInput(exc.text, values=exc.values, field=name) from exc
            if len(tags) != 1:
                raise InvalidInput(gettext_noop("Name one tag."), field=name)
            cleaned[name] = tags[0]
    if not cleaned:
        raise InvalidInput(gettext_noop("Choose a change to make."), field="changes")
    if cleaned.get("add_tag") is not None and cleaned.get("add_tag") == cleaned.get("remove_tag"):
        raise InvalidInput(gettext_noop("Add a tag or remove it, not both."), field="remove_tag")
    return cleaned


def _snapshot(ticket: Ticket) -> tuple[Any, ...]:
    tags = tuple(sorted(ticket.tags.values_list("name", flat=True)))
    return (ticket.status, ticket.priority, ticket.category, ticket.assignee_id, tags)


def _apply(actor: User, ticket_id: int, changes: Mapping[str, Any]) -> bool:
    """Change one ticket through ticket_update; whether anything changed."""
    ticket = access.ticket_get(user=actor, ticket_id=ticket_id)
    before = _snapshot(ticket)
    update = {name: changes[name] for name in UPDATE_FIELDS if name in changes}
    if "add_tag" in changes or "remove_tag" in changes:
        tags = set(before[-1]) | ({changes["add_tag"]} if "add_tag" in changes else set())
        update["tags"] = sorted(tags - {changes.get("remove_tag")})
    changed = services.ticket_update(actor=actor, ticket_id=ticket_id, changes=update)
    return _snapshot(changed) != before


def tickets_bulk_change(
    *, actor: User, ticket_ids: Sequence[int], changes: Mapping[str, Any]
) -> BulkSummary:
    """Apply ``changes`` (``assignee``: an agent's id or None for the queue; ``status``,
    ``priority``, ``category``; ``add_tag``, ``remove_tag``) to each of ``ticket_ids`` (at
    most BULK_LIMIT; agents and admins only), each ticket on its own: what one ticket
    refuses leaves the others be. Returns what changed, what already was as asked, and what
    was refused and why."""
    if not actor.is_staff_member:
        raise NotAllowed(STAFF_ONLY)
    ids = _clean_ids(ticket_ids)
    cleaned = _clean_changes(changes)
    summary = BulkSummary()
    with transaction.atomic():
        for ticket_id in ids:
            if not is_id(ticket_id):
                summary.refused.append(Refusal(ticket_id, access.TICKET_NOT_FOUND))
                continue
            try:
                with transaction.atomic():
                    changed = _apply(actor, ticket_id, cleaned)
            except DomainError as exc:
                summary.refused.append(Refusal(ticket_id, exc.message, exc.as_said()))
                continue
            (summary.changed if changed else summary.unchanged).append(ticket_id)
    return summary
