"""Home (the ticket lists), opening a ticket, and a ticket's page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from frontdesk.accounts import services as accounts
from frontdesk.accounts.models import User
from frontdesk.core.errors import Conflict, InvalidInput, NotFound
from frontdesk.tickets import selectors, services
from frontdesk.tickets.models import MessageKind, Status
from frontdesk.web.forms import TicketActionForm, TicketNewForm
from frontdesk.web.pages import current_user, friendly_errors, page_methods

LIST_LIMIT = 50  # tickets shown per list; the heading counts them all
TICKET_NOT_FOUND = "There is no ticket with that number. Check the link, or find it at home."
TICKET_NOT_YOURS = "This ticket belongs to another account, so you can't see it."


@page_methods
@never_cache
@login_required
def home_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    active = selectors.tickets_active_for(user=user)
    done = selectors.tickets_done_for(user=user)
    context: dict[str, Any] = {
        "for_staff": user.is_staff_member,
        "active": active,
        "done": done[:LIST_LIMIT],
        "done_count": len(done),
    }
    if user.is_staff_member:
        queue = selectors.tickets_claimable(user=user).select_related("requester")
        context["claimable_count"] = queue.count()
        context["claimable"] = list(queue[:LIST_LIMIT])
        prefetch_related_objects([*active, *context["done"]], "requester")
    return render(request, "web/home.html", context)


@page_methods
@never_cache
@login_required
@friendly_errors()
def ticket_new_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    for_staff = user.is_staff_member
    if request.method != "POST":
        form = TicketNewForm(for_staff=for_staff)
        return render(request, "web/ticket_new.html", {"form": form, "for_staff": for_staff})
    form = TicketNewForm(request.POST, for_staff=for_staff)
    if form.is_valid():
        data = form.cleaned_data
        try:
            requester = accounts.user_get_by_reference(data["requester"]) if for_staff else None
            opened = services.ticket_open(
                actor=user, title=data["title"], body=data["message"], requester=requester
            )
        except NotFound as exc:
            form.add_error("requester", exc.message)
        except InvalidInput as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Your ticket {opened.ticket.number} has been opened.")
            return redirect(f"/ticket/{opened.ticket.pk}")
    context = {"form": form, "for_staff": for_staff}
    return render(request, "web/ticket_new.html", context, status=400)


# --- a ticket's page ----------------------------------------------------------------------

Action = Callable[[User, int, str], str]


def _reply(user: User, ticket_id: int, body: str) -> str:
    message = services.message_post(actor=user, ticket_id=ticket_id, body=body)
    # "!close", "!open" and "!claim" are commands: their system message says what happened.
    return message.body if message.kind == MessageKind.SYSTEM else "Your reply has been sent."


def _note(user: User, ticket_id: int, body: str) -> str:
    services.message_post(actor=user, ticket_id=ticket_id, body=body, internal=True)
    return "Your internal note has been added."


def _close(user: User, ticket_id: int, body: str) -> str:
    services.ticket_change_status(actor=user, ticket_id=ticket_id, status=Status.CLOSED)
    return "The ticket has been closed."


def _reopen(user: User, ticket_id: int, body: str) -> str:
    services.ticket_change_status(actor=user, ticket_id=ticket_id, status=Status.REOPENED)
    return "The ticket has been reopened."


def _claim(user: User, ticket_id: int, body: str) -> str:
    services.ticket_claim(actor=user, ticket_id=ticket_id)
    return "You have claimed this ticket."


ACTIONS: dict[str, Action] = {
    "reply": _reply,
    "note": _note,
    "close": _close,
    "reopen": _reopen,
    "claim": _claim,
}


def _ticket(
    request: HttpRequest, user: User, ticket_id: int, form: TicketActionForm, status: int
) -> HttpResponse:
    ticket = selectors.ticket_get_for_user(user=user, ticket_id=ticket_id)
    conversation = selectors.messages_visible(user=user, ticket=ticket).select_related("author")
    context = {
        "ticket": ticket,
        "conversation": conversation,
        "form": form,
        "for_staff": user.is_staff_member,
        "can_claim": user.is_staff_member and ticket.assignee_id != user.pk,
        "closed_at": (ticket.closed_at or ticket.resolved_at) if ticket.is_done else None,
    }
    return render(request, "web/ticket.html", context, status=status)


@page_methods
@never_cache
@login_required
@friendly_errors(not_found_message=TICKET_NOT_FOUND, forbidden_message=TICKET_NOT_YOURS)
def ticket_page(request: HttpRequest, ticket_id: int) -> HttpResponse:
    user = current_user(request)
    if request.method != "POST":
        return _ticket(request, user, ticket_id, TicketActionForm(), 200)
    form = TicketActionForm(request.POST)
    status = 400
    if form.is_valid():
        action = ACTIONS[form.cleaned_data["action"]]
        try:
            done = action(user, ticket_id, form.cleaned_data["message"])
        except InvalidInput as exc:
            form.add_domain_error(exc)
        except Conflict as exc:
            form.add_domain_error(exc)
            status = 409
        else:
            messages.success(request, done)
            return redirect(request.path)
    return _ticket(request, user, ticket_id, form, status)
