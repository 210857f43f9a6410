"""The admin site: only admins get in; it is a face over the account services (roles,
details, activation), and shows nothing that means nothing here (groups)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from frontdesk.accounts.api_tokens import api_token_create
from frontdesk.accounts.models import (
    ApiToken,
    ApiTokenScope,
    Organisation,
    Role,
    SessionEvent,
    User,
    UserSession,
)
from frontdesk.accounts.services import EMAIL_TAKEN, LAST_ADMIN, USERNAME_TAKEN
from frontdesk.core.clock import now
from tests.admin_forms import admin_browser, change_form, form_errors, read_form
from tests.conftest import PASSWORD, make_user, open_ticket

USERS = "/admin/accounts/user/"


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


# --- the change forms go through the services -----------------------------------------------


def test_the_user_form_never_deactivates_the_last_active_admin(admin: User) -> None:
    client = admin_browser(admin)
    second = make_user("Grace", Role.ADMIN, profile_icon="admin")
    path = f"{USERS}{second.pk}/change/"
    assert change_form(client, path, "user_form", is_active=[]).status_code == 302
    assert not User.objects.get(pk=second.pk).is_active
    # Grace no longer counts: Ada is the last active admin.
    path = f"{USERS}{admin.pk}/change/"
    response = change_form(client, path, "user_form", is_active=[], email="ada@example.org")
    assert form_errors(response) == {"is_active": [LAST_ADMIN]}
    assert LAST_ADMIN.encode() in response.content
    saved = User.objects.get(pk=admin.pk)
    assert saved.is_active and saved.email == "ada@example.com"  # nothing saved


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("username", "John Smith!", "Username can only contain alphanumeric characters."),
        ("username", "JANE", USERNAME_TAKEN),
        ("email", "JANE@example.com", EMAIL_TAKEN),
        ("profile_icon", "admin", "Profile icon is invalid."),
    ],
)
def test_the_user_form_refuses_what_registration_refuses(
    admin: User, customer: User, other_customer: User, field: str, value: str, error: str
) -> None:
    path = f"{USERS}{customer.pk}/change/"
    response = change_form(admin_browser(admin), path, "user_form", is_active=[], **{field: value})
    assert form_errors(response) == {field: [error]}
    saved = User.objects.get(pk=customer.pk)
    assert (saved.username, saved.email, saved.profile_icon, saved.is_active) == (
        "John",
        "john@example.com",
        "red",
        True,
    )


def test_the_user_form_saves_through_the_services(admin: User, customer: User) -> None:
    acme = Organisation.objects.create(name="Acme")
    path = f"{USERS}{customer.pk}/change/"
    response = change_form(
        admin_browser(admin),
        path,
        "user_form",
        email="John.Smith@Example.COM",
        organisation=str(acme.pk),
        is_active=[],
    )
    assert response.status_code == 302
    saved = User.objects.get(pk=customer.pk)
    assert (saved.email, saved.organisation, saved.is_active) == (
        "john.smith@example.com",  # as registration stores it
        acme,
        False,
    )


def test_accounts_are_deactivated_not_deleted(admin: User, customer: User) -> None:
    client = admin_browser(admin)
    path = f"{USERS}{customer.pk}/delete/"
    assert client.get(path).status_code == 403
    assert client.post(path, {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=customer.pk).exists()
    actions = client.get(USERS).context["action_form"].fields["action"].choices
    assert "delete_selected" not in dict(actions)


def test_groups_mean_nothing_here_and_are_not_shown(admin: User) -> None:
    client = admin_browser(admin)
    assert client.get("/admin/auth/group/").status_code == 404
    assert client.get("/admin/auth/").status_code == 404
    assert b"Groups" not in client.get("/admin/").content


def test_an_organisation_keeps_its_creation_time_and_its_unique_name(admin: User) -> None:
    acme = Organisation.objects.create(name="Acme")
    Organisation.objects.create(name="Globex")
    client = admin_browser(admin)
    path = f"/admin/accounts/organisation/{acme.pk}/change/"
    fields = read_form(client.get(path), "organisation_form")
    assert not [name for name in fields if name.startswith("created_at")]
    response = change_form(
        client, path, "organisation_form", name="Acme Ltd", created_at_0="2001-01-01"
    )
    assert response.status_code == 302
    saved = Organisation.objects.get(pk=acme.pk)
    assert saved.name == "Acme Ltd" and saved.created_at == acme.created_at
    response = change_form(client, path, "organisation_form", name="GLOBEX")
    assert list(form_errors(response)) == ["__all__"]
    assert Organisation.objects.get(pk=acme.pk).name == "Acme Ltd"


@pytest.mark.parametrize("model", ["sessionevent", "usersession", "apitoken"])
def test_the_audit_trail_sessions_and_tokens_are_read_only(
    admin: User, customer: User, model: str
) -> None:
    """Already so before the admin became a face (sessions end and tokens are revoked by
    actions that call their services); kept so."""
    client = Client()
    client.force_login(customer)  # a session, its audit row
    api_token_create(user=customer, name="Laptop", scope=ApiTokenScope.READ, password=PASSWORD)
    row = {
        "sessionevent": SessionEvent,
        "usersession": UserSession,
        "apitoken": ApiToken,
    }[model].objects.first()
    assert row is not None
    browser = admin_browser(admin)
    path = f"/admin/accounts/{model}/{row.pk}/change/"
    assert change_form(browser, path, f"{model}_form").status_code == 403
    assert browser.get(f"/admin/accounts/{model}/{row.pk}/delete/").status_code == 403


def test_the_user_page_never_shows_the_password_hash(admin: User, customer: User) -> None:
    page = admin_browser(admin).get(f"{USERS}{customer.pk}/change/").content.decode()
    assert customer.password not in page
    assert "Set" in page
