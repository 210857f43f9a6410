"""The parts of a ticket's page: the agent's controls in the sidebar (status, with the
resolution when resolving; assignee, priority, category, tags, due date; the resolution
itself) with the history beside them, the conversation (folded when long), and the page's
address with the list the agent came from.

Each control is a small form posted to the ticket's own path with its ``action``; ticket_page
runs it through CONTROLS. With JavaScript each saves as soon as it changes (ticket.js); with
htmx the sidebar is answered, with the conversation and the head swapped out of band."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext

from frontdesk.accounts.models import User
from frontdesk.automations.selectors import ticket_rule_runs_shown
from frontdesk.core.errors import InvalidInput
from frontdesk.core.ids import parse_id
from frontdesk.fields import selectors as field_selectors
from frontdesk.sla.selectors import ticket_sla
from frontdesk.teams.selectors import teams_choosable
from frontdesk.teams.services import ticket_set_team as set_team
from frontdesk.tickets import merging, selectors, services
from frontdesk.tickets.models import DONE_STATUSES, Category, Message, Priority, Status, Ticket
from frontdesk.tickets.texts import CATEGORY_WORDS, priority_label, status_label
from frontdesk.timelog.selectors import time_card
from frontdesk.web.forms import TicketActionForm
from frontdesk.web.views.rules import runs_said

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
    status = status_label(data["status"], for_customer=False)
    return gettext("Status changed to %(status)s.") % {"status": status}


def _assign(user: User, ticket_id: int, data: dict[str, Any]) -> str:
    message = services.ticket_assign(actor=user, ticket_id=ticket_id, assignee_id=data["assignee"])
    assignee = message.ticket.assignee
    if assignee:
        return gettext("Assigned to %(name)s.") % {"name": assignee.username}
    return gettext("The ticket is now unassigned.")


def _team(user: User, ticket_id: int, data: dict[str, Any]) -> str:
    set_team(actor=user, ticket_id=ticket_id, team_id=data["team"])
    return gettext("Team changed.") if data["team"] else gettext("The ticket is now in no team.")


def _priority(user: User, ticket_id: int, data: dict[str, Any]) -> str:
    services.ticket_update(actor=user, ticket_id=ticket_id, changes={"priority": data["priority"]})
    return gettext("Priority set to %(priority)s.") % {"priority": priority_label(data["priority"])}


def _category(user: User, ticket_id: int, data: dict[str, Any]) -> str:
    services.ticket_update(actor=user, ticket_id=ticket_id, changes={"category": data["category"]})
    category = str(CATEGORY_WORDS.get(data["category"], data["category"]))
    return gettext("Category set to %(category)s.") % {"category": category}


def _tags(user: User, ticket_id: int, data: dict[str, Any]) -> str:
    services.ticket_update(actor=user, ticket_id=ticket_id, changes={"tags": data["tags"]})
    return gettext("Tags saved.") if data["tags"] else gettext("Tags removed.")


def _due(user: User, ticket_id: int, data: dict[str, Any]) -> str:
    services.ticket_update(actor=user, ticket_id=ticket_id, changes={"due_at": data["due_at"]})
    return gettext("Due date saved.") if data["due_at"] else gettext("Due date removed.")


def _resolution(user: User, ticket_id: int, data: dict[str, Any]) -> str:
    changes = {
        name: data[name] for name in ("resolution", "resolution_public") if data[name] is not None
    }
    ticket = services.ticket_update(actor=user, ticket_id=ticket_id, changes=changes)
    return gettext("Resolution saved.") if ticket.resolution else gettext("Resolution cleared.")


CONTROLS: dict[str, Control] = {
    "status": _status,
    "assign": _assign,
    "team": _team,
    "priority": _priority,
    "category": _category,
    "tags": _tags,
    "due": _due,
    "resolution": _resolution,
}


def is_htmx_post(request: HttpRequest) -> bool:
    """A post from the page's scripts: answered with the parts that changed, not the page."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and request.method == "POST"


# --- the list the agent came from -----------------------------------------------------------

CAME_FROM_MAX = 500  # a workspace address: a view, five filters and a sort


