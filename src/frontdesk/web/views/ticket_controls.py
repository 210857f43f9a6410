"""The agent's controls in a ticket page's sidebar (status, with the resolution when
resolving; assignee, priority, category, tags, due date; the resolution itself) and the
history beside them. Each control is a small form posted to the ticket's own path with its
``action``; ticket_page runs it through CONTROLS. With htmx the sidebar is answered alone,
with the conversation and the head swapped out of band."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from frontdesk.accounts.models import User
from frontdesk.tickets import selectors, services
from frontdesk.tickets.models import DONE_STATUSES, Category, Priority, Status, Ticket
from frontdesk.web.forms import TicketActionForm

Control = Callable[[User, int, dict[str, Any]], str]

UPDATE_TEMPLATE = "web/_ticket_update.html"
DUE_AT_INPUT_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> shows and sends


def _status(user: User, ticket_id: int, data: dict[str, Any]) -> str:
    # The resolution's fields are on the form (shown when resolving or closing is chosen):
    # they count only with those statuses.
    resolving = data["status"] in DONE_STATUSES
    services.ticket_change_status(
        actor=user,
        ticket_id=ticket_id,
        status=data["status"],
        resolution=data["resolution"] if resolving else None,
        resolution_public=data["resolution_public"] if resolving else None,
    )
    return f"Status changed to {Status(data['status']).label}."


def _assign(user: User, ticket_id: int, data: dict[str, Any]) -> str:
    message = services.ticket_assign(actor=user, ticket_id=ticket_id, assignee_id=data["assignee"])
    assignee = message.ticket.assignee
    return f"Assigned to {assignee.username}." if assignee else "The ticket is now unassigned."


def _priority(user: User, ticket_id: int, data: dict[str, Any]) -> str:
    services.ticket_update(actor=user, ticket_id=ticket_id, changes={"priority": data["priority"]})
    return f"Priority set to {Priority(data['priority']).label}."


def _category(user: User, ticket_id: int, data: dict[str, Any]) -> str:
    services.ticket_update(actor=user, ticket_id=ticket_id, changes={"category": data["category"]})
    return f"Category set to {Category(data['category']).label}."


def _tags(user: User, ticket_id: int, data: dict[str, Any]) -> str:
    services.ticket_update(actor=user, ticket_id=ticket_id, changes={"tags": data["tags"]})
    return "Tags saved." if data["tags"] else "Tags removed."


def _due(user: User, ticket_id: int, data: dict[str, Any]) -> str:
    services.ticket_update(actor=user, ticket_id=ticket_id, changes={"due_at": data["due_at"]})
    return "Due date saved." if data["due_at"] else "Due date removed."


def _resolution(user: User, ticket_id: int, data: dict[str, Any]) -> str:
    changes = {
        name: data[name] for name in ("resolution", "resolution_public") if data[name] is not None
    }
    ticket = services.ticket_update(actor=user, ticket_id=ticket_id, changes=changes)
    return "Resolution saved." if ticket.resolution else "Resolution cleared."


CONTROLS: dict[str, Control] = {
    "status": _status,
    "assign": _assign,
    "priority": _priority,
    "category": _category,
    "tags": _tags,
    "due": _due,
    "resolution": _resolution,
}


def is_control_update(request: HttpRequest, form: TicketActionForm) -> bool:
    """An htmx post of a sidebar control: answered with the sidebar, not the whole page."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and request.method == "POST" and form.data.get("action") in CONTROLS


def sidebar_context(user: User, ticket: Ticket, form: TicketActionForm) -> dict[str, Any]:
    """What the staff sidebar shows: the controls with their current values (or what was
    typed, when it was refused) and the history. Customers get neither."""
    if not user.is_staff_member:
        return {}
    due_at = timezone.localtime(ticket.due_at) if ticket.due_at else None
    values: dict[str, Any] = {
        "assignee": str(ticket.assignee_id or ""),
        "priority": ticket.priority,
        "category": ticket.category,
        "tags": ", ".join(tag.name for tag in ticket.tags.all()),
        "due_at": due_at.strftime(DUE_AT_INPUT_FORMAT) if due_at else "",
        "resolution": ticket.resolution,
        "resolution_public": ticket.resolution_public,
    }
    if form.errors:
        values.update({name: form.data[name] for name in values if name in form.data})
        if "resolution" in form.data:  # an unticked checkbox is not sent
            values["resolution_public"] = "resolution_public" in form.data
    return {
        "agents": selectors.agents_assignable(user=user),
        "status_choices": services.ticket_status_choices(actor=user, ticket=ticket),
        "priorities": Priority.choices,
        "categories": Category.choices,
        "control_values": values,
        # Which control the refused post came from: two of them send the resolution.
        "control_action": form.data.get("action", "") if form.errors else "",
        "history": selectors.ticket_history(user=user, ticket=ticket),
    }
