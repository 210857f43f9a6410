"""SupportMe bearer tokens: claims, expiry, and the database as the authority on roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from django.conf import settings

from frontdesk.accounts.models import Role, User
from frontdesk.accounts.tokens import access_token_issue, access_token_user, token_version_bump
from tests.conftest import Clock


def test_token_claims_follow_the_seed(
    customer: User, agent: User, admin: User, clock: Clock
) -> None:
    for user, account_type in ((customer, 1), (agent, 2), (admin, 3)):
        claims = jwt.decode(access_token_issue(user), settings.JWT_SECRET_KEY, ["HS256"])
        assert claims["user_id"] == user.pk and claims["account_type"] == account_type
        assert claims["exp"] == int(clock.current.timestamp()) + 86400


def test_valid_token_finds_current_user(customer: User) -> None:
    assert access_token_user("Bearer " + access_token_issue(customer)) == customer


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer ", "Basic abc", "Bearer not.a.jwt", "token"],
)
def test_malformed_headers_find_nobody(customer: User, header: str | None) -> None:
    assert access_token_user(header) is None


def test_expired_forged_and_unknown_tokens_find_nobody(customer: User, clock: Clock) -> None:
    moment = int(clock.current.timestamp())
    past = {"user_id": customer.pk, "account_type": 1, "exp": moment}
    forged = {"user_id": customer.pk, "account_type": 2, "exp": moment + 60}
    ghost = {"user_id": 987654, "account_type": 1, "exp": moment + 60}
    no_exp = {"user_id": customer.pk, "account_type": 1}
    assert access_token_user("Bearer " + jwt.encode(past, settings.JWT_SECRET_KEY)) is None
    assert access_token_user("Bearer " + jwt.encode(forged, "another-key-" * 4)) is None
    assert access_token_user("Bearer " + jwt.encode(ghost, settings.JWT_SECRET_KEY)) is None
    assert access_token_user("Bearer " + jwt.encode(no_exp, settings.JWT_SECRET_KEY)) is None
    none_alg = jwt.encode(forged, None, algorithm="none")
    assert access_token_user("Bearer " + none_alg) is None


def test_system_and_deactivated_users_have_no_token_access(customer: User, clock: Clock) -> None:
    system = {"user_id": 0, "account_type": 2, "exp": int(clock.current.timestamp()) + 60}
    assert access_token_user("Bearer " + jwt.encode(system, settings.JWT_SECRET_KEY)) is None
    token = "Bearer " + access_token_issue(customer)
    customer.is_active = False
    customer.save()
    assert access_token_user(token) is None


@pytest.mark.parametrize(
    ("exp", "valid"),
    [("2000000000", True), (2000000000.5, True), ("soon", False), ([1], False), (True, False)],
)
def test_the_expiry_is_read_as_pyjwt_reads_it(
    customer: User, clock: Clock, exp: object, valid: bool
) -> None:
    clock.current = datetime(2030, 1, 1, tzinfo=UTC)  # 2000000000 is in May 2033
    token = jwt.encode({"user_id": customer.pk, "exp": exp}, settings.JWT_SECRET_KEY)
    assert (access_token_user(f"Bearer {token}") == customer) is valid


def test_role_comes_from_database_not_claim(agent: User) -> None:
    token = "Bearer " + access_token_issue(agent)
    agent.role = Role.CUSTOMER
    agent.save()
    user = access_token_user(token)
    assert user is not None and not user.is_staff_member


def test_a_token_seen_before_still_expires_and_is_still_ended(customer: User, clock: Clock) -> None:
    """Its signature is checked once (tokens._verified keeps what it says); the expiry and
    whether it was ended are asked again on every request."""
    token = "Bearer " + access_token_issue(customer)
    assert access_token_user(token) == customer
    assert access_token_user(token) == customer  # from what was kept
    clock.current = clock.current + timedelta(seconds=settings.JWT_LIFETIME_SECONDS)
    assert access_token_user(token) is None
    clock.current = clock.current - timedelta(seconds=60)
    assert access_token_user(token) == customer
    token_version_bump(customer)
    assert access_token_user(token) is None


def test_a_token_checked_under_another_secret_is_checked_again(
    customer: User, settings: Any
) -> None:
    token = "Bearer " + access_token_issue(customer)
    assert access_token_user(token) == customer
    settings.JWT_SECRET_KEY = "another-secret-" * 4
    assert access_token_user(token) is None
