"""Home (the ticket lists), opening a ticket, and a ticket's page."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from frontdesk.accounts.models import User
from frontdesk.accounts.selectors import user_get_by_reference
from frontdesk.core.errors import NotFound
from frontdesk.tickets import access, selectors, services
from frontdesk.tickets.models import MessageKind, Status
from frontdesk.web.forms import TicketActionForm, TicketNewForm
from frontdesk.web.pages import (
    FORM_ERRORS,
    current_user,
    friendly_errors,
    page_methods,
    with_form_error,
)
from frontdesk.web.views.ticket_controls import (
    CONTROLS,
    UPDATE_TEMPLATE,
    is_control_update,
    sidebar_context,
)
from frontdesk.web.views.workspace import workspace_page

LIST_LIMIT = 50  # tickets shown per list; the heading counts them all
TICKET_NOT_FOUND = "There is no ticket with that number. Check the link, or find it at home."


@page_methods
@never_cache
@login_required
def home_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if user.is_staff_member:
        return workspace_page(request, user)
    active = selectors.tickets_active_for(user=user, reader=user)
    done = selectors.tickets_done_for(user=user, reader=user)
    context: dict[str, Any] = {
        "active": active,
        "done": done[:LIST_LIMIT],
        "done_count": len(done),
    }
    return render(request, "web/home.html", context)


@page_methods
@never_cache
@login_required
@friendly_errors()
def ticket_new_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    for_staff = user.is_staff_member
    if request.method != "POST":
        return _ticket_new(request, TicketNewForm(for_staff=for_staff), for_staff)
    form = TicketNewForm(request.POST, request.FILES, for_staff=for_staff)
    if form.is_valid():
        data = form.cleaned_data
        try:
            requester = user_get_by_reference(data["requester"]) if for_staff else None
            opened = services.ticket_open(
                actor=user,
                title=data["title"],
                body=data["message"],
                requester=requester,
                files=form.files_to_send(user),
            )
        except NotFound as exc:
            form.add_error("requester", exc.message)
        except FORM_ERRORS as exc:
            form.add_domain_error(exc)
            return with_form_error(_ticket_new(request, form, for_staff), exc)
        else:
            form.files_sent(user)
            messages.success(request, f"Your ticket {opened.ticket.number} has been opened.")
            return redirect(f"/ticket/{opened.ticket.pk}")
    return _ticket_new(request, form, for_staff, status=400)


def _ticket_new(
    request: HttpRequest, form: TicketNewForm, for_staff: bool, *, status: int = 200
) -> HttpResponse:
    form.keep_files(current_user(request))  # a form sent back: offer its files again
    context = {"form": form, "for_staff": for_staff, "files_dropped": bool(request.FILES)}
    return render(request, "web/ticket_new.html", context, status=status)


# --- a ticket's page ----------------------------------------------------------------------

Files = Sequence[UploadedFile]
Action = Callable[[User, int, str, Files], str]


def _reply(user: User, ticket_id: int, body: str, files: Files) -> str:
    message = services.message_post(actor=user, ticket_id=ticket_id, body=body, files=files)
    # "!close", "!open" and "!claim" are commands: their system message says what happened.
    return message.body if message.kind == MessageKind.SYSTEM else "Your reply has been sent."


def _note(user: User, ticket_id: int, body: str, files: Files) -> str:
    services.message_post(actor=user, ticket_id=ticket_id, body=body, internal=True, files=files)
    return "Your internal note has been added."


def _close(user: User, ticket_id: int, body: str, files: Files) -> str:
    services.ticket_change_status(actor=user, ticket_id=ticket_id, status=Status.CLOSED)
    return "The ticket has been closed."


def _reopen(user: User, ticket_id: int, body: str, files: Files) -> str:
    services.ticket_change_status(actor=user, ticket_id=ticket_id, status=Status.REOPENED)
    return "The ticket has been reopened."


def _claim(user: User, ticket_id: int, body: str, files: Files) -> str:
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
    request: HttpRequest,
    user: User,
    ticket_id: int,
    form: TicketActionForm,
    status: int,
    *,
    done: str = "",
    partial: bool = False,
) -> HttpResponse:
    ticket = access.ticket_get(user=user, ticket_id=ticket_id)
    form.keep_files(user)  # a form sent back: offer its files again
    conversation = selectors.conversation(user=user, ticket=ticket)
    conversation = conversation.select_related("author").prefetch_related("attachments")
    services.ticket_mark_read(user=user, ticket=ticket)
    context = {
        "ticket": ticket,
        "conversation": conversation,
        "form": form,
        "for_staff": user.is_staff_member,
        "can_claim": user.is_staff_member and ticket.assignee_id != user.pk,
        "closed_at": (ticket.closed_at or ticket.resolved_at) if ticket.is_done else None,
        # The customer's "Resolution" block, once the ticket is done (agents: the sidebar).
        "resolution_shown": (
            access.resolution_for(user, ticket)[0]
            if ticket.is_done and not user.is_staff_member
            else ""
        ),
        "files_dropped": request.method == "POST" and bool(request.FILES),
        "done": done,
        "partial": partial,
        **sidebar_context(user, ticket, form),
    }
    template = UPDATE_TEMPLATE if partial else "web/ticket.html"
    return render(request, template, context, status=status)


def _control(
    request: HttpRequest, user: User, ticket_id: int, form: TicketActionForm
) -> HttpResponse:
    """Run a sidebar control. With htmx the sidebar is answered in place; without, the page
    is redirected to (POST/redirect/GET), or shown again with the error."""
    partial = is_control_update(request, form)
    if not form.is_valid():
        return _ticket(request, user, ticket_id, form, 400, partial=partial)
    control = CONTROLS[form.cleaned_data["action"]]
    try:
        done = control(user, ticket_id, form.cleaned_data)
    except FORM_ERRORS as exc:
        form.add_domain_error(exc)
        page = _ticket(request, user, ticket_id, form, 400, partial=partial)
        return with_form_error(page, exc)
    if partial:
        return _ticket(request, user, ticket_id, TicketActionForm(), 200, done=done, partial=True)
    messages.success(request, done)
    return redirect(request.path)


@page_methods
@never_cache
@login_required
@friendly_errors(not_found_message=TICKET_NOT_FOUND)
def ticket_page(request: HttpRequest, ticket_id: int) -> HttpResponse:
    user = current_user(request)
    if request.method != "POST":
        return _ticket(request, user, ticket_id, TicketActionForm(), 200)
    form = TicketActionForm(request.POST, request.FILES)
    if form.data.get("action") in CONTROLS:
        return _control(request, user, ticket_id, form)
    if not form.is_valid():
        return _ticket(request, user, ticket_id, form, 400)
    action = ACTIONS[form.cleaned_data["action"]]
    try:
        done = action(user, ticket_id, form.cleaned_data["message"], form.files_to_send(user))
    except FORM_ERRORS as exc:
        form.add_domain_error(exc)
        return with_form_error(_ticket(request, user, ticket_id, form, 400), exc)
    form.files_sent(user)
    messages.success(request, done)
    return redirect(request.path)
