"""Webhooks in the admin, posted as a browser does: a webhook is saved through its use cases
(a refused URL shown beside its field, nothing saved), deleted through them, tested by an
action; the delivery log is read-only."""

from __future__ import annotations

from typing import Any

import pytest

from frontdesk.accounts.models import User
from frontdesk.webhooks.models import Delivery, Webhook, WebhookChange
from tests.admin_forms import admin_browser, change_form, form_errors
from tests.webhooks.conftest import Receiver, make_webhook

pytestmark = pytest.mark.django_db
WEBHOOKS = "/admin/webhooks/webhook/"
DELIVERIES = "/admin/webhooks/delivery/"


def test_an_admin_adds_a_webhook(admin: User) -> None:
    client = admin_browser(admin)
    response = change_form(
        client,
        f"{WEBHOOKS}add/",
        "webhook_form",
        name="Chat",
        url="https://hooks.example.com/chat",
        events=["ticket.created", "sla.breach"],
        format="slack",
    )
    assert response.status_code == 302, form_errors(response)
    webhook = Webhook.objects.get()
    assert webhook.events == ["ticket.created", "sla.breach"] and webhook.format == "slack"
    assert webhook.secret.startswith("whsec_") and webhook.created_by == admin
    assert WebhookChange.objects.get().kind == "created"


def test_a_refused_url_is_shown_beside_the_field(admin: User) -> None:
    response = change_form(
        admin_browser(admin),
        f"{WEBHOOKS}add/",
        "webhook_form",
        name="Chat",
        url="http://169.254.169.254/latest",
        events=["ticket.created"],
    )
    assert "link-local" in form_errors(response)["url"][0]
    assert not Webhook.objects.exists()


def test_an_admin_changes_a_webhook(admin: User) -> None:
    webhook = make_webhook(admin, "https://hooks.example.com/x")
    secret = webhook.secret
    response = change_form(
        admin_browser(admin),
        f"{WEBHOOKS}{webhook.pk}/change/",
        "webhook_form",
        events=["message.internal"],
    )
    assert response.status_code == 302, form_errors(response)
    webhook.refresh_from_db()
    assert webhook.events == ["message.internal"] and webhook.secret == secret


def test_delete_and_test_go_through_the_use_cases(
    admin: User, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    webhook = make_webhook(admin, receiver.url)
    client = admin_browser(admin)
    client.get(WEBHOOKS)
    token = client.cookies["csrftoken"].value
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            WEBHOOKS,
            {"action": "send_test", "_selected_action": [webhook.pk], "csrfmiddlewaretoken": token},
        )
    assert response.status_code == 302
    delivery = Delivery.objects.get()
    assert delivery.status == "delivered" and len(receiver.requests) == 1
    page = client.get(f"{DELIVERIES}{delivery.pk}/change/")
    assert page.status_code == 200 and "webhook.test" in page.content.decode()
    assert client.get(f"{DELIVERIES}add/").status_code == 403
    response = client.post(
        f"{WEBHOOKS}{webhook.pk}/delete/", {"post": "yes", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert not Webhook.objects.exists()
    assert WebhookChange.objects.filter(kind="deleted", webhook_name="Chat room").exists()


def test_an_agent_has_no_admin(agent: User) -> None:
    assert admin_browser(agent).get(WEBHOOKS).status_code == 302


def test_failed_deliveries_are_sent_again_by_an_action(
    admin: User, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    webhook = make_webhook(admin, receiver.url)
    failed = Delivery.objects.create(webhook=webhook, event="ticket.created", status="failed")
    done = Delivery.objects.create(webhook=webhook, event="ticket.created", status="delivered")
    client = admin_browser(admin)
    client.get(DELIVERIES)
    token = client.cookies["csrftoken"].value
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            DELIVERIES,
            {
                "action": "send_again",
                "_selected_action": [failed.pk, done.pk],
                "csrfmiddlewaretoken": token,
            },
            follow=True,
        )
    page = response.content.decode()
    assert "1 delivery will be sent again." in page
    assert "Only a failed delivery can be sent again." in page
    failed.refresh_from_db()
    assert failed.status == "delivered" and len(receiver.requests) == 1
