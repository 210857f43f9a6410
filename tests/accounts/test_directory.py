"""Staff sign-in with their directory password, against OpenLDAP's slapd started for the test
(tests/accounts/ldap_server.py): on the sign-in page, SupportMe's ``POST /login`` and the admin
alike, only for the directory's staff groups, the role from the groups at every sign-in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from pytest_django.fixtures import Settings

from frontdesk.accounts.models import Role, SessionEvent, SessionEventKind, SsoIdentity, User
from frontdesk.accounts.services import user_check_credentials
from tests.accounts.ldap_server import (
    ADMINS_DN,
    AGENTS_DN,
    BASE,
    DANCERS_DN,
    Directory,
    directory_running,
)
from tests.conftest import PASSWORD, make_user

DIRECTORY_PASSWORD = "Tango-in-the-directory-1"


@pytest.fixture
def directory(settings: Settings, db: None) -> Iterator[Directory]:
    with directory_running() as running:
        settings.FRONTDESK_LDAP_SERVER_URI = running.uri
        settings.FRONTDESK_LDAP_USER_BASE = f"ou=people,{BASE}"
        settings.FRONTDESK_LDAP_GROUP_BASE = f"ou=groups,{BASE}"
        settings.FRONTDESK_LDAP_AGENT_GROUPS = [AGENTS_DN]
        settings.FRONTDESK_LDAP_ADMIN_GROUPS = [ADMINS_DN]
        yield running


def page_sign_in(username: str, password: str) -> tuple[Client, Any]:
    client = Client(enforce_csrf_checks=True)
    client.get("/login")
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    answer = client.post(
        "/login", {"csrfmiddlewaretoken": token, "username": username, "password": password}
    )
    return client, answer


def test_an_agent_signs_in_on_the_page_with_the_directory_password(directory: Directory) -> None:
    dn = directory.add_person("maria", DIRECTORY_PASSWORD, "maria@studio.example", AGENTS_DN)

    client, answer = page_sign_in("maria", DIRECTORY_PASSWORD)

    assert (answer.status_code, answer["Location"]) == (302, "/home")
    maria = User.objects.get(username="maria")
    assert maria.role == Role.AGENT and maria.email == "maria@studio.example"
    assert not maria.has_usable_password()  # the directory keeps the password
    assert SsoIdentity.objects.get(user=maria).subject == dn
    assert SessionEvent.objects.filter(user=maria, kind=SessionEventKind.SIGN_IN).exists()
    assert "Claimable" in client.get("/home").content.decode()


def test_supportme_login_takes_the_directory_password_too(directory: Directory) -> None:
    directory.add_person("lead", DIRECTORY_PASSWORD, "lead@studio.example", ADMINS_DN)
    answer = Client().post(
        "/login",
        json.dumps({"username": "lead", "password": DIRECTORY_PASSWORD}),
        content_type="application/json",
    )
    assert answer.status_code == 200 and "access_token" in answer.json()
    assert User.objects.get(username="lead").role == Role.ADMIN


def test_only_the_staff_groups_get_in(directory: Directory) -> None:
    directory.add_person("dancer", DIRECTORY_PASSWORD, "dancer@studio.example", DANCERS_DN)

    _, answer = page_sign_in("dancer", DIRECTORY_PASSWORD)

    assert answer.status_code == 400
    assert "username and password was not found" in answer.content.decode()
    assert not User.objects.filter(username="dancer").exists()
    assert SessionEvent.objects.filter(kind=SessionEventKind.FAILED_SIGN_IN).count() == 1


def test_a_wrong_directory_password_signs_nobody_in(directory: Directory) -> None:
    directory.add_person("maria", DIRECTORY_PASSWORD, "maria@studio.example", AGENTS_DN)
    assert user_check_credentials(username="maria", password="not-the-password") is None
    assert user_check_credentials(username="maria", password="") is None
    assert not User.objects.filter(username="maria").exists()


def test_the_role_follows_the_groups_and_leaving_them_locks_out(directory: Directory) -> None:
    make_user("boss", Role.ADMIN)
    dn = directory.add_person("maria", DIRECTORY_PASSWORD, "maria@studio.example", ADMINS_DN)
    assert user_check_credentials(username="maria", password=DIRECTORY_PASSWORD) is not None
    assert User.objects.get(username="maria").role == Role.ADMIN

    directory.remove_from(ADMINS_DN, dn)
    directory.connection().modify_s(AGENTS_DN, [(0, "member", [dn.encode()])])
    assert user_check_credentials(username="maria", password=DIRECTORY_PASSWORD) is not None
    assert User.objects.get(username="maria").role == Role.AGENT

    directory.remove_from(AGENTS_DN, dn)
    assert user_check_credentials(username="maria", password=DIRECTORY_PASSWORD) is None


def test_a_customer_with_the_same_name_is_not_taken_over(directory: Directory) -> None:
    stranger = make_user("maria", Role.CUSTOMER)  # maria@example.com, registered on the site
    directory.add_person("maria", DIRECTORY_PASSWORD, "maria@studio.example", AGENTS_DN)

    assert user_check_credentials(username="maria", password=DIRECTORY_PASSWORD) is None
    stranger.refresh_from_db()
    assert stranger.role == Role.CUSTOMER and not SsoIdentity.objects.exists()
    # Her own password still works for her own account.
    assert user_check_credentials(username="maria", password=PASSWORD) == stranger


def test_an_account_with_the_directorys_address_is_joined(directory: Directory) -> None:
    same = make_user("maria", Role.CUSTOMER)
    User.objects.filter(pk=same.pk).update(email="maria@studio.example")
    directory.add_person("maria", DIRECTORY_PASSWORD, "maria@studio.example", AGENTS_DN)

    assert user_check_credentials(username="maria", password=DIRECTORY_PASSWORD) == same
    same.refresh_from_db()
    assert same.role == Role.AGENT


def test_a_directory_that_does_not_answer_leaves_local_passwords_working(
    directory: Directory, settings: Settings, customer: User
) -> None:
    directory.add_person("maria", DIRECTORY_PASSWORD, "maria@studio.example", AGENTS_DN)
    settings.FRONTDESK_LDAP_SERVER_URI = "ldap://127.0.0.1:9"  # nothing listens there

    _, answer = page_sign_in("maria", DIRECTORY_PASSWORD)
    assert answer.status_code == 400  # refused in words, not a 500
    assert user_check_credentials(username=customer.username, password=PASSWORD) == customer


def test_without_a_directory_its_people_have_no_way_in(
    directory: Directory, settings: Settings
) -> None:
    directory.add_person("maria", DIRECTORY_PASSWORD, "maria@studio.example", AGENTS_DN)
    settings.FRONTDESK_LDAP_SERVER_URI = ""
    assert user_check_credentials(username="maria", password=DIRECTORY_PASSWORD) is None


def test_a_half_configured_directory_stops_the_start_with_what_is_missing() -> None:
    env = {**os.environ, "FRONTDESK_LDAP_SERVER_URI": "ldap://directory.example"}
    result = subprocess.run(
        [sys.executable, "-c", "import frontdesk.settings"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "FRONTDESK_LDAP_USER_BASE" in result.stderr
    assert "FRONTDESK_LDAP_AGENT_GROUPS or FRONTDESK_LDAP_ADMIN_GROUPS" in result.stderr
