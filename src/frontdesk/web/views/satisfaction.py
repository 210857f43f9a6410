"""Customer satisfaction's pages: the page a survey link opens (no sign-in: the signed link
stands for the requester), and the rating card of the requester's ticket page. Opening a link
changes nothing: the page has the link's choice ticked, a comment box and a Send button, and
only its POST (with the CSRF token) records the answer. Rules: satisfaction/services.py."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from frontdesk.core.errors import Conflict, NotFound
from frontdesk.satisfaction import services
from frontdesk.satisfaction.models import Rating
from frontdesk.web.pages import (
    FORM_ERRORS,
    current_user,
    friendly_errors,
    not_found,
    page_methods,
    with_form_error,
)

PAGE = "web/survey.html"
THANKS = gettext_noop("Thank you for your answer!")


@page_methods
@never_cache
def survey_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        survey, chosen = services.survey_from_link(raw=token)
    except NotFound as exc:
        return not_found(request, exc.said())
    context = {
        "survey": survey,
        "ticket": survey.ticket,
        "chosen": request.POST.get("rating", chosen),
        "comment": request.POST.get("comment", ""),
        "ratings": Rating.choices,
        "comment_max": services.COMMENT_MAX,
    }
    if request.method != "POST" or survey.is_answered:
        return render(request, PAGE, {**context, "done": survey.is_answered})
    try:
        answered = services.survey_answer_by_link(
            raw=token,
            rating=request.POST.get("rating"),
            comment=request.POST.get("comment", ""),
        )
    except Conflict:
        return render(request, PAGE, {**context, "done": True})
    except FORM_ERRORS as exc:
        response = render(request, PAGE, {**context, "error": exc}, status=400)
        return with_form_error(response, exc)
    except NotFound as exc:
        return not_found(request, exc.said())
    return render(
        request, PAGE, {**context, "survey": answered, "done": True, "thanks": gettext(THANKS)}
    )


@never_cache
@require_POST
@login_required
@friendly_errors(not_found_message="There is no ticket with that number.")
def ticket_rate(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The requester's rating from their ticket's page (POST/redirect/GET with a toast)."""
    user = current_user(request)
    try:
        services.survey_answer(
            actor=user,
            ticket_id=ticket_id,
            rating=request.POST.get("rating"),
            comment=request.POST.get("comment", ""),
        )
    except FORM_ERRORS as exc:
        messages.error(request, exc.said())
    else:
        messages.success(request, gettext(THANKS))
    return redirect(f"/ticket/{ticket_id}")
