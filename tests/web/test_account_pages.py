"""Sign in, register, log out and the profile page."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from frontdesk.accounts.models import Role, User
from frontdesk.accounts.services import LOGIN_FAILED, WRONG_PASSWORD
from frontdesk.accounts.validators import PASSWORD_HINT, USERNAME_HINT
from tests.conftest import PASSWORD
from tests.web.conftest import html, signed_in, submit

pytestmark = pytest.mark.django_db


# --- who may see what ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/login", "/register"])
def test_sign_in_pages_render_for_anonymous(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    page = html(response)
    assert 'name="csrfmiddlewaretoken"' in page
    assert f'<form method="post" action="{path}"' in page
    assert "Sign in" in page and "Register" in page


@pytest.mark.parametrize("path", ["/", "/home", "/profile", "/ticket/new", "/ticket/1"])
def test_pages_behind_sign_in_redirect_to_login(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/login?next={path}"


@pytest.mark.parametrize("path", ["/login", "/register"])
def test_signed_in_users_go_home_from_sign_in_pages(customer: User, path: str) -> None:
    response = signed_in(customer).get(path)
    assert response.status_code == 302
    assert response["Location"] == "/home"


def test_header_links_home_and_offers_log_out(customer: User) -> None:
    page = html(signed_in(customer).get("/home"))
    assert '<a class="brand" href="/home"' in page
    assert 'action="/logout"' in page and ">Log out</button>" in page
    assert 'src="/profile-icons/red.png"' in page
    assert "John" in page
    assert 'href="/ticket/new"' in page and 'href="/profile"' in page


def test_header_for_anonymous_offers_sign_in_and_register(client: Client) -> None:
    page = html(client.get("/login"))
    assert 'href="/login"' in page and 'href="/register"' in page
    assert "Log out" not in page


def test_stylesheet_is_served(client: Client, settings: Settings) -> None:
    settings.WHITENOISE_AUTOREFRESH = False  # as deployed: the files indexed at start
    page = html(client.get("/login"))
    assert 'href="/static/frontdesk/frontdesk.css"' in page
    response = client.get("/static/frontdesk/frontdesk.css")
    assert response.status_code == 200
    assert b"prefers-color-scheme: dark" in b"".join(response.streaming_content)


# --- sign in ------------------------------------------------------------------------------


def test_login_success_signs_in_with_a_session(client: Client, customer: User) -> None:
    response = submit(client, "/login", {"username": "John", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/home"
    assert client.session["_auth_user_id"] == str(customer.pk)
    assert client.cookies["sessionid"]["httponly"]
    assert client.get("/home").status_code == 200


def test_login_accepts_the_email_address(client: Client, customer: User) -> None:
    response = submit(client, "/login", {"username": "john@example.com", "password": PASSWORD})
    assert response.status_code == 302


def test_login_failure_shows_the_seed_text_and_keeps_the_username(
    client: Client, customer: User
) -> None:
    response = submit(client, "/login", {"username": "John", "password": "wrong-password"})
    assert response.status_code == 400
    page = html(response)
    assert LOGIN_FAILED in page
    assert 'value="John"' in page
    assert "wrong-password" not in page
    assert "_auth_user_id" not in client.session


def test_login_with_blank_fields_says_what_is_missing(client: Client) -> None:
    page = html(submit(client, "/login", {"username": "", "password": ""}))
    assert "Enter your username or email address." in page
    assert "Enter your password." in page


def test_login_returns_to_the_page_that_asked(client: Client, customer: User) -> None:
    response = submit(client, "/login?next=/ticket/7", {"username": "John", "password": PASSWORD})
    assert response["Location"] == "/ticket/7"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/logout"])
def test_login_ignores_unsafe_next(client: Client, customer: User, target: str) -> None:
    response = submit(client, f"/login?next={target}", {"username": "John", "password": PASSWORD})
    assert response["Location"] == "/home"


# --- register -----------------------------------------------------------------------------


def test_register_shows_the_rules_before_typing(client: Client) -> None:
    page = html(client.get("/register"))
    assert USERNAME_HINT in page
    assert PASSWORD_HINT in page
    assert 'aria-describedby="id_password_helptext"' in page


def _registration(**changes: str) -> dict[str, str]:
    data = {
        "username": "Newbie",
        "email": "newbie@example.com",
        "password": "longenough",
        "password_confirm": "longenough",
    }
    return {**data, **changes}


def test_register_success_signs_in_and_goes_home(client: Client, db: None) -> None:
    response = submit(client, "/register", _registration())
    assert response.status_code == 302
    assert response["Location"] == "/home"
    user = User.objects.get(username="Newbie")
    assert user.role == Role.CUSTOMER
    assert client.session["_auth_user_id"] == str(user.pk)
    assert "Welcome to Frontdesk, Newbie." in html(client.get("/home"))


def test_register_passwords_must_match(client: Client, db: None) -> None:
    response = submit(client, "/register", _registration(password_confirm="different1"))
    assert response.status_code == 400
    page = html(response)
    assert "Passwords do not match." in page
    assert 'value="Newbie"' in page and 'value="newbie@example.com"' in page
    assert "longenough" not in page and "different1" not in page
    assert not User.objects.filter(username="Newbie").exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"password": "short", "password_confirm": "short"}, "password", "at least 8"),
        ({"username": "no spaces"}, "username", "alphanumeric"),
        ({"email": "not-an-email"}, "email", "The provided email was invalid."),
        ({"username": "john"}, "username", "That username is already taken."),
    ],
)
def test_register_service_errors_appear_next_to_their_field(
    client: Client, customer: User, changes: dict[str, str], field: str, message: str
) -> None:
    before = User.objects.count()
    response = submit(client, "/register", _registration(**changes))
    assert response.status_code == 400
    page = html(response)
    error = re.search(rf'<p class="field-error" id="id_{field}_error">(.*?)</p>', page, re.S)
    assert error is not None and message in error.group(1)
    assert f'aria-describedby="id_{field}_helptext id_{field}_error"' in page or (
        f'aria-describedby="id_{field}_error"' in page
    )
    assert User.objects.count() == before


# --- log out ------------------------------------------------------------------------------


def test_logout_signs_out_and_says_so(customer: User) -> None:
    client = signed_in(customer)
    response = submit(client, "/logout", {})
    assert response.status_code == 302
    assert response["Location"] == "/login"
    page = html(client.get("/login"))
    assert "You have been logged out." in page
    assert client.get("/home").status_code == 302


def test_logout_get_asks_for_confirmation(customer: User) -> None:
    client = signed_in(customer)
    page = html(client.get("/logout"))
    assert 'action="/logout"' in page and "Do you want to log out?" in page
    assert client.session["_auth_user_id"] == str(customer.pk)


def test_logout_get_when_signed_out_goes_to_login(client: Client) -> None:
    assert client.get("/logout")["Location"] == "/login"


# --- profile ------------------------------------------------------------------------------


def test_profile_shows_the_account(customer: User) -> None:
    page = html(signed_in(customer).get("/profile"))
    assert "John" in page and "john@example.com" in page and "Customer" in page
    assert f"<dd>{customer.pk}</dd>" in page
    assert 'id="icon-red" value="red" data-src="/profile-icons/red.png" checked' in page
    assert PASSWORD_HINT in page


def test_profile_changes_the_picture(customer: User) -> None:
    client = signed_in(customer)
    response = submit(client, "/profile", {"profile_icon": "purple", "old_password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/profile"
    customer.refresh_from_db()
    assert customer.profile_icon == "purple"
    page = html(client.get("/profile"))
    assert "Your profile has been saved." in page
    assert 'src="/profile-icons/purple.png"' in page


def test_profile_wrong_old_password_is_shown_next_to_that_field(customer: User) -> None:
    response = submit(
        signed_in(customer), "/profile", {"profile_icon": "blue", "old_password": "nope-nope"}
    )
    assert response.status_code == 400
    error = re.search(r'id="id_old_password_error">(.*?)</p>', html(response), re.S)
    assert error is not None and WRONG_PASSWORD in error.group(1)
    customer.refresh_from_db()
    assert customer.profile_icon == "red"
    assert 'id="icon-blue" value="blue" data-src="/profile-icons/blue.png" checked' in html(
        response
    )


def test_profile_new_passwords_must_match(customer: User) -> None:
    response = submit(
        signed_in(customer),
        "/profile",
        {
            "profile_icon": "red",
            "old_password": PASSWORD,
            "new_password": "brandnew123",
            "new_password_confirm": "brandnew124",
        },
    )
    assert response.status_code == 400
    assert "Passwords do not match." in html(response)
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_profile_short_new_password_is_refused(customer: User) -> None:
    data = {"profile_icon": "red", "old_password": PASSWORD}
    response = submit(
        signed_in(customer),
        "/profile",
        {**data, "new_password": "short", "new_password_confirm": "short"},
    )
    assert response.status_code == 400
    assert re.search(r'id="id_new_password_error">.*at least 8', html(response), re.S)
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_profile_password_change_keeps_the_session(customer: User) -> None:
    client = signed_in(customer)
    response = submit(
        client,
        "/profile",
        {
            "profile_icon": "red",
            "old_password": PASSWORD,
            "new_password": "brandnew123",
            "new_password_confirm": "brandnew123",
        },
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.check_password("brandnew123")
    assert client.get("/profile").status_code == 200


def test_profile_refuses_an_unknown_picture(customer: User) -> None:
    response = submit(
        signed_in(customer), "/profile", {"profile_icon": "admin", "old_password": PASSWORD}
    )
    assert response.status_code == 400
    assert "Profile icon is invalid." in html(response)


# --- CSRF ---------------------------------------------------------------------------------


def _csrf_token(page: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_form_post_with_a_wrong_csrf_token_is_refused(customer: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.get("/login")
    response = client.post(
        "/login", {"csrfmiddlewaretoken": "x" * 64, "username": "John", "password": PASSWORD}
    )
    assert response.status_code == 403
    assert "This form has expired" in html(response)
    assert "_auth_user_id" not in client.session


def test_form_post_with_the_right_csrf_token_works(customer: User) -> None:
    client = Client(enforce_csrf_checks=True)
    token = _csrf_token(html(client.get("/login")))
    response = client.post(
        "/login", {"csrfmiddlewaretoken": token, "username": "John", "password": PASSWORD}
    )
    assert response.status_code == 302


def test_logout_needs_the_csrf_token(customer: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    client.get("/home")
    response = client.post("/logout", {"csrfmiddlewaretoken": "x" * 64})
    assert response.status_code == 403
    assert client.session["_auth_user_id"] == str(customer.pk)
