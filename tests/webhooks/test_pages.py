"""The webhooks' pages: admins list, create, change, test, rotate and delete with CSRF; every
other member of the cast is refused (403; anonymous to the sign-in page); a bad value is
shown beside its field with nothing saved."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from frontdesk.accounts.models import User
from frontdesk.webhooks.models import Delivery, Webhook, WebhookChange
from tests.webhooks.conftest import Receiver, make_webhook

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def post(client: Client, path: str, data: dict[str, Any] | None = None) -> Any:
    client.get("/home")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    return client.post(path, {**(data or {}), "csrfmiddlewaretoken": token})


FORM = {
    "name": "Front desk chat",
    "url": "https://hooks.example.com/services/T000/B000/XXXX",
    "events": ["ticket.created", "message.public"],
    "format": "slack",
    "active": "on",
}


def test_an_admin_creates_changes_and_deletes_a_webhook(admin: User) -> None:
    client = signed_in(admin)
    assert client.get("/webhooks/new").status_code == 200
    saved = post(client, "/webhooks/new", FORM)
    webhook = Webhook.objects.get()
    assert saved.status_code == 302 and saved["Location"] == f"/webhooks/{webhook.pk}"
    assert webhook.events == ["ticket.created", "message.public"]
    assert webhook.format == "slack" and webhook.active
    page = client.get(f"/webhooks/{webhook.pk}").content.decode()
    assert webhook.secret in page and "Front desk chat" in page
    assert "Webhooks" in client.get("/home").content.decode()  # the header links here
    changed = post(
        client, f"/webhooks/{webhook.pk}", {**FORM, "active": "", "events": ["sla.breach"]}
    )
    assert changed.status_code == 302
    webhook.refresh_from_db()
    assert not webhook.active and webhook.events == ["sla.breach"]
    listing = client.get("/webhooks").content.decode()
    assert "Front desk chat" in listing and "An SLA target is missed" in listing
    assert post(client, f"/webhooks/{webhook.pk}/delete").status_code == 302
    assert not Webhook.objects.exists()
    kinds = list(WebhookChange.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["created", "changed", "deleted"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"url": "ftp://example.com/x"}, "Only http:// and https:// URLs are allowed."),
        ({"url": "http://169.254.169.254/latest"}, "link-local"),
        ({"url": "http://localhost:8000/"}, "localhost is a loopback address"),
        ({"url": "http://10.0.0.8/"}, "10.0.0.8 is a private address"),
        ({"events": []}, "Choose at least one event."),
        ({"events": ["ticket.deleted"]}, "Unknown events: ticket.deleted"),
        ({"name": ""}, "Give the webhook a name."),
        ({"format": "xml"}, "The format is json or slack."),
    ],
)
def test_a_bad_value_is_refused_beside_its_field(
    admin: User, changes: dict[str, Any], message: str
) -> None:
    response = post(signed_in(admin), "/webhooks/new", {**FORM, **changes})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    field = next(iter(changes))
    assert f'id="{field}-error"' in page  # beside its field, as well as in the summary
    assert 'value="Front desk chat"' in response.content.decode() or "name" in changes
    assert not Webhook.objects.exists()


def test_posts_need_the_csrf_token(admin: User) -> None:
    webhook = make_webhook(admin, "https://hooks.example.com/x")
    client = signed_in(admin)
    for path in (
        "/webhooks/new",
        f"/webhooks/{webhook.pk}",
        f"/webhooks/{webhook.pk}/test",
        f"/webhooks/{webhook.pk}/rotate",
        f"/webhooks/{webhook.pk}/delete",
    ):
        assert client.post(path, FORM).status_code == 403, path
    assert Webhook.objects.get().name == "Chat room"
    assert not Delivery.objects.exists()


def test_send_test_and_rotate_from_the_page(
    admin: User, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    webhook = make_webhook(admin, receiver.url)
    client = signed_in(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, f"/webhooks/{webhook.pk}/test")
    assert response["Location"] == f"/webhooks/{webhook.pk}#deliveries"
    assert len(receiver.requests) == 1
    page = client.get(f"/webhooks/{webhook.pk}").content.decode()
    assert "webhook.test" in page and "Delivered" in page
    listing = client.get("/webhooks").content.decode()
    assert "Last delivery:" in listing and "delivery--delivered" in listing
    old = webhook.secret
    post(client, f"/webhooks/{webhook.pk}/rotate")
    webhook.refresh_from_db()
    assert (
        webhook.secret != old
        and webhook.secret in client.get(f"/webhooks/{webhook.pk}").content.decode()
    )


@pytest.mark.parametrize("who", ["agent", "other_agent", "customer", "other_customer"])
def test_everyone_but_admins_is_refused(
    admin: User, who: str, request: pytest.FixtureRequest
) -> None:
    webhook = make_webhook(admin, "https://hooks.example.com/x")
    user = request.getfixturevalue(who)
    client = signed_in(user)
    for path in ("/webhooks", "/webhooks/new", f"/webhooks/{webhook.pk}"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert webhook.secret not in response.content.decode()
    for path in (
        f"/webhooks/{webhook.pk}",
        f"/webhooks/{webhook.pk}/test",
        f"/webhooks/{webhook.pk}/rotate",
        f"/webhooks/{webhook.pk}/delete",
        "/webhooks/new",
    ):
        assert post(client, path, FORM).status_code == 403, path
    assert ">Webhooks<" not in client.get("/home").content.decode()
    webhook.refresh_from_db()
    assert webhook.name == "Chat room" and not Delivery.objects.exists()
    assert Webhook.objects.count() == 1


def test_anonymous_is_sent_to_sign_in(admin: User) -> None:
    webhook = make_webhook(admin, "https://hooks.example.com/x")
    client = Client(enforce_csrf_checks=True)
    for path in ("/webhooks", "/webhooks/new", f"/webhooks/{webhook.pk}"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login")
    assert client.post(f"/webhooks/{webhook.pk}/delete").status_code == 403  # no CSRF token
    without_checks = Client().post(f"/webhooks/{webhook.pk}/delete")
    assert without_checks.status_code == 302 and without_checks["Location"].startswith("/login")
    assert Webhook.objects.count() == 1


def test_a_missing_webhook_is_404(admin: User) -> None:
    client = signed_in(admin)
    assert client.get("/webhooks/987654").status_code == 404
    assert post(client, "/webhooks/987654/test").status_code == 404


def test_a_failed_delivery_is_sent_again_from_the_page(
    admin: User, agent: User, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    webhook = make_webhook(admin, receiver.url)
    receiver.answer(404)
    client = signed_in(admin)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, f"/webhooks/{webhook.pk}/test")
    row = Delivery.objects.get()
    page = client.get(f"/webhooks/{webhook.pk}").content.decode()
    assert f"/deliveries/{row.pk}/resend" in page
    path = f"/webhooks/{webhook.pk}/deliveries/{row.pk}/resend"
    assert post(signed_in(agent), path).status_code == 403
    assert client.post(path).status_code == 403  # no CSRF token
    assert len(receiver.requests) == 1
    receiver.answer(200)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, path)
    assert response["Location"] == f"/webhooks/{webhook.pk}#deliveries"
    row.refresh_from_db()
    assert row.status == Delivery.Status.DELIVERED and len(receiver.requests) == 2
    again = post(client, path)
    assert again.status_code == 302
    assert (
        "Only a failed delivery can be sent again."
        in client.get(again["Location"]).content.decode()
    )
    assert post(client, f"/webhooks/{webhook.pk}/deliveries/987654/resend").status_code == 404


def test_the_list_costs_the_same_queries_however_many_webhooks(admin: User) -> None:
    client = signed_in(admin)

    def queries() -> int:
        with CaptureQueriesContext(connection) as done:
            assert client.get("/webhooks").status_code == 200
        return len(done)

    webhook = make_webhook(admin, "https://hooks.example.com/x")
    Delivery.objects.create(webhook=webhook, event="ticket.created", status="failed")
    few = queries()
    for number in range(4):
        other = make_webhook(admin, f"https://hooks.example.com/{number}", name=f"Hook {number}")
        Delivery.objects.create(webhook=other, event="ticket.created", status="delivered")
    assert queries() == few
