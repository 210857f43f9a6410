"""``frontdesk setrole`` and ``frontdesk createadmin``: the server administrator's tools."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from frontdesk.accounts.models import Role, User


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("agent", Role.AGENT),
        ("2", Role.AGENT),
        ("ADMIN", Role.ADMIN),
        ("3", Role.ADMIN),
        ("1", Role.CUSTOMER),
    ],
)
def test_setrole_by_id_with_names_or_account_types(
    customer: User, role: str, expected: str
) -> None:
    output = run("setrole", str(customer.pk), role)
    assert User.objects.get(pk=customer.pk).role == expected
    assert f"User John (ID: {customer.pk}) is now" in output


def test_setrole_by_username(customer: User) -> None:
    run("setrole", "john", "agent")
    assert User.objects.get(pk=customer.pk).role == Role.AGENT


@pytest.mark.parametrize(
    ("user", "role", "error"),
    [
        ("Nobody", "agent", "No user with id or username 'Nobody'."),
        ("John", "wizard", "Unknown role 'wizard': use customer, agent or admin."),
        ("John", "7", "Unknown account type '7': use 1, 2 or 3."),
        ("0", "customer", "No user with id or username '0'."),
    ],
)
def test_setrole_errors_are_clear_and_change_nothing(
    customer: User, user: str, role: str, error: str
) -> None:
    with pytest.raises(CommandError, match=error.replace("(", r"\(")):
        run("setrole", user, role)
    assert User.objects.get(pk=customer.pk).role == Role.CUSTOMER


def test_createadmin_and_reset(db: None) -> None:
    run(
        "createadmin",
        "--username",
        "boss",
        "--email",
        "boss@example.com",
        "--password",
        "averysecretpass",
    )
    boss = User.objects.get(username="boss")
    assert boss.role == Role.ADMIN and boss.check_password("averysecretpass")
    run("createadmin", "--username", "boss", "--password", "anothersecret1", "--reset")
    boss.refresh_from_db()
    assert boss.check_password("anothersecret1")
    with pytest.raises(CommandError, match="at least 8"):
        run("createadmin", "--username", "boss", "--password", "short", "--reset")
