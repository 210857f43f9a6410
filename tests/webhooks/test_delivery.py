"""Deliveries as a receiver sees them (signed JSON, an event id, a Slack body) and as the log
records them: retried with backoff by the project's clock on network errors, 5xx and 429,
then given up; failed at once on a redirect, another 4xx or a refused destination."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from typing import Any

import pytest
from pytest_django.fixtures import Settings

from frontdesk.accounts.models import User
from frontdesk.core.errors import InvalidInput, NotFound
from frontdesk.webhooks import delivery
from frontdesk.webhooks.delivery import MAX_ATTEMPTS, RETRY_WAITS, deliveries_sweep
from frontdesk.webhooks.models import Delivery, Webhook
from frontdesk.webhooks.services import (
    delivery_resend,
    webhook_rotate_secret,
    webhook_test,
    webhook_update,
)
from tests.conftest import Clock, open_ticket
from tests.webhooks.conftest import Receiver, make_webhook

pytestmark = pytest.mark.django_db


def verify(secret: str, header: str, body: bytes, now: int, tolerance: int = 300) -> bool:
    """What docs/webhooks.md tells a receiver to do."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(parts["t"])
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return abs(now - timestamp) <= tolerance and hmac.compare_digest(expected, parts["v1"])


def _test(admin: User, webhook: Webhook, capture: Any) -> Delivery:
    with capture(execute=True):
        row = webhook_test(actor=admin, webhook_id=webhook.pk)
    row.refresh_from_db()
    return row


def _fan_out(admin: User, customer: User, capture: Any, webhook: Webhook) -> Delivery:
    with capture(execute=True):
        open_ticket(customer, title="Heating off")
    return Delivery.objects.get(webhook=webhook)


