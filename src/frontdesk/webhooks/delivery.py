"""Send webhook deliveries: fan an event out to the webhooks that want it, claim a delivery,
post it signed, record what happened, and retry.

* A delivery is sent only by whoever claims it: a conditional UPDATE (pending and due →
  sending, one more attempt), so any number of workers and sweeps may try the same row and
  one wins. A claim lapses after CLAIM_LAPSES_AFTER (a worker that stopped mid-send); the
  sweep then tries it again, with the same event id, which the receiver uses to see it twice.
* A network error, a timeout, a 408, a 429 or a 5xx is retried after RETRY_WAITS (1 minute,
  5, 30, 2 hours, 6 hours; longer when the receiver's Retry-After asks, up to 6 hours), then
  given up. A refused destination, a redirect or another 4xx
  fails at once: trying again would answer the same. A test is tried once.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import F, Q

from frontdesk.core import clock
from frontdesk.tickets.models import Message, Ticket
from frontdesk.webhooks import client
from frontdesk.webhooks.models import TEST_EVENT, Delivery, Webhook
from frontdesk.webhooks.payloads import (
    EVENT_HEADER,
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    body_for,
    event_payload,
    message_part,
    signature,
)

log = logging.getLogger(__name__)

Status = Delivery.Status

RETRY_WAITS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
MAX_ATTEMPTS = len(RETRY_WAITS) + 1
CLAIM_LAPSES_AFTER = timedelta(minutes=2)
RETRY_STATUSES = frozenset({408, 429})
SWEEP_BATCH = 100
LOG_KEPT = timedelta(days=30)  # finished deliveries older than this leave the log
PRUNE_BATCH = 1000
USER_AGENT = "Frontdesk-Webhooks/1"


def timeout() -> float:
    return float(getattr(settings, "FRONTDESK_WEBHOOKS_TIMEOUT_SECONDS", 5))


def deliveries_fan_out(
    *,
    event: str,
    ticket_id: int,
    message_id: int | None = None,
    change: dict[str, Any] | None = None,
    sla: dict[str, Any] | None = None,
    occurred_at: str | None = None,
) -> list[int]:
    """One delivery for each active webhook that wants ``event``, with the ticket as it is
    now; the ids written (none when nobody wants it, or the ticket or message is gone)."""
    hooks = [hook for hook in Webhook.objects.filter(active=True) if event in hook.events]
    if not hooks:
        return []
    ticket = Ticket.objects.select_related("requester", "assignee").filter(pk=ticket_id).first()
    if ticket is None:
        return []
    extra: dict[str, Any] = {}
    if message_id is not None:
        message = (
            Message.objects.select_related("author").filter(pk=message_id, ticket=ticket).first()
        )
        if message is None:
            return []
        extra["message"] = message_part(message)
    if change is not None:
        extra["change"] = change
    if sla is not None:
        extra["sla"] = sla
    payload = event_payload(event, ticket, extra=extra)
    if occurred_at is not None:
        payload["occurred_at"] = occurred_at  # when it happened, not when the worker heard
    rows = Delivery.objects.bulk_create(
        [
            Delivery(webhook=hook, event=event, ticket_id=ticket.pk, payload=payload)
            for hook in hooks
        ]
    )
    return [row.pk for row in rows]


def _claim(delivery_id: int) -> Delivery | None:
    """The delivery, claimed for one attempt, if it is due and nobody holds it."""
    moment = clock.now()
    due = Q(status=Status.PENDING) | Q(status=Status.SENDING)
    claimed = (
        Delivery.objects.filter(due, pk=delivery_id, next_attempt_at__lte=moment)
        .filter(attempts__lt=MAX_ATTEMPTS)
        .update(
            status=Status.SENDING,
            attempts=F("attempts") + 1,
            next_attempt_at=moment + CLAIM_LAPSES_AFTER,
            last_attempt_at=moment,
        )
    )
    if not claimed:
        return None
    return Delivery.objects.select_related("webhook").get(pk=delivery_id)


def delivery_send(*, delivery_id: int) -> str:
    """Claim and send one delivery; its status afterwards ("" when it was not claimed: not
    due, held by another worker, or done). Never raises for a delivery that fails: the row
    says why, and when it is tried again."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return ""
    fields = _attempt(delivery)
    Delivery.objects.filter(
        pk=delivery.pk, status=Status.SENDING, attempts=delivery.attempts
    ).update(**fields)
    return str(fields["status"])


