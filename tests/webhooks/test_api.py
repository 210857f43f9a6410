"""Webhooks in the REST API: admins create (the secret shown once more then), read, change,
rotate, test, delete and read the log; agents and customers 403, anonymous 401; bad values
400 with nothing saved; session writes need the CSRF token; the OpenAPI document lists it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from frontdesk.accounts.models import User
from frontdesk.webhooks.models import Delivery, Webhook, WebhookChange
from tests.api.helpers import Api, error_of
from tests.webhooks.conftest import Receiver, make_webhook

pytestmark = pytest.mark.django_db

BODY = {
    "name": "Billing script",
    "url": "https://hooks.example.com/frontdesk",
    "events": ["ticket.created", "ticket.status_changed"],
}


def test_an_admin_manages_a_webhook(admin: User) -> None:
    api = Api(admin)
    created = api.post("/webhooks/", BODY)
    assert created.status_code == 201, created.content
    data = created.json()
    webhook = Webhook.objects.get()
    assert data["secret"] == webhook.secret and data["format"] == "json" and data["active"]
    assert "secret" not in api.get(f"/webhooks/{webhook.pk}/").json()
    listed = api.get("/webhooks/").json()
    assert [row["name"] for row in listed] == ["Billing script"]
    patched = api.patch(f"/webhooks/{webhook.pk}/", {"active": False, "format": "slack"})
    assert patched.status_code == 200 and patched.json()["active"] is False
    rotated = api.post(f"/webhooks/{webhook.pk}/rotate-secret/")
    assert rotated.status_code == 200 and rotated.json()["secret"] != data["secret"]
    assert api.delete(f"/webhooks/{webhook.pk}/").status_code == 204
    assert not Webhook.objects.exists()
    kinds = list(WebhookChange.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["created", "changed", "rotated", "deleted"]


def test_test_and_deliveries(
    admin: User, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    webhook = make_webhook(admin, receiver.url)
    api = Api(admin)
    with django_capture_on_commit_callbacks(execute=True):
        queued = api.post(f"/webhooks/{webhook.pk}/test/")
    assert queued.status_code == 202 and queued.json()["event"] == "webhook.test"
    log = api.get(f"/webhooks/{webhook.pk}/deliveries/").json()
    assert len(log) == 1 and log[0]["status"] == "delivered" and log[0]["response_code"] == 200
    assert log[0]["event_id"] == receiver.requests[0].headers["Frontdesk-Event-Id"]
    assert log[0]["webhook"] == webhook.pk and log[0]["ticket"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**BODY, "url": "ftp://hooks.example.com/"}, "url"),
        ({**BODY, "url": "http://127.0.0.1:8000/"}, "url"),
        ({**BODY, "url": "http://[::ffff:10.0.0.1]/"}, "url"),
        ({**BODY, "events": ["nope"]}, "events"),
        ({**BODY, "events": []}, "events"),
        ({**BODY, "format": "xml"}, "format"),
        ({**BODY, "name": "  "}, "name"),
        ({**BODY, "secret": "mine"}, None),
    ],
)
def test_bad_values_are_400(admin: User, body: dict[str, Any], field: str | None) -> None:
    response = Api(admin).post("/webhooks/", body)
    assert response.status_code == 400
    error = error_of(response)
    if field:
        assert field in json.dumps(error)
    assert not Webhook.objects.exists()


def test_a_taken_name_is_refused(admin: User) -> None:
    api = Api(admin)
    assert api.post("/webhooks/", BODY).status_code == 201
    response = api.post("/webhooks/", {**BODY, "name": "billing SCRIPT"})
    assert response.status_code == 400 and Webhook.objects.count() == 1


@pytest.mark.parametrize("who", ["agent", "other_agent", "customer", "other_customer"])
def test_everyone_but_admins_gets_403(
    admin: User, who: str, request: pytest.FixtureRequest
) -> None:
    webhook = make_webhook(admin, "https://hooks.example.com/x")
    failed = Delivery.objects.create(webhook=webhook, event="ticket.created", status="failed")
    api = Api(request.getfixturevalue(who))
    calls = [
        ("GET", "/webhooks/", None),
        ("POST", "/webhooks/", BODY),
        ("GET", f"/webhooks/{webhook.pk}/", None),
        ("PATCH", f"/webhooks/{webhook.pk}/", {"active": False}),
        ("DELETE", f"/webhooks/{webhook.pk}/", None),
        ("POST", f"/webhooks/{webhook.pk}/rotate-secret/", {}),
        ("POST", f"/webhooks/{webhook.pk}/test/", {}),
        ("GET", f"/webhooks/{webhook.pk}/deliveries/", None),
        ("POST", f"/webhooks/{webhook.pk}/deliveries/{failed.pk}/resend/", {}),
    ]
    for method, path, body in calls:
        response = api.call(method, path, body)
        assert response.status_code == 403, (method, path)
        assert webhook.secret not in response.content.decode()
    after = Webhook.objects.get()
    assert after.secret == webhook.secret and after.active
    assert list(Delivery.objects.values_list("status", flat=True)) == ["failed"]


def test_anonymous_gets_401(admin: User) -> None:
    webhook = make_webhook(admin, "https://hooks.example.com/x")
    api = Api()
    assert api.get("/webhooks/").status_code == 401
    assert api.post(f"/webhooks/{webhook.pk}/test/").status_code == 401


def test_a_missing_webhook_is_404(admin: User) -> None:
    api = Api(admin)
    assert api.get("/webhooks/987654/").status_code == 404
    assert api.post("/webhooks/987654/test/").status_code == 404
    assert api.get("/webhooks/987654/deliveries/").status_code == 404


def test_a_session_write_needs_the_csrf_token(admin: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    response = client.post(
        "/api/ticketing/webhooks/", json.dumps(BODY), content_type="application/json"
    )
    assert response.status_code == 403 and not Webhook.objects.exists()
    client.get("/home")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/api/ticketing/webhooks/",
        json.dumps(BODY),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 201


def test_the_openapi_document_lists_webhooks(db: None) -> None:
    document = Api().get("/api/ticketing/openapi.json").json()
    paths = document["paths"]
    assert "/api/ticketing/webhooks/{webhook_id}/test/" in paths
    assert "/api/ticketing/webhooks/{webhook_id}/deliveries/" in paths
    assert set(paths["/api/ticketing/webhooks/"]) == {"get", "post"}


def _queries(api: Api, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert api.get(path).status_code == 200
    return len(queries)


def test_lists_cost_the_same_queries_however_many_rows(admin: User) -> None:
    api = Api(admin)
    webhook = make_webhook(admin, "https://hooks.example.com/x")
    Delivery.objects.create(webhook=webhook, event="ticket.created")
    few = (_queries(api, "/webhooks/"), _queries(api, f"/webhooks/{webhook.pk}/deliveries/"))
    for number in range(4):
        make_webhook(admin, f"https://hooks.example.com/{number}", name=f"Hook {number}")
        Delivery.objects.create(webhook=webhook, event="ticket.created")
    many = (_queries(api, "/webhooks/"), _queries(api, f"/webhooks/{webhook.pk}/deliveries/"))
    assert few == many


def test_resend_a_failed_delivery(
    admin: User, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    webhook = make_webhook(admin, receiver.url)
    failed = Delivery.objects.create(webhook=webhook, event="ticket.created", status="failed")
    api = Api(admin)
    path = f"/webhooks/{webhook.pk}/deliveries/{failed.pk}/resend/"
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(path)
    assert response.status_code == 202 and response.json()["event_id"] == str(failed.event_id)
    failed.refresh_from_db()
    assert failed.status == "delivered" and len(receiver.requests) == 1
    again = api.post(path)
    assert again.status_code == 400 and error_of(again)["fields"]
    assert api.post(f"/webhooks/{webhook.pk}/deliveries/987654/resend/").status_code == 404