def test_the_receiver_can_verify_the_signature(
    admin: User,
    customer: User,
    receiver: Receiver,
    clock: Clock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    webhook = make_webhook(admin, receiver.url)
    row = _fan_out(admin, customer, django_capture_on_commit_callbacks, webhook)
    assert row.status == Delivery.Status.DELIVERED and row.attempts == 1
    assert row.response_code == 200 and row.response_excerpt == "ok"
    got = receiver.requests[0]
    assert got.path == "/hook?source=frontdesk"
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["Frontdesk-Event"] == "ticket.created"
    assert got.headers["Frontdesk-Event-Id"] == str(row.event_id)
    now = int(clock.current.timestamp())
    assert verify(webhook.secret, got.headers["Frontdesk-Signature"], got.body, now)
    assert not verify("whsec_other", got.headers["Frontdesk-Signature"], got.body, now)
    assert not verify(webhook.secret, got.headers["Frontdesk-Signature"], got.body + b" ", now)
    assert not verify(webhook.secret, got.headers["Frontdesk-Signature"], got.body, now + 600)
    body = json.loads(got.body)
    assert body["id"] == str(row.event_id) and body["event"] == "ticket.created"
    assert body["ticket"]["title"] == "Heating off"
    assert body["ticket"]["requester"] == {"id": customer.pk, "username": customer.username}


def test_a_rotated_secret_signs_from_then_on(
    admin: User, receiver: Receiver, clock: Clock, django_capture_on_commit_callbacks: Any
) -> None:
    webhook = make_webhook(admin, receiver.url)
    old = webhook.secret
    rotated = webhook_rotate_secret(actor=admin, webhook_id=webhook.pk)
    assert rotated.secret != old and rotated.secret.startswith("whsec_")
    _test(admin, webhook, django_capture_on_commit_callbacks)
    got = receiver.requests[-1]
    now = int(clock.current.timestamp())
    assert verify(rotated.secret, got.headers["Frontdesk-Signature"], got.body, now)
    assert not verify(old, got.headers["Frontdesk-Signature"], got.body, now)


def test_5xx_is_retried_with_backoff_then_given_up(
    admin: User,
    customer: User,
    receiver: Receiver,
    clock: Clock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    receiver.answer(503, b"down for maintenance")
    webhook = make_webhook(admin, receiver.url)
    row = _fan_out(admin, customer, django_capture_on_commit_callbacks, webhook)
    assert row.status == Delivery.Status.PENDING and row.attempts == 1
    assert row.response_code == 503 and row.response_excerpt == "down for maintenance"
    assert row.error == "The receiver answered 503."
    for attempt, wait in enumerate(RETRY_WAITS, start=1):
        assert row.next_attempt_at == clock.current + wait
        clock.advance(wait.total_seconds() - 1)
        assert deliveries_sweep() == {}  # not due yet
        clock.advance(1)
        deliveries_sweep()
        row.refresh_from_db()
        assert row.attempts == attempt + 1
    assert row.status == Delivery.Status.FAILED and row.attempts == MAX_ATTEMPTS == 6
    assert len(receiver.requests) == MAX_ATTEMPTS
    assert len({r.headers["Frontdesk-Event-Id"] for r in receiver.requests}) == 1
    clock.advance(24 * 3600)
    assert deliveries_sweep() == {}
    assert len(receiver.requests) == MAX_ATTEMPTS


def test_429_is_retried_and_a_later_success_is_delivered(
    admin: User,
    customer: User,
    receiver: Receiver,
    clock: Clock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    receiver.answers = [(429, {}, b"slow down"), (204, {}, b"")]
    webhook = make_webhook(admin, receiver.url)
    row = _fan_out(admin, customer, django_capture_on_commit_callbacks, webhook)
    assert row.status == Delivery.Status.PENDING
    clock.advance(60)
    assert deliveries_sweep() == {"delivered": 1}
    row.refresh_from_db()
    assert row.status == Delivery.Status.DELIVERED and row.response_code == 204
    assert row.error == "" and row.delivered_at == clock.current


def test_a_network_error_is_retried(
    admin: User,
    customer: User,
    settings: Settings,
    clock: Clock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.FRONTDESK_WEBHOOKS_ALLOW_PRIVATE = True
    webhook = make_webhook(admin, "http://127.0.0.1:9/nobody-listens")
    row = _fan_out(admin, customer, django_capture_on_commit_callbacks, webhook)
    assert row.status == Delivery.Status.PENDING and row.response_code is None
    assert "Could not connect to 127.0.0.1:9" in row.error


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (301, "redirect to https://elsewhere.example/ (301), which is not followed"),
        (307, "redirect to https://elsewhere.example/ (307), which is not followed"),
        (404, "refused the delivery (404)"),
        (401, "refused the delivery (401)"),
    ],
)
def test_redirects_and_other_4xx_fail_at_once(
    admin: User,
    customer: User,
    receiver: Receiver,
    clock: Clock,
    status: int,
    words: str,
    django_capture_on_commit_callbacks: Any,
) -> None:
    receiver.answer(status, Location="https://elsewhere.example/")
    webhook = make_webhook(admin, receiver.url)
    row = _fan_out(admin, customer, django_capture_on_commit_callbacks, webhook)
    assert row.status == Delivery.Status.FAILED and row.attempts == 1
    assert words in row.error and row.response_code == status
    clock.advance(7 * 3600)
    deliveries_sweep()
    assert len(receiver.requests) == 1


def test_a_refused_destination_fails_at_once_with_the_default_settings(
    admin: User, settings: Settings, clock: Clock, django_capture_on_commit_callbacks: Any
) -> None:
    """Saved while a closed network allowed it, sent after the setting went back to its
    default: refused at send time, never retried."""
    settings.FRONTDESK_WEBHOOKS_ALLOW_PRIVATE = True
    webhook = make_webhook(admin, "http://169.254.169.254/latest/meta-data/")
    settings.FRONTDESK_WEBHOOKS_ALLOW_PRIVATE = False
    row = _test(admin, webhook, django_capture_on_commit_callbacks)
    assert row.status == Delivery.Status.FAILED
    assert row.error.startswith("Refused: 169.254.169.254 is a link-local")


def test_the_slack_format_posts_text(
    admin: User, customer: User, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    webhook = make_webhook(admin, receiver.url, format="slack")
    _fan_out(admin, customer, django_capture_on_commit_callbacks, webhook)
    body = json.loads(receiver.requests[0].body)
    assert set(body) == {"text"}
    assert (
        body["text"].startswith("New ticket <http://") and "Heating off> from John" in body["text"]
    )
    assert "Frontdesk-Signature" in receiver.requests[0].headers


def test_a_test_is_sent_once_on_or_off(
    admin: User, receiver: Receiver, clock: Clock, django_capture_on_commit_callbacks: Any
) -> None:
    webhook = make_webhook(admin, receiver.url, active=False)
    receiver.answer(500)
    row = _test(admin, webhook, django_capture_on_commit_callbacks)
    assert row.event == "webhook.test" and row.status == Delivery.Status.FAILED
    assert row.attempts == 1 and row.response_code == 500
    assert json.loads(receiver.requests[0].body)["test"] is True
    clock.advance(3600)
    deliveries_sweep()
    assert len(receiver.requests) == 1


def test_a_webhook_turned_off_sends_no_retry(
    admin: User,
    customer: User,
    receiver: Receiver,
    clock: Clock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    receiver.answer(502)
    webhook = make_webhook(admin, receiver.url)
    row = _fan_out(admin, customer, django_capture_on_commit_callbacks, webhook)
    webhook_update(actor=admin, webhook_id=webhook.pk, changes={"active": False})
    clock.advance(60)
    deliveries_sweep()
    row.refresh_from_db()
    assert row.status == Delivery.Status.FAILED and "is off" in row.error
    assert len(receiver.requests) == 1


def test_a_lapsed_claim_is_tried_again_with_the_same_event_id(
    admin: User, receiver: Receiver, clock: Clock, settings: Settings
) -> None:
    """A worker that stopped between claiming and recording: the claim lapses and the sweep
    sends it again; a second sweep at the same time does not send it twice."""
    webhook = make_webhook(admin, receiver.url)
    row = Delivery.objects.create(webhook=webhook, event="ticket.created", payload={})
    Delivery.objects.filter(pk=row.pk).update(
        status=Delivery.Status.SENDING, attempts=1, next_attempt_at=clock.current
    )
    clock.advance(1)
    assert deliveries_sweep() == {"delivered": 1}
    assert deliveries_sweep() == {}
    assert delivery.delivery_send(delivery_id=row.pk) == ""
    assert len(receiver.requests) == 1
    assert receiver.requests[0].headers["Frontdesk-Event-Id"] == str(row.event_id)


def test_slack_text_cannot_mention_or_link(
    admin: User, customer: User, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    webhook = make_webhook(admin, receiver.url, format="slack")
    with django_capture_on_commit_callbacks(execute=True):
        open_ticket(customer, title="<!channel> & <https://evil.example|click> me")
    assert Delivery.objects.get(webhook=webhook).status == Delivery.Status.DELIVERED
    text = json.loads(receiver.requests[0].body)["text"]
    assert "<!channel>" not in text and "<https://evil" not in text
    assert "&lt;!channel&gt; &amp; &lt;https://evil.example¦click&gt; me>" in text


def test_finished_deliveries_leave_the_log_after_30_days(
    admin: User, receiver: Receiver, clock: Clock
) -> None:
    webhook = make_webhook(admin, receiver.url)
    done = Delivery.objects.create(webhook=webhook, event="ticket.created", status="delivered")
    waiting = Delivery.objects.create(
        webhook=webhook,
        event="ticket.created",
        status="pending",
        next_attempt_at=clock.current + timedelta(days=60),
    )
    clock.advance(30 * 24 * 3600 - 1)
    assert deliveries_sweep() == {}
    clock.advance(2)
    assert deliveries_sweep() == {"pruned": 1}
    assert list(Delivery.objects.values_list("pk", flat=True)) == [waiting.pk]
    assert done.pk != waiting.pk


def test_a_failed_delivery_is_sent_again_with_its_event_id(
    admin: User, receiver: Receiver, clock: Clock, django_capture_on_commit_callbacks: Any
) -> None:
    webhook = make_webhook(admin, receiver.url)
    receiver.answer(410)
    row = _test(admin, webhook, django_capture_on_commit_callbacks)
    assert row.status == Delivery.Status.FAILED
    receiver.answer(200, b"ok")
    with django_capture_on_commit_callbacks(execute=True):
        delivery_resend(actor=admin, webhook_id=webhook.pk, delivery_id=row.pk)
    row.refresh_from_db()
    assert row.status == Delivery.Status.DELIVERED and row.attempts == 1
    first, second = receiver.requests
    assert first.headers["Frontdesk-Event-Id"] == second.headers["Frontdesk-Event-Id"]
    assert first.body == second.body
    with pytest.raises(InvalidInput, match="Only a failed delivery"):
        delivery_resend(actor=admin, webhook_id=webhook.pk, delivery_id=row.pk)
    other = make_webhook(admin, receiver.url, name="Other")
    with pytest.raises(NotFound):
        delivery_resend(actor=admin, webhook_id=other.pk, delivery_id=row.pk)


@pytest.mark.parametrize(
    ("retry_after", "wait_seconds"),
    [("600", 600), ("5", 60), ("999999", 6 * 3600), ("Wed, 21 Oct 2026 07:28:00 GMT", 60)],
)
def test_retry_after_is_heeded_within_bounds(
    admin: User,
    customer: User,
    receiver: Receiver,
    clock: Clock,
    retry_after: str,
    wait_seconds: int,
    django_capture_on_commit_callbacks: Any,
) -> None:
    receiver.answer(429, b"slow down", Retry_After=retry_after)
    webhook = make_webhook(admin, receiver.url)
    row = _fan_out(admin, customer, django_capture_on_commit_callbacks, webhook)
    assert row.status == Delivery.Status.PENDING
    assert row.next_attempt_at == clock.current + timedelta(seconds=wait_seconds)
