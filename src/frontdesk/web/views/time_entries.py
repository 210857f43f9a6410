"""The Time card of a ticket's staff sidebar: log time, delete an entry. With htmx the card is
answered in place (the error beside its field, what was typed kept); without JavaScript the
ticket's page is shown again with a toast (POST/redirect/GET). Rules: timelog/services.py."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from frontdesk.accounts.models import User
from frontdesk.core.errors import DomainError
from frontdesk.tickets import access
from frontdesk.timelog import selectors, services
from frontdesk.timelog.durations import format_minutes
from frontdesk.web.pages import FORM_ERRORS, current_user, friendly_errors, with_form_error

CARD_TEMPLATE = "web/_time_card.html"
TICKET_NOT_FOUND = "There is no ticket with that number. Check the link, or find it at home."


def _answer(
    request: HttpRequest,
    user: User,
    ticket_id: int,
    *,
    done: str = "",
    error: DomainError | None = None,
    typed: dict[str, str] | None = None,
) -> HttpResponse:
    if not getattr(request, "htmx", False):
        if error is not None:
            messages.error(request, error.said())
        else:
            messages.success(request, done)
        return redirect(f"/ticket/{ticket_id}")
    ticket = access.ticket_get(user=user, ticket_id=ticket_id)
    context: dict[str, Any] = {
        "ticket": ticket,
        "time_card": selectors.time_card(user=user, ticket=ticket),
        "time_done": done,
        "time_error": error,
        "time_typed": typed or {},
    }
    response = render(request, CARD_TEMPLATE, context)
    return with_form_error(response, error) if error is not None else response


@never_cache
@require_POST
@login_required
@friendly_errors(not_found_message=TICKET_NOT_FOUND)
def time_entry_log(request: HttpRequest, ticket_id: int) -> HttpResponse:
    user = current_user(request)
    typed = {name: request.POST.get(name, "") for name in ("duration", "note", "work_date")}
    try:
        entry = services.time_entry_log(
            actor=user,
            ticket_id=ticket_id,
            duration=typed["duration"],
            note=typed["note"],
            work_date=typed["work_date"] or None,
        )
    except FORM_ERRORS as exc:
        return _answer(request, user, ticket_id, error=exc, typed=typed)
    done = gettext("Logged %(time)s.") % {"time": format_minutes(entry.minutes)}
    return _answer(request, user, ticket_id, done=done)


@never_cache
@require_POST
@login_required
@friendly_errors(not_found_message=selectors.ENTRY_NOT_FOUND)
def time_entry_delete(request: HttpRequest, ticket_id: int, entry_id: int) -> HttpResponse:
    user = current_user(request)
    selectors.time_entry_on(user=user, ticket_id=ticket_id, entry_id=entry_id)
    services.time_entry_delete(actor=user, entry_id=entry_id)
    return _answer(request, user, ticket_id, done=gettext("Time entry deleted."))
