"""The customer context for agents: the note agents keep about a customer (saved from the
customer panel beside a ticket), the organisations pages, and the small JSON answer with the
tickets that have news for the signed-in user (the tab title and desktop notifications)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from frontdesk.accounts import services as accounts
from frontdesk.core.middleware import passive
from frontdesk.tickets import customers
from frontdesk.web.customer_forms import CustomerNoteForm
from frontdesk.web.pages import (
    FORM_ERRORS,
    current_user,
    friendly_errors,
    page_methods,
)

NOTE_TEMPLATE = "web/_customer_panel.html#note"
NOTE_SAVED = "Note saved."
NOTE_NOT_SAVED = "The note was not saved."
ORGANISATION_NOT_FOUND = "There is no organisation with that number."


def _back_to(request: HttpRequest, target: str) -> str:
    """The page the note was saved from (a path on this site), else home."""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe and target.startswith("/") else "/home"


@never_cache
@require_POST
@login_required
@friendly_errors(not_found_message="There is no such customer.")
def customer_note_save(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Save the agents' note about a customer. With htmx the note's form is answered in
    place; without, the page it came from is shown again (POST/redirect/GET)."""
    user = current_user(request)
    person = customers.customer_for_note(user=user, customer_id=customer_id)
    form = CustomerNoteForm(request.POST)
    back = _back_to(request, form.data.get("next", ""))
    htmx = bool(getattr(request, "htmx", False))
    if form.is_valid():
        try:
            note = accounts.customer_note_set(
                actor=user, customer=person, text=form.cleaned_data["text"]
            )
        except FORM_ERRORS as exc:
            form.add_domain_error(exc)
        else:
            if not htmx:
                messages.success(request, NOTE_SAVED)
                return redirect(back)
            context = {"person": person, "note": note, "note_saved": True, "note_next": back}
            return render(request, NOTE_TEMPLATE, context)
    if not htmx:
        messages.error(request, str(form.errors.get("text", [NOTE_NOT_SAVED])[0]))
        return redirect(back)
    context = {
        "person": person,
        "note": customers.customer_note_of(user=user, customer=person),
        "note_form": form,
        "note_next": back,
    }
    return render(request, NOTE_TEMPLATE, context, status=400)


@page_methods
@never_cache
@login_required
@friendly_errors()
def organisations_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    customers.check_staff(user)
    organisations = customers.organisations_listed_for(user=user)
    return render(request, "web/organisations.html", {"organisations": organisations})


@page_methods
@never_cache
@login_required
@friendly_errors(not_found_message=ORGANISATION_NOT_FOUND)
def organisation_page(request: HttpRequest, organisation_id: int) -> HttpResponse:
    user = current_user(request)
    detail = customers.organisation_detail(user=user, organisation_id=organisation_id)
    return render(request, "web/organisation.html", {"detail": detail})


@passive  # the browser asks on its own
@never_cache
@require_GET
def news(request: HttpRequest) -> HttpResponse:
    """How many tickets have news for the signed-in user, and which (newest first): the tab
    title's count and the desktop notifications read it."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": "You are not signed in."}, status=401)
    items = customers.news_for(user=current_user(request))
    return JsonResponse(
        {
            "count": len(items),
            "more": len(items) >= customers.NEWS_LIMIT,
            "tickets": [
                {
                    "id": item.ticket_id,
                    "number": item.number,
                    "title": item.title,
                    "reason": item.reason,
                    "url": f"/ticket/{item.ticket_id}",
                }
                for item in items
            ],
        }
    )