def came_from(request: HttpRequest) -> str:
    """The workspace address (``view=claimable&sort=-created``) the ticket was opened from,
    carried as ``?from=`` by the list's links and the page's own forms; empty if none."""
    address = request.GET.get("from", "")
    return address if len(address) <= CAME_FROM_MAX else ""


def page_url(request: HttpRequest, ticket_id: int) -> str:
    """A ticket page's address, still knowing the list it was opened from."""
    address = came_from(request)
    return f"/ticket/{ticket_id}" + (f"?from={quote(address, safe='')}" if address else "")


# --- the conversation -----------------------------------------------------------------------

FOLD_OVER = 12  # a thread longer than this folds, keeping its first message and the latest
FOLD_KEEP_LATEST = 6


def thread_context(request: HttpRequest, user: User, ticket: Ticket) -> dict[str, Any]:
    """The messages the page shows. A long thread folds on the server: its first message
    (the request), "N earlier messages", and the latest few, so a page with 200 replies
    renders 7. ``?all=1`` unfolds it; ``?after=<id>`` gives only the messages after that one
    (live updates)."""
    if (after := _after_id(request)) is not None:
        conversation = selectors.conversation(user=user, ticket=ticket)
        shown = list(conversation.filter(id__gt=after).select_related("author"))
        selectors.with_files(shown, ticket_id=ticket.pk)
        return {"conversation": shown, "folded": 0, "last_message_id": _last(shown, after)}
    ids = selectors.conversation_ids(user=user, ticket=ticket)
    keep = ids
    if len(ids) > FOLD_OVER and not request.GET.get("all"):
        keep = [ids[0], *ids[-FOLD_KEEP_LATEST:]]
    shown = selectors.conversation_shown(
        user=user, ticket=ticket, ids=None if keep is ids else keep
    )
    return {
        "conversation": shown,
        "folded": len(ids) - len(keep),
        "last_message_id": ids[-1] if ids else 0,
    }


def _after_id(request: HttpRequest) -> int | None:
    text = request.GET.get("after", "")
    if request.method != "GET" or not text:
        return None
    try:
        return parse_id(text, field="after") if text != "0" else 0
    except InvalidInput:
        return 0


def _last(messages: list[Message], otherwise: int) -> int:
    return messages[-1].pk if messages else otherwise


def _team_choices(ticket: Ticket) -> list[tuple[str, str]]:
    """The active teams to move the ticket to, and its own team even if turned off."""
    choices = [(str(pk), name) for pk, name in teams_choosable()]
    if ticket.team_id is not None and str(ticket.team_id) not in dict(choices):
        choices.append((str(ticket.team_id), f"{ticket.team.name} (off)" if ticket.team else ""))
    return choices


def sidebar_context(user: User, ticket: Ticket, form: TicketActionForm) -> dict[str, Any]:
    """What the staff sidebar shows: the controls with their current values (or what was
    typed, when it was refused) and the history. Customers get neither."""
    if not user.is_staff_member:
        return {}
    due_at = timezone.localtime(ticket.due_at) if ticket.due_at else None
    values: dict[str, Any] = {
        "assignee": str(ticket.assignee_id or ""),
        "team": str(ticket.team_id or ""),
        "priority": ticket.priority,
        "category": ticket.category,
        "tags": ", ".join(selectors.ticket_tag_names(ticket=ticket)),
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
        "teams_choices": _team_choices(ticket),
        # The current status first (what the control shows), then where it may move.
        "status_choices": [
            Status(ticket.status),
            *services.ticket_status_choices(actor=user, ticket=ticket),
        ],
        "priorities": [(value, priority_label(value)) for value in Priority.values],
        "categories": [(value, str(CATEGORY_WORDS.get(value, value))) for value in Category.values],
        "control_values": values,
        # Which control the refused post came from: two of them send the resolution.
        "control_action": form.data.get("action", "") if form.errors else "",
        "history": selectors.ticket_history(user=user, ticket=ticket),
        "sla": ticket_sla(user=user, ticket=ticket),
        "rule_runs": runs_said(ticket_rule_runs_shown(user=user, ticket=ticket)),
        "time_card": time_card(user=user, ticket=ticket),
        "ticket_links": merging.ticket_links(user=user, ticket=ticket),
        "custom_fields": field_selectors.fields_shown_on(user=user, ticket=ticket),
    }
