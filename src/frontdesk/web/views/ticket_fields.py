"""A ticket's custom fields in its staff sidebar (web/jinja2/web/_ticket_fields.html): one
form with every active field the ticket carries (the global ones and its team's), posted
here. Saved through fields/services.py, which checks
each value; the page comes back with what was saved or the refusal, naming the field."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from frontdesk.fields import selectors as field_selectors
from frontdesk.fields import services as field_services
from frontdesk.web.field_forms import add_fields, sent_values
from frontdesk.web.pages import FORM_ERRORS, current_user, friendly_errors
from frontdesk.web.views.ticket_controls import page_url
from frontdesk.web.views.tickets import TICKET_NOT_FOUND


@never_cache
@require_POST
@login_required
@friendly_errors(not_found_message=TICKET_NOT_FOUND)
def ticket_fields_save(request: HttpRequest, ticket_id: int) -> HttpResponse:
    user = current_user(request)
    form = forms.Form(request.POST)
    shown = field_selectors.ticket_fields(user=user, ticket_id=ticket_id)
    names = add_fields(form, [each.field for each in shown])
    target = page_url(request, ticket_id)
    if not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        messages.error(request, gettext("Custom fields not saved: %(error)s") % {"error": first})
        return redirect(target)
    try:
        field_services.ticket_fields_set(
            actor=user, ticket_id=ticket_id, values=sent_values(form, names, opening=False)
        )
    except FORM_ERRORS as exc:
        messages.error(
            request, gettext("Custom fields not saved: %(error)s") % {"error": exc.said()}
        )
        return redirect(target)
    messages.success(request, gettext("Custom fields saved."))
    return redirect(target)
