"""Webhooks for admins: the list, a form (name, URL, events as checkboxes, format, on or off),
the secret with "rotate", "send test", delete, and the delivery log per webhook. The rules and
checks are webhooks/services.py's; this only parses the form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from frontdesk.core.errors import Conflict, InvalidInput
from frontdesk.web.pages import current_user, friendly_errors, page_methods
from frontdesk.webhooks import selectors, services
from frontdesk.webhooks.models import Delivery, Webhook, WebhookEvent, WebhookFormat

WEBHOOKS_PATH = "/webhooks"


def _values(data: QueryDict) -> dict[str, Any]:
    return {
        "name": data.get("name", ""),
        "url": data.get("url", ""),
        "events": data.getlist("events"),
        "format": data.get("format", WebhookFormat.JSON),
        "active": data.get("active") == "on",
    }


def _form(
    request: HttpRequest,
    values: dict[str, Any],
    webhook: Webhook | None,
    *,
    status: int = 200,
    error: InvalidInput | Conflict | None = None,
) -> HttpResponse:
    context: dict[str, Any] = {
        "values": values,
        "webhook": webhook,
        "error": error,
        "events": WebhookEvent.choices,
        "formats": WebhookFormat.choices,
    }
    if webhook is not None:
        user = current_user(request)
        context["deliveries"] = selectors.webhook_deliveries(user=user, webhook_id=webhook.pk)
        context["changes"] = selectors.webhook_changes(user=user, webhook_id=webhook.pk)
    return render(request, "web/webhook.html", context, status=status)


def _save(request: HttpRequest, webhook: Webhook | None) -> HttpResponse:
    user = current_user(request)
    values = _values(request.POST)
    try:
        if webhook is None:
            webhook = services.webhook_create(actor=user, values=values)
        else:
            webhook = services.webhook_update(actor=user, webhook_id=webhook.pk, changes=values)
    except (InvalidInput, Conflict) as exc:
        return _form(request, values, webhook, error=exc, status=400)
    saved = (
        gettext("Webhook “%(name)s” saved (on).")
        if webhook.active
        else gettext("Webhook “%(name)s” saved (off).")
    )
    messages.success(request, saved % {"name": webhook.name})
    return redirect(f"{WEBHOOKS_PATH}/{webhook.pk}")


@page_methods
@never_cache
@login_required
@friendly_errors()
def webhooks_page(request: HttpRequest) -> HttpResponse:
    webhooks = list(selectors.webhooks_list(user=current_user(request)))
    labels = dict(WebhookEvent.choices)
    statuses = dict(Delivery.Status.choices)
    shown = [
        {
            "webhook": w,
            "events": [labels.get(e, e) for e in w.events],
            "last_label": statuses.get(getattr(w, "last_status", None) or "", ""),
        }
        for w in webhooks
    ]
    return render(request, "web/webhooks.html", {"webhooks": shown})


@page_methods
@never_cache
@login_required
@friendly_errors()
def webhook_new(request: HttpRequest) -> HttpResponse:
    services.check_admin(current_user(request))
    if request.method == "POST":
        return _save(request, None)
    start = {"events": [WebhookEvent.TICKET_CREATED], "format": WebhookFormat.JSON, "active": True}
    return _form(request, start, None)


@page_methods
@never_cache
@login_required
@friendly_errors(not_found_message=services.NOT_FOUND)
def webhook_page(request: HttpRequest, webhook_id: int) -> HttpResponse:
    webhook = selectors.webhook_get(user=current_user(request), webhook_id=webhook_id)
    if request.method == "POST":
        return _save(request, webhook)
    return _form(request, services.snapshot(webhook), webhook)


@never_cache
@require_POST
@login_required
@friendly_errors(not_found_message=services.NOT_FOUND)
def webhook_test(request: HttpRequest, webhook_id: int) -> HttpResponse:
    services.webhook_test(actor=current_user(request), webhook_id=webhook_id)
    messages.success(request, gettext("Test sent to the worker: its outcome is in the log below."))
    return redirect(f"{WEBHOOKS_PATH}/{webhook_id}#deliveries")


@never_cache
@require_POST
@login_required
@friendly_errors(not_found_message=services.NOT_FOUND)
def webhook_rotate(request: HttpRequest, webhook_id: int) -> HttpResponse:
    services.webhook_rotate_secret(actor=current_user(request), webhook_id=webhook_id)
    messages.success(
        request, gettext("New secret made: give it to the receiver; the old one is void.")
    )
    return redirect(f"{WEBHOOKS_PATH}/{webhook_id}#secret")


@never_cache
@require_POST
@login_required
@friendly_errors(not_found_message="There is no such delivery.")
def delivery_resend(request: HttpRequest, webhook_id: int, delivery_id: int) -> HttpResponse:
    try:
        services.delivery_resend(
            actor=current_user(request), webhook_id=webhook_id, delivery_id=delivery_id
        )
    except InvalidInput as exc:
        messages.error(request, exc.said())
    else:
        messages.success(
            request, gettext("Sent to the worker again: its outcome is in the log below.")
        )
    return redirect(f"{WEBHOOKS_PATH}/{webhook_id}#deliveries")


@never_cache
@require_POST
@login_required
@friendly_errors(not_found_message=services.NOT_FOUND)
def webhook_delete(request: HttpRequest, webhook_id: int) -> HttpResponse:
    services.webhook_delete(actor=current_user(request), webhook_id=webhook_id)
    messages.success(request, gettext("Webhook deleted, with its delivery log."))
    return redirect(WEBHOOKS_PATH)
