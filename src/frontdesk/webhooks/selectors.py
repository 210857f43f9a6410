"""Reading webhooks, their delivery log and their history: admins only (a webhook's URL and
secret are the desk's own). The events some active webhook wants are cached for the signal
receivers, which ask on every ticket change."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import OuterRef, QuerySet, Subquery

from frontdesk.accounts.models import User
from frontdesk.core.errors import NotFound
from frontdesk.core.ids import is_id
from frontdesk.webhooks.models import Delivery, Webhook, WebhookChange
from frontdesk.webhooks.services import NOT_FOUND, check_admin

DELIVERIES_SHOWN = 50
DELIVERIES_MAX = 200
AWAITED_CACHE_KEY = "frontdesk:webhook-events-awaited"
AWAITED_MAX_AGE_SECONDS = 60


def webhooks_list(*, user: User) -> QuerySet[Webhook]:
    """Every webhook, each with its newest delivery's status and time (``last_status``,
    ``last_at``; None before any): one query."""
    check_admin(user)
    newest = Delivery.objects.filter(webhook=OuterRef("pk")).order_by("-id")
    return Webhook.objects.annotate(
        last_status=Subquery(newest.values("status")[:1]),
        last_at=Subquery(newest.values("created_at")[:1]),
    ).order_by("name", "id")


def webhook_get(*, user: User, webhook_id: int) -> Webhook:
    check_admin(user)
    webhook = Webhook.objects.filter(pk=webhook_id).first() if is_id(webhook_id) else None
    if webhook is None:
        raise NotFound(NOT_FOUND)
    return webhook


def webhook_deliveries(
    *, user: User, webhook_id: int, limit: int = DELIVERIES_SHOWN
) -> list[Delivery]:
    """The webhook's newest deliveries."""
    webhook = webhook_get(user=user, webhook_id=webhook_id)
    rows = Delivery.objects.filter(webhook=webhook).order_by("-id")
    return list(rows[: min(max(1, limit), DELIVERIES_MAX)])


def webhook_changes(*, user: User, webhook_id: int, limit: int = 10) -> list[WebhookChange]:
    webhook = webhook_get(user=user, webhook_id=webhook_id)
    changes = WebhookChange.objects.filter(webhook=webhook).select_related("actor")
    return list(changes.order_by("-id")[: min(max(1, limit), DELIVERIES_MAX)])


def events_awaited() -> frozenset[str]:
    """The events some active webhook wants: kept in the cache, dropped when a webhook is
    saved or deleted (signals.py); another process with a local-memory cache sees a change
    within a minute."""
    found: frozenset[str] | None = cache.get(AWAITED_CACHE_KEY)
    if found is None:
        found = frozenset(
            event
            for events in Webhook.objects.filter(active=True).values_list("events", flat=True)
            for event in events
        )
        cache.set(AWAITED_CACHE_KEY, found, AWAITED_MAX_AGE_SECONDS)
    return found
