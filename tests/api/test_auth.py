"""Who may call: bearer JWT, session (CSRF on writes), nobody else (401)."""

from __future__ import annotations

import pytest
from django.test import Client

from frontdesk.accounts.models import Role, User
from frontdesk.accounts.tokens import access_token_issue
from tests.api.helpers import BASE, Api, error_of
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    ("GET", "/tickets/"),
    ("POST", "/tickets/"),
    ("GET", "/tickets/1/"),
    ("PUT", "/tickets/1/"),
    ("PATCH", "/tickets/1/"),
    ("DELETE", "/tickets/1/"),
    ("POST", "/tickets/1/assign/"),
    ("POST", "/tickets/1/change_status/"),
    ("POST", "/tickets/1/add_comment/"),
    ("GET", "/tickets/my_tickets/"),
    ("GET", "/tickets/unassigned/"),
    ("GET", "/tickets/overdue/"),
    ("GET", "/tickets/statistics/"),
    ("GET", "/tickets/export.csv"),
    ("GET", "/comments/"),
    ("POST", "/comments/"),
    ("GET", "/comments/1/"),
    ("PUT", "/comments/1/"),
    ("DELETE", "/comments/1/"),
    ("GET", "/history/"),
    ("GET", "/history/1/"),
    ("GET", "/attachments/"),
    ("POST", "/attachments/"),
    ("GET", "/attachments/1/"),
    ("DELETE", "/attachments/1/"),
    ("GET", "/attachments/1/download/"),
    ("POST", "/tickets/1/add_attachment/"),
    ("GET", "/saved-replies/"),
    ("POST", "/saved-replies/"),
    ("GET", "/saved-replies/1/"),
    ("PUT", "/saved-replies/1/"),
    ("PATCH", "/saved-replies/1/"),
    ("DELETE", "/saved-replies/1/"),
    ("POST", "/saved-replies/1/render/"),
    ("POST", "/saved-replies/1/send/"),
    ("GET", "/organisations/"),
    ("GET", "/organisations/1/"),
    ("POST", "/customers/"),
    ("GET", "/customers/1/"),
    ("GET", "/customers/1/export/"),
    ("POST", "/customers/1/anonymise/"),
    ("POST", "/customers/1/erase/"),
    ("POST", "/tickets/bulk/"),
    ("GET", "/views/"),
    ("POST", "/views/"),
    ("GET", "/views/1/"),
    ("PATCH", "/views/1/"),
    ("DELETE", "/views/1/"),
    ("GET", "/fields/"),
    ("POST", "/fields/"),
    ("GET", "/fields/1/"),
    ("PATCH", "/fields/1/"),
    ("DELETE", "/fields/1/"),
    ("GET", "/sla/tickets/1/"),
    ("GET", "/sla/policies/"),
    ("POST", "/sla/policies/"),
    ("PUT", "/sla/policies/order/"),
    ("GET", "/sla/policies/1/"),
    ("PATCH", "/sla/policies/1/"),
    ("DELETE", "/sla/policies/1/"),
    ("GET", "/sla/calendars/"),
    ("POST", "/sla/calendars/"),
    ("GET", "/sla/calendars/1/"),
    ("PATCH", "/sla/calendars/1/"),
    ("DELETE", "/sla/calendars/1/"),
    ("GET", "/rules/"),
    ("POST", "/rules/"),
    ("POST", "/rules/dry-run/"),
    ("PUT", "/rules/order/"),
    ("GET", "/rules/1/"),
    ("PATCH", "/rules/1/"),
    ("DELETE", "/rules/1/"),
    ("POST", "/rules/1/dry-run/"),
    ("GET", "/rules/1/runs/"),
    ("GET", "/rules/tickets/1/runs/"),
    ("GET", "/tickets/1/time/"),
    ("POST", "/tickets/1/time/"),
    ("PATCH", "/tickets/1/time/1/"),
    ("DELETE", "/tickets/1/time/1/"),
    ("GET", "/surveys/"),
    ("POST", "/tickets/1/merge/"),
    ("POST", "/comments/1/split/"),
    ("GET", "/tickets/1/links/"),
    ("POST", "/tickets/1/links/"),
    ("DELETE", "/tickets/1/links/1/"),
    ("GET", "/tickets/1/followers/"),
    ("POST", "/tickets/1/followers/"),
    ("DELETE", "/tickets/1/followers/1/"),
    ("GET", "/tickets/1/cc/"),
    ("POST", "/tickets/1/cc/"),
    ("DELETE", "/tickets/1/cc/1/"),
    ("GET", "/teams/"),
    ("POST", "/teams/"),
    ("GET", "/teams/1/"),
    ("PATCH", "/teams/1/"),
    ("DELETE", "/teams/1/"),
    ("PUT", "/teams/tickets/1/"),
    ("GET", "/teams/availability/"),
    ("PUT", "/teams/availability/"),
    ("PUT", "/teams/agents/1/cap/"),
    ("GET", "/reports/"),
    ("GET", "/kb/categories/"),
    ("POST", "/kb/categories/"),
    ("GET", "/kb/articles/"),
    ("POST", "/kb/articles/"),
    ("GET", "/kb/articles/1/"),
    ("PATCH", "/kb/articles/1/"),
    ("POST", "/kb/articles/1/publish/"),
    ("POST", "/kb/articles/1/unpublish/"),
    ("GET", "/kb/articles/1/versions/"),
    ("POST", "/kb/articles/1/versions/1/restore/"),
    ("GET", "/kb/articles/1/images/"),
    ("POST", "/kb/articles/1/images/"),
    ("DELETE", "/kb/images/1/"),
    ("POST", "/kb/articles/1/vote/"),
    ("GET", "/webhooks/"),
    ("POST", "/webhooks/"),
    ("GET", "/webhooks/1/"),
    ("PATCH", "/webhooks/1/"),
    ("DELETE", "/webhooks/1/"),
    ("POST", "/webhooks/1/rotate-secret/"),
    ("POST", "/webhooks/1/test/"),
    ("GET", "/webhooks/1/deliveries/"),
    ("POST", "/webhooks/1/deliveries/1/resend/"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_anonymous_gets_401_json(anonymous: Api, customer: User, method: str, path: str) -> None:
    open_ticket(customer)
    response = anonymous.call(method, path, {} if method != "GET" else None)
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthenticated"


@pytest.mark.parametrize(
    "header",
    ["Bearer nonsense", "Bearer ", "Basic abc", "Token x", "Bearer a.b.c"],
)
def test_bad_bearer_is_401(db: None, header: str) -> None:
    response = Client().get(f"{BASE}/tickets/", headers={"Authorization": header})
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthenticated"


def test_bearer_of_inactive_user_is_401(customer: User) -> None:
    token = access_token_issue(customer)
    User.objects.filter(pk=customer.pk).update(is_active=False)
    response = Client().get(f"{BASE}/tickets/", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_bearer_role_comes_from_the_database(agent: User, customer: User) -> None:
    """A demoted agent loses staff access at once, whatever the token says."""
    ticket = open_ticket(customer)
    api = Api(agent)
    assert api.get(f"/tickets/{ticket.pk}/").status_code == 200
    User.objects.filter(pk=agent.pk).update(role=Role.CUSTOMER)
    assert api.get(f"/tickets/{ticket.pk}/").status_code == 404


def test_session_get_works(customer: User) -> None:
    ticket = open_ticket(customer)
    client = Client()
    client.force_login(customer)
    response = client.get(f"{BASE}/tickets/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [ticket.pk]


def test_session_post_without_csrf_is_403(customer: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    body = {"subject": "Cannot sign in", "description": "The login page says no."}
    response = client.post(f"{BASE}/tickets/", body, content_type="application/json")
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"


def test_session_post_with_csrf_token_works(customer: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    client.get("/home")  # sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    body = {"subject": "Cannot sign in", "description": "The login page says no."}
    response = client.post(
        f"{BASE}/tickets/", body, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert response.status_code == 201, response.content


def test_bearer_post_needs_no_csrf(customer: User) -> None:
    client = Client(enforce_csrf_checks=True)
    body = {"subject": "Cannot sign in", "description": "The login page says no."}
    response = client.post(
        f"{BASE}/tickets/",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {access_token_issue(customer)}"},
    )
    assert response.status_code == 201


def test_anonymous_post_without_csrf_is_401_not_403(db: None) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"{BASE}/tickets/", {}, content_type="application/json")
    assert response.status_code == 401
