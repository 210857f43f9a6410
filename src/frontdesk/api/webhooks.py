"""Webhooks in the REST API (/api/ticketing/webhooks/): admins list, create, change, delete,
test them, rotate their secrets and read their delivery logs; agents and customers get 403.
Rules and permissions: webhooks/services.py and webhooks/selectors.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from frontdesk.api.auth import caller
from frontdesk.api.schemas import ErrorOut
from frontdesk.webhooks import selectors, services
from frontdesk.webhooks.models import Delivery, Webhook

router = Router(tags=["Webhooks"])

LIST = frozenset({401, 403, 429})
READ = frozenset({401, 403, 404, 429})
WRITE = frozenset({400, 401, 403, 404, 409, 413, 415, 429})
DELETE = frozenset({400, 401, 403, 404, 429})

EVENTS_HELP = (
    "Any of ticket.created, message.public, message.internal (internal notes), "
    "ticket.status_changed, ticket.assigned, ticket.priority_changed, sla.warning, sla.breach."
)
FORMAT_HELP = 'json (the signed event) or slack (an incoming-webhook body, {"text": ...}).'


def _answers(ok: dict[int, Any], errors: frozenset[int]) -> dict[Any, Any]:
    return {**ok, errors: ErrorOut}


class _Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class WebhookOut(Schema):
    id: int
    name: str
    url: str
    events: list[str] = Field(description=EVENTS_HELP)
    format: str = Field(description=FORMAT_HELP)
    active: bool
    created_at: datetime
    updated_at: datetime


class WebhookSecretOut(WebhookOut):
    secret: str = Field(
        description="Signs every delivery (Frontdesk-Signature); shown when the webhook is "
        "created or its secret rotated."
    )


class WebhookIn(_Strict):
    name: str = Field(max_length=100)
    url: str = Field(max_length=2000, description="http:// or https://, to a public address.")
    events: list[str] = Field(description=EVENTS_HELP)
    format: str = Field("json", description=FORMAT_HELP)
    active: bool = True


class WebhookPatchIn(_Strict):
    name: str | None = Field(None, max_length=100)
    url: str | None = Field(None, max_length=2000)
    events: list[str] | None = None
    format: str | None = None
    active: bool | None = None


class DeliveryOut(Schema):
    id: int
    webhook: int
    event: str
    event_id: UUID = Field(description="Sent as Frontdesk-Event-Id with every attempt.")
    ticket: int | None
    payload: dict[str, Any]
    status: str = Field(description="pending, sending, delivered or failed (given up).")
    attempts: int
    next_attempt_at: datetime
    response_code: int | None
    response_excerpt: str
    error: str
    created_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None

    @staticmethod
    def resolve_webhook(obj: Any) -> int:
        return int(obj.webhook_id)

    @staticmethod
    def resolve_ticket(obj: Any) -> int | None:
        return obj.ticket_id


def _values(payload: Schema, *, partial: bool) -> dict[str, Any]:
    values = payload.model_dump(exclude_unset=partial)
    return {name: value for name, value in values.items() if not partial or value is not None}


@router.get("/", response=_answers({200: list[WebhookOut]}, LIST), url_name="webhooks")
def webhooks(request: HttpRequest) -> list[Webhook]:
    """Every webhook (admins)."""
    return list(selectors.webhooks_list(user=caller(request)))


@router.post("/", response=_answers({201: WebhookSecretOut}, WRITE), url_name="webhooks_create")
def webhooks_create(request: HttpRequest, payload: WebhookIn) -> Status[Webhook]:
    """A new webhook with a new secret (admins)."""
    webhook = services.webhook_create(actor=caller(request), values=_values(payload, partial=False))
    return Status(201, webhook)


@router.get("/{int:webhook_id}/", response=_answers({200: WebhookOut}, READ), url_name="webhook")
def webhook(request: HttpRequest, webhook_id: int) -> Webhook:
    return selectors.webhook_get(user=caller(request), webhook_id=webhook_id)


@router.patch(
    "/{int:webhook_id}/", response=_answers({200: WebhookOut}, WRITE), url_name="webhook_patch"
)
def webhook_patch(request: HttpRequest, webhook_id: int, payload: WebhookPatchIn) -> Webhook:
    """Change what is sent (admins); `active` turns the webhook on or off."""
    return services.webhook_update(
        actor=caller(request), webhook_id=webhook_id, changes=_values(payload, partial=True)
    )


@router.delete(
    "/{int:webhook_id}/", response=_answers({204: None}, DELETE), url_name="webhook_delete"
)
def webhook_delete(request: HttpRequest, webhook_id: int) -> Status[None]:
    """Delete a webhook and its delivery log (admins)."""
    services.webhook_delete(actor=caller(request), webhook_id=webhook_id)
    return Status(204, None)


@router.post(
    "/{int:webhook_id}/rotate-secret/",
    response=_answers({200: WebhookSecretOut}, WRITE),
    url_name="webhook_rotate_secret",
)
def webhook_rotate_secret(request: HttpRequest, webhook_id: int) -> Webhook:
    """A new secret; the old one signs nothing more (admins)."""
    return services.webhook_rotate_secret(actor=caller(request), webhook_id=webhook_id)


@router.post(
    "/{int:webhook_id}/test/",
    response=_answers({202: DeliveryOut}, WRITE),
    url_name="webhook_test",
)
def webhook_test(request: HttpRequest, webhook_id: int) -> Status[Delivery]:
    """Queue a test event (webhook.test), tried once; read its outcome in the deliveries."""
    return Status(202, services.webhook_test(actor=caller(request), webhook_id=webhook_id))


@router.get(
    "/{int:webhook_id}/deliveries/",
    response=_answers({200: list[DeliveryOut]}, READ),
    url_name="webhook_deliveries",
)
def webhook_deliveries(request: HttpRequest, webhook_id: int) -> list[Delivery]:
    """The webhook's newest 50 deliveries, newest first (admins)."""
    return selectors.webhook_deliveries(user=caller(request), webhook_id=webhook_id)


@router.post(
    "/{int:webhook_id}/deliveries/{int:delivery_id}/resend/",
    response=_answers({202: DeliveryOut}, WRITE),
    url_name="webhook_delivery_resend",
)
def webhook_delivery_resend(request: HttpRequest, webhook_id: int, delivery_id: int) -> Any:
    """Send a failed delivery again, with the same event id (admins)."""
    delivery = services.delivery_resend(
        actor=caller(request), webhook_id=webhook_id, delivery_id=delivery_id
    )
    return Status(202, delivery)
