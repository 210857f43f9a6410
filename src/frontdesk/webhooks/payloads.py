"""What a webhook receives: only what its events need. The ticket's id, number, title, status,
priority, requester (id, username) and assignee; the change for a change; the message's body
for a public reply, and for an internal note only to a webhook that asked for notes. Written
once when the event is fanned out, so every retry sends the same words."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.conf import settings

from frontdesk.accounts.models import User
from frontdesk.core.clock import now
from frontdesk.tickets.models import Message, Ticket
from frontdesk.webhooks.models import RULE_EVENT, TEST_EVENT, WebhookEvent, WebhookFormat

BODY_MAX = 16 * 1024  # characters of a message sent; the rest is cut (the ticket has it all)
SLACK_TEXT_MAX = 600
SIGNATURE_HEADER = "Frontdesk-Signature"
EVENT_ID_HEADER = "Frontdesk-Event-Id"
EVENT_HEADER = "Frontdesk-Event"


def _person(user: User | None) -> dict[str, Any] | None:
    return None if user is None else {"id": user.pk, "username": user.username}


def ticket_part(ticket: Ticket) -> dict[str, Any]:
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "title": ticket.title,
        "status": ticket.status,
        "priority": ticket.priority,
        "requester": _person(ticket.requester),
        "assignee": _person(ticket.assignee),
        "url": f"{settings.FRONTDESK_SITE_URL}/ticket/{ticket.pk}",
    }


def message_part(message: Message) -> dict[str, Any]:
    body = message.body
    return {
        "id": message.pk,
        "kind": message.kind,
        "author": _person(message.author),
        "body": body[:BODY_MAX],
        "truncated": len(body) > BODY_MAX,
    }


def event_payload(
    event: str, ticket: Ticket | None, *, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The body of a JSON delivery, without its id (added per webhook: delivery.py)."""
    payload: dict[str, Any] = {"event": event, "occurred_at": now().isoformat()}
    if ticket is not None:
        payload["ticket"] = ticket_part(ticket)
    payload.update(extra or {})
    return payload


def test_payload() -> dict[str, Any]:
    return event_payload(TEST_EVENT, None, extra={"message": None, "test": True})


def _slack_text(payload: dict[str, Any]) -> str:
    event = payload.get("event", "")
    ticket = payload.get("ticket")
    if ticket is None:
        return "Frontdesk test: this webhook works."
    head = f"<{ticket['url']}|{ticket['number']} {ticket['title']}>"
    change = payload.get("change") or {}
    message = payload.get("message") or {}
    who = (message.get("author") or {}).get("username", "")
    words: dict[str, str] = {
        WebhookEvent.TICKET_CREATED: f"New ticket {head} from "
        f"{(ticket.get('requester') or {}).get('username', '')}",
        WebhookEvent.MESSAGE_PUBLIC: f"{who} replied on {head}: {message.get('body', '')}",
        WebhookEvent.MESSAGE_INTERNAL: f"{who} wrote a note on {head}: {message.get('body', '')}",
        WebhookEvent.STATUS_CHANGED: f"{head}: status {change.get('old')} → {change.get('new')}",
        WebhookEvent.ASSIGNED: f"{head}: assigned to "
        f"{(ticket.get('assignee') or {}).get('username') or 'nobody'}",
        WebhookEvent.PRIORITY_CHANGED: f"{head}: priority {change.get('old')} → "
        f"{change.get('new')}",
        WebhookEvent.SLA_WARNING: f"{head}: an SLA target nears "
        f"({(payload.get('sla') or {}).get('metric', '')})",
        WebhookEvent.SLA_BREACH: f"{head}: an SLA target was missed "
        f"({(payload.get('sla') or {}).get('metric', '')})",
    }
    if event == RULE_EVENT:
        words[event] = f"{head}: the rule “{(payload.get('rule') or {}).get('name', '')}” matched"
    text = words.get(event, f"{head}: {event}")
    return text if len(text) <= SLACK_TEXT_MAX else text[: SLACK_TEXT_MAX - 1] + "…"


def body_for(payload: dict[str, Any], fmt: str) -> bytes:
    """The bytes sent: the payload as JSON, or Slack's ``{"text": ...}``."""
    data = {"text": _slack_text(payload)} if fmt == WebhookFormat.SLACK else payload
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`` (docs/webhooks.md)."""
    signed = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"
