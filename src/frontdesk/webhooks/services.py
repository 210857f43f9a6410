"""The admins' use cases for webhooks: create, change, turn on or off, rotate the secret, send
a test, delete, each recorded in the webhook's history (WebhookChange); and the automation
rules' "send to webhook", run by System. Only admins configure webhooks or read them
(selectors.py): a webhook's URL and secret are the desk's own."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import User
from frontdesk.core import clock
from frontdesk.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from frontdesk.core.ids import is_id
from frontdesk.core.jobs import after_commit
from frontdesk.core.text import is_storable_text
from frontdesk.tickets.models import Ticket
from frontdesk.webhooks import client
from frontdesk.webhooks.models import (
    RULE_EVENT,
    TEST_EVENT,
    Delivery,
    Webhook,
    WebhookChange,
    WebhookEvent,
    WebhookFormat,
)
from frontdesk.webhooks.payloads import event_payload, test_payload

ADMINS_ONLY = gettext_noop("Only admins can see and change webhooks.")
NOT_FOUND = gettext_noop("There is no such webhook.")
NAME_MAX = 100
URL_MAX = 2000
WEBHOOKS_MAX = 50
SECRET_PREFIX = "whsec_"  # noqa: S105 - a marker, not a secret
FIELDS = frozenset({"name", "url", "events", "format", "active"})


def check_admin(actor: User) -> None:
    if not actor.is_admin:
        raise NotAllowed(ADMINS_ONLY)


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _for_update(webhook_id: int) -> Webhook:
    webhook = None
    if is_id(webhook_id):
        webhook = Webhook.objects.select_for_update().filter(pk=webhook_id).first()
    if webhook is None:
        raise NotFound(NOT_FOUND)
    return webhook


def _clean_name(value: object, pk: int | None) -> str:
    if not isinstance(value, str) or not is_storable_text(value):
        raise InvalidInput(gettext_noop("The name must be text."), field="name")
    name = " ".join(value.split())
    if not name:
        raise InvalidInput(gettext_noop("Give the webhook a name."), field="name")
    if len(name) > NAME_MAX:
        raise InvalidInput(
            gettext_noop("A name is at most %(limit)s characters."),
            values={"limit": NAME_MAX},
            field="name",
        )
    same = Webhook.objects.filter(name__iexact=name)
    if (same if pk is None else same.exclude(pk=pk)).exists():
        raise InvalidInput(gettext_noop("Another webhook has this name."), field="name")
    return name


def clean_url(value: object) -> str:
    """An http(s) URL with a host, and no address known to be forbidden (client.py checks
    every resolved address again when sending)."""
    if not isinstance(value, str):
        raise InvalidInput(gettext_noop("The URL must be text."), field="url")
    url = value.strip()
    if not url:
        raise InvalidInput(gettext_noop("Give the URL the events are posted to."), field="url")
    if len(url) > URL_MAX:
        raise InvalidInput(
            gettext_noop("A URL is at most %(limit)s characters."),
            values={"limit": URL_MAX},
            field="url",
        )
    try:
        target = client.parse_url(url)
        client.check_literal(target.host)
    except client.Refused as exc:
        raise InvalidInput(exc.said.text, values=exc.said.values, field="url") from None
    return url


def _clean_events(value: object) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(gettext_noop("Events are a list of event names."), field="events")
    unknown = sorted(set(value) - set(WebhookEvent.values))
    if unknown:
        raise InvalidInput(
            gettext_noop("Unknown events: %(events)s (known: %(known)s)."),
            values={"events": ", ".join(unknown), "known": ", ".join(WebhookEvent.values)},
            field="events",
        )
    if not value:
        raise InvalidInput(gettext_noop("Choose at least one event."), field="events")
    return [event for event in WebhookEvent.values if event in value]


def clean_webhook(values: Mapping[str, Any], *, webhook: Webhook | None = None) -> dict[str, Any]:
    """Every value checked (a change names only what changes); the first problem's field is
    named in the error, and nothing is changed."""
    refused = sorted(set(values) - FIELDS)
    if refused:
        raise InvalidInput(
            gettext_noop("Unknown fields: %(fields)s."),
            values={"fields": ", ".join(refused)},
            field=refused[0],
        )
    merged = {**(snapshot(webhook) if webhook else {}), **values}
    cleaned: dict[str, Any] = {
        "name": _clean_name(merged.get("name", ""), webhook.pk if webhook else None),
        "url": clean_url(merged.get("url", "")),
        "events": _clean_events(merged.get("events", [])),
    }
    fmt = merged.get("format", WebhookFormat.JSON)
    if fmt not in WebhookFormat.values:
        raise InvalidInput(gettext_noop("The format is json or slack."), field="format")
    cleaned["format"] = fmt
    active = merged.get("active", True)
    if not isinstance(active, bool):
        raise InvalidInput(gettext_noop("Active is true or false."), field="active")
    cleaned["active"] = active
    return cleaned


def snapshot(webhook: Webhook) -> dict[str, Any]:
    """The values the history keeps (never the secret)."""
    return {
        "name": webhook.name,
        "url": webhook.url,
        "events": list(webhook.events),
        "format": webhook.format,
        "active": webhook.active,
    }


def _record(webhook: Webhook, actor: User, kind: str, before: dict[str, Any]) -> None:
    deleted = kind == WebhookChange.Kind.DELETED
    WebhookChange.objects.create(
        webhook=None if deleted else webhook,
        webhook_name=webhook.name,
        actor=actor,
        kind=kind,
        before=before,
        after={} if deleted else snapshot(webhook),
    )


def _save(webhook: Webhook) -> None:
    try:
        with transaction.atomic():
            webhook.save()
    except IntegrityError:
        raise Conflict(gettext_noop("Another webhook has this name."), field="name") from None


def webhook_create(*, actor: User, values: Mapping[str, Any]) -> Webhook:
    """A new webhook with a new secret (shown to admins, to configure the receiver)."""
    check_admin(actor)
    with transaction.atomic():
        if Webhook.objects.count() >= WEBHOOKS_MAX:
            raise InvalidInput(
                gettext_noop("There can be at most %(limit)s webhooks."),
                values={"limit": WEBHOOKS_MAX},
                field="name",
            )
        moment = clock.now()
        webhook = Webhook(
            **clean_webhook(values),
            secret=new_secret(),
            created_by=actor,
            updated_by=actor,
            created_at=moment,
            updated_at=moment,
        )
        _save(webhook)
        _record(webhook, actor, WebhookChange.Kind.CREATED, {})
    return webhook


def webhook_update(*, actor: User, webhook_id: int, changes: Mapping[str, Any]) -> Webhook:
    """Change what ``changes`` names (turning it on or off is a change of ``active``)."""
    check_admin(actor)
    with transaction.atomic():
        webhook = _for_update(webhook_id)
        cleaned = clean_webhook(changes, webhook=webhook)
        before = snapshot(webhook)
        for name, value in cleaned.items():
            setattr(webhook, name, value)
        if snapshot(webhook) == before:
            return webhook
        webhook.updated_by, webhook.updated_at = actor, clock.now()
        _save(webhook)
        _record(webhook, actor, WebhookChange.Kind.CHANGED, before)
    return webhook


def webhook_rotate_secret(*, actor: User, webhook_id: int) -> Webhook:
    """A new secret; the old one signs nothing from now on (deliveries still waiting are
    signed with the new one when they are sent)."""
    check_admin(actor)
    with transaction.atomic():
        webhook = _for_update(webhook_id)
        webhook.secret = new_secret()
        webhook.updated_by, webhook.updated_at = actor, clock.now()
        webhook.save(update_fields=["secret", "updated_by", "updated_at"])
        _record(webhook, actor, WebhookChange.Kind.ROTATED, snapshot(webhook))
    return webhook


def webhook_delete(*, actor: User, webhook_id: int) -> None:
    """Delete a webhook and its delivery log (waiting deliveries are not sent); its history
    stays, under its name."""
    check_admin(actor)
    with transaction.atomic():
        webhook = _for_update(webhook_id)
        _record(webhook, actor, WebhookChange.Kind.DELETED, snapshot(webhook))
        webhook.delete()


def webhook_test(*, actor: User, webhook_id: int) -> Delivery:
    """Queue a test event (``webhook.test``), sent once by the worker, on or off: its outcome
    appears in the delivery log."""
    check_admin(actor)
    with transaction.atomic():
        webhook = _for_update(webhook_id)
        delivery = Delivery.objects.create(
            webhook=webhook, event=TEST_EVENT, payload=test_payload()
        )
        _record(webhook, actor, WebhookChange.Kind.TESTED, snapshot(webhook))
        send_after_commit([delivery.pk])
    return delivery


def delivery_resend(*, actor: User, webhook_id: int, delivery_id: int) -> Delivery:
    """Send a failed delivery again, from its first attempt, with the same event id (the
    receiver sees it is the same event) and the same payload."""
    check_admin(actor)
    with transaction.atomic():
        webhook = _for_update(webhook_id)
        delivery = None
        if is_id(delivery_id):
            delivery = (
                Delivery.objects.select_for_update().filter(pk=delivery_id, webhook=webhook).first()
            )
        if delivery is None:
            raise NotFound(gettext_noop("There is no such delivery."))
        if delivery.status != Delivery.Status.FAILED:
            raise InvalidInput(
                gettext_noop("Only a failed delivery can be sent again."), field="delivery"
            )
        delivery.status = Delivery.Status.PENDING
        delivery.attempts = 0
        delivery.next_attempt_at = clock.now()
        delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
        _record(webhook, actor, WebhookChange.Kind.RESENT, {"delivery": delivery.pk})
        send_after_commit([delivery.pk])
    return delivery


def webhook_send_for_rule(
    *, webhook_id: int, ticket_id: int, rule_id: int | None, name: str
) -> int:
    """An automation rule's "send to webhook": a ``rule.matched`` delivery of the ticket as it
    is, written in the caller's transaction and sent by the worker once it commits. Refused
    when the webhook is off or gone (the rule's log says so)."""
    webhook = Webhook.objects.filter(pk=webhook_id, active=True).first()
    if webhook is None:
        raise InvalidInput(gettext_noop("the webhook is off or was deleted."))
    ticket = Ticket.objects.select_related("requester", "assignee").get(pk=ticket_id)
    extra = {"rule": {"id": rule_id, "name": name}}
    row = Delivery.objects.create(
        webhook=webhook,
        event=RULE_EVENT,
        ticket_id=ticket.pk,
        payload=event_payload(RULE_EVENT, ticket, extra=extra),
    )
    send_after_commit([row.pk])
    return row.pk


def send_after_commit(delivery_ids: list[int]) -> None:
    """Ask the worker to send these deliveries once the transaction commits. Not queued
    (Redis away): they stay due, and the minute sweep sends them."""

    def send() -> None:
        from frontdesk.webhooks.tasks import deliveries_send

        deliveries_send(delivery_ids)

    after_commit(send, what="queue webhook deliveries")
