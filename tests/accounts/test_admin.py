"""The admin site: only admins get in; role changes go through the service."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client

from frontdesk.accounts.models import Role, User
from frontdesk.core.clock import now
from tests.conftest import open_ticket


def test_only_admins_reach_the_admin_site(
    client: Client, admin: User, agent: User, customer: User
) -> None:
    for user in (agent, customer):
        client.force_login(user)
        assert client.get("/admin/").status_code == 302  # sent to the admin login
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200


def test_admin_promotes_with_an_action_and_system_is_hidden(
    client: Client, admin: User, customer: User
) -> None:
    client.force_login(admin)
    page = client.get("/admin/accounts/user/")
    listed = {user.username for user in page.context["cl"].result_list}
    assert listed == {"Ada", "John"}  # System never appears as an account to manage
    response = client.post(
        "/admin/accounts/user/",
        {"action": "make_agent", "_selected_action": [customer.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert User.objects.get(pk=customer.pk).role == Role.AGENT


def test_admin_cannot_demote_the_last_admin(client: Client, admin: User) -> None:
    client.force_login(admin)
    response = client.post(
        "/admin/accounts/user/",
        {"action": "make_customer", "_selected_action": [admin.pk]},
        follow=True,
    )
    assert b"last admin" in response.content
    assert User.objects.get(pk=admin.pk).role == Role.ADMIN


def test_ticket_list_shows_badges_and_overdue(client: Client, admin: User, customer: User) -> None:
    due_at = now() - timedelta(hours=2)
    ticket = open_ticket(customer, "Heating not working", "x" * 20, staff=admin, due_at=due_at)
    client.force_login(admin)
    page = client.get("/admin/tickets/ticket/")
    assert page.status_code == 200
    assert ticket.number.encode() in page.content
    assert b"Overdue" in page.content and b">New<" in page.content
    detail = client.get(f"/admin/tickets/ticket/{ticket.pk}/change/")
    assert detail.status_code == 200 and b"x" * 20 in detail.content
