"""A ticket page's merge, split and link forms (staff): each posts here, calls one use case
of tickets/merging.py and goes back to a ticket page with what happened, or with the
refusal, in a toast. The rules are the use case's."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from frontdesk.tickets import merging
from frontdesk.tickets.access import MESSAGE_NOT_FOUND, TICKET_NOT_FOUND
from frontdesk.web.pages import FORM_ERRORS, current_user, friendly_errors
from frontdesk.web.views.ticket_controls import page_url


@never_cache
@require_POST
@login_required
@friendly_errors(not_found_message=TICKET_NOT_FOUND)
def ticket_merge(request: HttpRequest, ticket_id: int) -> HttpResponse:
    try:
        merged = merging.tickets_merge(
            actor=current_user(request), source_id=ticket_id, target=request.POST.get("target", "")
        )
    except FORM_ERRORS as exc:
        messages.error(request, exc.said())
        return redirect(page_url(request, ticket_id))
    messages.success(
        request,
        gettext("%(source)s merged into %(target)s.")
        % {"source": merged.source.number, "target": merged.target.number},
    )
    return redirect(page_url(request, merged.target.pk))


@never_cache
@require_POST
@login_required
@friendly_errors(not_found_message=MESSAGE_NOT_FOUND)
def message_split(request: HttpRequest, message_id: int) -> HttpResponse:
    user = current_user(request)
    try:
        new = merging.message_split(
            actor=user, message_id=message_id, title=request.POST.get("title", "")
        )
    except FORM_ERRORS as exc:
        messages.error(request, exc.said())
        back = merging.message_ticket_id(user=user, message_id=message_id)
        return redirect(page_url(request, back))
    messages.success(request, gettext("The message is now %(number)s.") % {"number": new.number})
    return redirect(page_url(request, new.pk))


@never_cache
@require_POST
@login_required
@friendly_errors(not_found_message=TICKET_NOT_FOUND)
def ticket_link(request: HttpRequest, ticket_id: int) -> HttpResponse:
    try:
        link = merging.tickets_link(
            actor=current_user(request), ticket_id=ticket_id, other=request.POST.get("ticket", "")
        )
    except FORM_ERRORS as exc:
        messages.error(request, exc.said())
    else:
        messages.success(
            request,
            gettext("Linked %(one)s and %(other)s.")
            % {"one": link.ticket.number, "other": link.other.number},
        )
    return redirect(page_url(request, ticket_id))


@never_cache
@require_POST
@login_required
@friendly_errors(not_found_message=TICKET_NOT_FOUND)
def ticket_unlink(request: HttpRequest, ticket_id: int, other_id: int) -> HttpResponse:
    merging.tickets_unlink(actor=current_user(request), ticket_id=ticket_id, other=other_id)
    messages.success(request, gettext("Link removed."))
    return redirect(page_url(request, ticket_id))
