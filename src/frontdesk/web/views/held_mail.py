"""Held mail for agents: the mails the intake would not add on its own, with Accept and
Dismiss. The rules (who may decide, what accepting writes) are mail/services.py's."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from frontdesk.core.errors import Conflict, InvalidInput, RateLimited, TooLarge
from frontdesk.mail import services
from frontdesk.tickets.models import Ticket
from frontdesk.web.pages import current_user, friendly_errors, page_methods

HELD_PATH = "/mail/held"
DECISION_ERRORS = (InvalidInput, Conflict, RateLimited, TooLarge)


@page_methods
@never_cache
@login_required
@friendly_errors()
def held_mail_page(request: HttpRequest) -> HttpResponse:
    held = services.held_mails(actor=current_user(request))
    return render(request, "web/held_mail.html", {"held": held, "shown_max": services.HELD_SHOWN})


@never_cache
@require_POST
@login_required
@friendly_errors(not_found_message=services.NOT_FOUND)
def held_mail_accept(request: HttpRequest, inbound_id: int) -> HttpResponse:
    try:
        mail = services.held_mail_accept(actor=current_user(request), inbound_id=inbound_id)
    except DECISION_ERRORS as exc:
        messages.error(request, exc.said())
    else:
        number = Ticket.number_for(mail.ticket_id or 0)
        messages.success(
            request,
            gettext("Mail %(mail)s accepted: it is on %(number)s now.")
            % {"mail": mail.pk, "number": number},
        )
    return redirect(HELD_PATH)


@never_cache
@require_POST
@login_required
@friendly_errors(not_found_message=services.NOT_FOUND)
def held_mail_dismiss(request: HttpRequest, inbound_id: int) -> HttpResponse:
    try:
        mail = services.held_mail_dismiss(actor=current_user(request), inbound_id=inbound_id)
    except DECISION_ERRORS as exc:
        messages.error(request, exc.said())
    else:
        messages.success(
            request, gettext("Mail %(mail)s dismissed. It stays on record.") % {"mail": mail.pk}
        )
    return redirect(HELD_PATH)
