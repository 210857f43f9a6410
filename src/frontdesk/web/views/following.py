"""A ticket page's Followers and CC cards post here: follow or unfollow, add or remove
people in CC. Each runs one use case (following/services.py) and goes back to the ticket
page with a toast saying what happened, or why nothing did."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from frontdesk.core.errors import http_status
from frontdesk.core.ids import parse_id
from frontdesk.following import services
from frontdesk.following.selectors import cc_addresses
from frontdesk.web.pages import FORM_ERRORS, current_user, friendly_errors
from frontdesk.web.views.tickets import TICKET_NOT_FOUND, ticket_page_with_status


@require_POST
@login_required
@friendly_errors(not_found_message=TICKET_NOT_FOUND)
def ticket_followers_change(request: HttpRequest, ticket_id: int) -> HttpResponse:
    user = current_user(request)
    action = request.POST.get("action", "")
    if action == "follow":
        services.ticket_follow(actor=user, ticket_id=ticket_id)
        messages.success(
            request,
            gettext("You follow this ticket: its replies, notes and changes are mailed to you."),
        )
    elif action == "unfollow":
        services.ticket_unfollow(actor=user, ticket_id=ticket_id)
        messages.success(request, gettext("You no longer follow this ticket."))
    else:
        messages.error(request, gettext("Choose Follow or Unfollow."))
    return redirect(f"/ticket/{ticket_id}")


@require_POST
@login_required
@friendly_errors(not_found_message=TICKET_NOT_FOUND)
def ticket_cc_change(request: HttpRequest, ticket_id: int) -> HttpResponse:
    user = current_user(request)
    action = request.POST.get("action", "")
    try:
        if action == "add":
            added = services.ticket_cc_add(
                actor=user, ticket_id=ticket_id, emails=cc_addresses(request.POST.get("cc", ""))
            )
            names = ", ".join(person.email for person in added) or gettext("nobody new")
            messages.success(
                request, gettext("Copied on this ticket: %(names)s.") % {"names": names}
            )
        elif action == "remove":
            person_id = parse_id(request.POST.get("person", ""), field="person")
            services.ticket_cc_remove(actor=user, ticket_id=ticket_id, person_id=person_id)
            messages.success(request, gettext("Removed from CC."))
            if person_id == user.pk and not user.is_staff_member:
                return redirect("/")  # they no longer see the ticket
        else:
            messages.error(request, gettext("Choose Add or Remove."))
    except FORM_ERRORS as exc:
        # The page again, with the error under the field and what was typed still in it.
        request.cc_error = exc.said()  # type: ignore[attr-defined]
        return ticket_page_with_status(request, user, ticket_id, http_status(exc))
    return redirect(f"/ticket/{ticket_id}")
