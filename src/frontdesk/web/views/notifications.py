"""The notification choices on the profile page, and the one-click unsubscribe link every
notification mail carries (RFC 8058)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from frontdesk.core.errors import NotFound
from frontdesk.notifications import preferences as notifications
from frontdesk.web.notification_forms import NotificationSettingsForm
from frontdesk.web.pages import FORM_ERRORS, current_user, not_found, page_methods
from frontdesk.web.views.account import profile_with

SECTION_TEMPLATE = "web/_notification_settings.html"
SAVED = "Saved: which mails you get."


@never_cache
@require_POST
@login_required
def profile_notifications(request: HttpRequest) -> HttpResponse:
    """Save one's notification choices. With htmx the section is answered in place; without,
    the profile page again (POST/redirect/GET), or with the error beside its field."""
    user = current_user(request)
    form = NotificationSettingsForm(request.POST, preferences=notifications.preferences_of(user))
    htmx = bool(getattr(request, "htmx", False))
    if form.is_valid():
        enabled, digest = form.choices()
        try:
            chosen = notifications.notification_preferences_set(
                actor=user, user=user, enabled=enabled, digest=digest
            )
        except FORM_ERRORS as exc:
            form.add_domain_error(exc)
        else:
            if not htmx:
                messages.success(request, SAVED)
                return redirect("/profile#notifications")
            fresh = NotificationSettingsForm(preferences=chosen)
            context = {"notifications_form": fresh, "notifications_saved": SAVED}
            return render(request, SECTION_TEMPLATE, context)
    if htmx:
        return render(request, SECTION_TEMPLATE, {"notifications_form": form}, status=400)
    return profile_with(request, user, 400, notifications_form=form)


@page_methods
@never_cache
@csrf_exempt
def unsubscribe_page(request: HttpRequest, token: str) -> HttpResponse:
    """GET: what the link turns off, with a button (a mail scanner that follows links changes
    nothing). POST: turn it off, no sign-in needed. Mail programs send RFC 8058's one-click
    POST without a cookie or a CSRF token, so this one view is exempt: the signed token is
    what no other site can forge, and it turns off one kind for one user, nothing more."""
    try:
        if request.method == "POST":
            done = notifications.notification_unsubscribe(token=token)
            return render(request, "web/unsubscribe.html", {"target": done, "done": True})
        target = notifications.unsubscribe_target(token=token)
    except NotFound as exc:
        return not_found(request, exc.said())
    return render(request, "web/unsubscribe.html", {"target": target, "done": False})
