"""The demo's webhooks (`frontdesk demo`): the studio's chat room (Slack format) and its
booking system (signed JSON), both off — a demo desk posts nowhere — with a short delivery log
each, so the pages show what a working webhook looks like."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from frontdesk.accounts.models import Role, User
from frontdesk.core import clock
from frontdesk.tickets.models import Ticket
from frontdesk.webhooks.models import Delivery, Webhook, WebhookEvent
from frontdesk.webhooks.payloads import event_payload
from frontdesk.webhooks.services import webhook_create

WEBHOOKS: list[dict[str, Any]] = [
    {
        "name": "Studio chat: new tickets and SLA breaches",
        "url": "https://chat.example.com/hooks/frontdesk-desk",
        "events": [WebhookEvent.TICKET_CREATED, WebhookEvent.SLA_BREACH],
        "format": "slack",
        "active": False,
    },
    {
        "name": "Booking system: status changes",
        "url": "https://bookings.example.com/api/frontdesk-events",
        "events": [WebhookEvent.TICKET_CREATED, WebhookEvent.STATUS_CHANGED],
        "format": "json",
        "active": False,
    },
]


def demo_webhooks_create() -> str:
    """Add the demo's webhooks that are missing (by name), by the first admin, with a few
    deliveries from the newest tickets."""
    admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
    if admin is None:
        return "No admin: no webhooks added."
    existing = {name.lower() for name in Webhook.objects.values_list("name", flat=True)}
    tickets = list(Ticket.objects.select_related("requester", "assignee").order_by("-pk")[:3])
    added = 0
    for values in WEBHOOKS:
        if values["name"].lower() in existing:
            continue
        webhook = webhook_create(actor=admin, values=values)
        added += 1
        moment = clock.now()
        rows = []
        for number, ticket in enumerate(tickets):
            sent = moment - timedelta(hours=number + 1)
            failed = number == len(tickets) - 1
            rows.append(
                Delivery(
                    webhook=webhook,
                    event=WebhookEvent.TICKET_CREATED,
                    ticket_id=ticket.pk,
                    payload=event_payload(WebhookEvent.TICKET_CREATED, ticket),
                    status=Delivery.Status.FAILED if failed else Delivery.Status.DELIVERED,
                    attempts=6 if failed else 1,
                    response_code=503 if failed else 200,
                    response_excerpt="upstream unavailable" if failed else "ok",
                    error="The receiver answered 503." if failed else "",
                    created_at=sent,
                    last_attempt_at=sent,
                    delivered_at=None if failed else sent,
                )
            )
        Delivery.objects.bulk_create(rows)
    return f"Added {added} webhooks, off (see /webhooks)."