def _attempt(delivery: Delivery) -> dict[str, Any]:
    webhook = delivery.webhook
    is_test = delivery.event == TEST_EVENT
    if not webhook.active and not is_test:
        return _given_up("The webhook is off; this delivery was not sent.")
    body = body_for({"id": str(delivery.event_id), **delivery.payload}, webhook.format)
    stamp = int(clock.timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: delivery.event,
        EVENT_ID_HEADER: str(delivery.event_id),
        SIGNATURE_HEADER: signature(webhook.secret, stamp, body),
    }
    started = time.monotonic()
    try:
        answer = client.post(webhook.url, body=body, headers=headers, timeout=timeout())
    except client.Refused as exc:
        return _given_up(f"Refused: {exc}")
    except client.Unreachable as exc:
        return _retry_or_give_up(delivery, str(exc), None, "")
    except Exception as exc:  # a bug must not leave the row claimed until the lapse
        log.exception("webhook delivery %s failed unexpectedly", delivery.pk)
        return _retry_or_give_up(delivery, f"Unexpected error: {type(exc).__name__}", None, "")
    log.info(
        "webhook delivery %s: %s in %.0f ms",
        delivery.pk,
        answer.status,
        (time.monotonic() - started) * 1000,
    )
    code, excerpt = answer.status, answer.excerpt
    if 200 <= code < 300:
        return {
            "status": Status.DELIVERED,
            "delivered_at": clock.now(),
            "response_code": code,
            "response_excerpt": excerpt,
            "error": "",
        }
    if 300 <= code < 400:
        where = f" to {answer.location}" if answer.location else ""
        return _given_up(
            f"The answer was a redirect{where} ({code}), which is not followed: set the "
            "webhook's URL to the final address.",
            code,
            excerpt,
        )
    if code in RETRY_STATUSES or code >= 500:
        return _retry_or_give_up(
            delivery, f"The receiver answered {code}.", code, excerpt, answer.retry_after
        )
    return _given_up(f"The receiver refused the delivery ({code}).", code, excerpt)


def _given_up(error: str, code: int | None = None, excerpt: str = "") -> dict[str, Any]:
    return {
        "status": Status.FAILED,
        "error": error[:500],
        "response_code": code,
        "response_excerpt": excerpt,
    }


def _retry_or_give_up(
    delivery: Delivery,
    error: str,
    code: int | None,
    excerpt: str,
    retry_after: int | None = None,
) -> dict[str, Any]:
    """Pending again after the next wait of RETRY_WAITS, or longer if the receiver asked
    (Retry-After, in seconds, up to the longest wait); given up after the last attempt."""
    if delivery.event == TEST_EVENT or delivery.attempts >= MAX_ATTEMPTS:
        return _given_up(error, code, excerpt)
    wait = RETRY_WAITS[delivery.attempts - 1]
    if retry_after is not None:
        wait = max(wait, min(timedelta(seconds=retry_after), RETRY_WAITS[-1]))
    return {
        "status": Status.PENDING,
        "next_attempt_at": clock.now() + wait,
        "error": error[:500],
        "response_code": code,
        "response_excerpt": excerpt,
    }


def deliveries_sweep(*, batch: int = SWEEP_BATCH) -> dict[str, int]:
    """Send what is due: retries whose wait is over, deliveries whose job was lost, claims that
    lapsed; give up the lapsed claims that had no attempt left; and drop finished deliveries
    older than LOG_KEPT from the log. Counts by outcome."""
    moment = clock.now()
    counts: dict[str, int] = {}
    old = Delivery.objects.filter(
        status__in=(Status.DELIVERED, Status.FAILED), created_at__lt=moment - LOG_KEPT
    ).values_list("pk", flat=True)[:PRUNE_BATCH]
    pruned, _by_model = Delivery.objects.filter(pk__in=list(old)).delete()
    if pruned:
        counts["pruned"] = pruned
    exhausted = Delivery.objects.filter(
        status=Status.SENDING, next_attempt_at__lte=moment, attempts__gte=MAX_ATTEMPTS
    ).update(
        status=Status.FAILED,
        error="The worker stopped while sending the last attempt; whether it arrived is not known.",
    )
    if exhausted:
        counts[Status.FAILED] = exhausted
    due = (
        Delivery.objects.filter(
            status__in=(Status.PENDING, Status.SENDING), next_attempt_at__lte=moment
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    for delivery_id in list(due):
        outcome = delivery_send(delivery_id=delivery_id)
        if outcome:
            counts[outcome] = counts.get(outcome, 0) + 1
    return counts
