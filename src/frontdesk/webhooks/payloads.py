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
SLACK_BODY_MAX = 400  # characters of a message quoted in a chat room
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


def slack_escape(text: object) -> str:
    """Text as Slack shows it literally: ``&``, ``<`` and ``>`` escaped, so a customer's title
    or message cannot make a link or a mention (``<!channel>``) in the room."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_text(payload: dict[str, Any]) -> str:
    event = payload.get("event", "")
    ticket = payload.get("ticket")
    if ticket is None:
        return "Frontdesk test: this webhook works."
    label = slack_escape(f"{ticket['number']} {ticket['title']}").replace("|", "¦")
    head = f"<{ticket['url']}|{label}>"
    change = payload.get("change") or {}
    message = payload.get("message") or {}
    body = str(message.get("body", ""))
    body = slack_escape(body if len(body) <= SLACK_BODY_MAX else body[:SLACK_BODY_MAX] + "…")
    who = slack_escape((message.get("author") or {}).get("username", ""))
    requester = slack_escape((ticket.get("requester") or {}).get("username", ""))
    assignee = slack_escape((ticket.get("assignee") or {}).get("username") or "nobody")
    metric = slack_escape((payload.get("sla") or {}).get("metric", ""))
    old, new = slack_escape(change.get("old", "")), slack_escape(change.get("new", ""))
    rule = slack_escape((payload.get("rule") or {}).get("name", ""))
    words: dict[str, str] = {
        WebhookEvent.TICKET_CREATED: f"New ticket {head} from {requester}",
        WebhookEvent.MESSAGE_PUBLIC: f"{who} replied on {head}: {body}",
        WebhookEvent.MESSAGE_INTERNAL: f"{who} wrote a note on {head}: {body}",
        WebhookEvent.STATUS_CHANGED: f"{head}: status {old} → {new}",
        WebhookEvent.ASSIGNED: f"{head}: assigned to {assignee}",
        WebhookEvent.PRIORITY_CHANGED: f"{head}: priority {old} → {new}",
        WebhookEvent.SLA_WARNING: f"{head}: an SLA target nears ({metric})",
        WebhookEvent.SLA_BREACH: f"{head}: an SLA target was missed ({metric})",
        RULE_EVENT: f"{head}: the rule “{rule}” matched",
    }
    return words.get(event, f"{head}: {slack_escape(event)}")


def body_for(payload: dict[str, Any], fmt: str) -> bytes:
    """The bytes sent: the payload as JSON, or Slack's ``{"text": ...}``."""
    data = {"text": _slack_text(payload)} if fmt == WebhookFormat.SLACK else payload
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`` (docs/webhooks.md)."""
    signed = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"
