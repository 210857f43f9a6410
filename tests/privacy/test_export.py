"""Exporting a customer's data: what the zip holds (their tickets as they see them, never an
internal note or a staff-only field, no other customer's data, the files they may see), who
may ask (the customer for themselves, admins for anyone; agents and others not), the rate
limit, the profile page's button (POST with CSRF) and the REST endpoint."""

from __future__ import annotations

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from frontdesk.accounts.models import User
from frontdesk.core.errors import InvalidInput, NotAllowed, NotFound, RateLimited
from frontdesk.privacy import services
from frontdesk.privacy.models import PrivacyAction, PrivacyLog
from tests.api.helpers import Api, error_of
from tests.privacy.conftest import SECRET_NOTE, Desk, read_zip
from tests.web.conftest import html, signed_in

pytestmark = pytest.mark.django_db


def _export(actor: User, customer: User) -> tuple[dict, dict[str, bytes]]:  # type: ignore[type-arg]
    export = services.customer_export(actor=actor, customer_id=customer.pk)
    with export.file:
        return read_zip(export.file.read())


def test_the_zip_holds_what_the_customer_sees_and_nothing_else(
    desk: Desk, customer: User, other_customer: User
) -> None:
    data, files = _export(customer, customer)
    assert data["format"] == 1
    assert data["account"]["username"] == customer.username
    assert data["account"]["email"] == customer.email
    numbers = [ticket["number"] for ticket in data["tickets"]]
    assert numbers == [desk.own.number, desk.copied.number]
    own, copied = data["tickets"]
    assert own["you_are"] == "requester" and copied["you_are"] == "copied"
    bodies = [message["body"] for ticket in data["tickets"] for message in ticket["messages"]]
    assert "We are on it" in bodies and "Same here" in bodies
    assert SECRET_NOTE not in str(data) and desk.note.pk not in [
        message["id"] for message in own["messages"]
    ]
    # Other customers' private ticket is not there at all.
    assert "Private matter" not in str(data) and "Nobody else" not in str(data)
    # Custom fields: the customer-visible one only; the survey answer.
    assert own["custom_fields"] == [{"key": "studio", "label": "Studio", "value": "Studio 2"}]
    assert "high risk" not in str(data)
    assert own["survey"]["rating"] == "good" and own["survey"]["comment"] == "Quick!"
    assert copied["survey"] is None
    # The files they may see, byte for byte; never the internal note's.
    contents = sorted(files.values())
    assert contents == sorted([b"customer file", b"agent", b"copied file"])
    assert b"internal file" not in contents
    listed = [a["path"] for t in data["tickets"] for m in t["messages"] for a in m["attachments"]]
    assert sorted(listed) == sorted(files)
    assert all(path.startswith("files/TKT-") for path in files)


def test_an_admin_gets_the_same_content_as_the_customer(
    desk: Desk, admin: User, customer: User
) -> None:
    by_admin, admin_files = _export(admin, customer)
    by_customer, customer_files = _export(customer, customer)
    assert by_admin["tickets"] == by_customer["tickets"]
    assert admin_files == customer_files
    assert SECRET_NOTE not in str(by_admin)
    log = PrivacyLog.objects.filter(action=PrivacyAction.EXPORT, actor=admin).get()
    assert log.customer_id == customer.pk and log.counts["files"] == 3
    assert customer.email not in str(log.counts) + log.note


def test_who_may_export(
    desk: Desk, admin: User, agent: User, other_agent: User, customer: User, other_customer: User
) -> None:
    with pytest.raises(NotAllowed):
        services.customer_export(actor=agent, customer_id=customer.pk)
    with pytest.raises(NotAllowed):
        services.customer_export(actor=other_customer, customer_id=customer.pk)
    with pytest.raises(NotFound):
        services.customer_export(actor=admin, customer_id=999_999)
    # Staff and System are not customers: refused with a clear message.
    for staff in (agent, other_agent, admin, User.objects.get(pk=0)):
        with pytest.raises(InvalidInput, match="Only customer accounts"):
            services.customer_export(actor=admin, customer_id=staff.pk)
    assert not PrivacyLog.objects.exists()


@pytest.mark.limits
def test_exports_are_rate_limited(settings: Settings, customer: User) -> None:
    settings.FRONTDESK_RATE_LIMITS = {
        **settings.FRONTDESK_RATE_LIMITS,
        "privacy_export_user": "2/hour",
    }
    for _ in range(2):
        services.customer_export(actor=customer, customer_id=customer.pk).file.close()
    with pytest.raises(RateLimited):
        services.customer_export(actor=customer, customer_id=customer.pk)


# --- the profile page -------------------------------------------------------------------------


def test_profile_offers_the_download_to_customers_only(customer: User, agent: User) -> None:
    page = html(signed_in(customer).get("/profile"))
    assert "Download my data" in page and 'action="/profile/data-export"' in page
    assert "Download my data" not in html(signed_in(agent).get("/profile"))


def test_download_my_data_is_a_post_with_csrf(desk: Desk, customer: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    client.get("/profile")
    assert client.post("/profile/data-export").status_code == 403  # no token
    assert client.get("/profile/data-export").status_code == 405
    token = client.cookies["csrftoken"].value
    answer = client.post("/profile/data-export", {"csrfmiddlewaretoken": token})
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/zip"
    assert "attachment" in answer["Content-Disposition"]
    data, files = read_zip(b"".join(answer.streaming_content))
    assert data["account"]["id"] == customer.pk and len(files) == 3


def test_download_refused_for_agents_and_anonymous(agent: User) -> None:
    assert signed_in(agent).post("/profile/data-export").status_code == 403
    anonymous = Client().post("/profile/data-export")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login")


@pytest.mark.limits
def test_download_over_the_limit_answers_429(settings: Settings, customer: User) -> None:
    settings.FRONTDESK_RATE_LIMITS = {
        **settings.FRONTDESK_RATE_LIMITS,
        "privacy_export_user": "1/hour",
    }
    client = signed_in(customer)
    assert client.post("/profile/data-export").status_code == 200
    refused = client.post("/profile/data-export")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many requests" in html(refused)


# --- REST ---------------------------------------------------------------------------------------


def test_rest_export_for_admins_and_the_customer_themselves(
    desk: Desk, admin: User, agent: User, customer: User, other_customer: User
) -> None:
    path = f"/customers/{customer.pk}/export/"
    answer = Api(admin).get(path)
    assert answer.status_code == 200 and answer["Content-Type"] == "application/zip"
    data, _files = read_zip(b"".join(answer.streaming_content))
    assert data["account"]["id"] == customer.pk
    assert Api(customer).get(path).status_code == 200
    assert error_of(Api(agent).get(path))["code"] and Api(agent).get(path).status_code == 403
    assert Api(other_customer).get(path).status_code == 403
    assert Api().get(path).status_code == 401
    assert Api(admin).get(f"/customers/{agent.pk}/export/").status_code == 400
    assert Api(admin).get("/customers/999999/export/").status_code == 404
