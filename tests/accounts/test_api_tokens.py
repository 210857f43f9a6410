"""accounts/api_tokens.py: making, naming, scoping, revoking and resolving personal tokens."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest

from frontdesk.accounts.api_tokens import (
    MAX_ACTIVE,
    api_token_create,
    api_token_revoke,
    api_token_user,
    api_tokens_active_for,
)
from frontdesk.accounts.models import SYSTEM_USER_ID, ApiToken, User
from frontdesk.core.errors import InvalidInput, NotAllowed, NotFound
from tests.conftest import PASSWORD, Clock

TOKEN_SHAPE = re.compile(r"\Afd_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}\Z")


def test_a_token_is_shown_once_and_stored_as_a_hash(customer: User) -> None:
    token, plaintext = api_token_create(
        user=customer, name="Reports", scope="read", password=PASSWORD
    )
    assert TOKEN_SHAPE.match(plaintext)
    secret = plaintext[12:]
    assert plaintext[3:11] == token.prefix
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = ApiToken.objects.get(pk=token.pk)
    values = [
        str(value) for value in ApiToken.objects.filter(pk=token.pk).values().first().values()
    ]
    assert not any(secret in value or plaintext in value for value in values)
    assert stored.scope == "read" and stored.last_used_at is None and stored.revoked_at is None


def test_the_token_names_its_user_and_scope(customer: User) -> None:
    _, plaintext = api_token_create(
        user=customer, name="Script", scope="read_write", password=PASSWORD
    )
    assert api_token_user(plaintext) == (customer, "read_write")


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "fd_",
        "fd_short",
        "Bearer fd_x",
        "fd_AAAAAAAA_" + "x" * 43,  # the right shape, an unknown secret
        "gh_AAAAAAAA_" + "x" * 43,
        "fd_" + "x" * 500,
        "fd_AAAAAAAA_\ud800",
    ],
)
def test_anything_else_is_nobody(customer: User, raw: str) -> None:
    api_token_create(user=customer, name="Real", scope="read", password=PASSWORD)
    assert api_token_user(raw) is None


def test_the_prefix_must_match_the_secret(customer: User) -> None:
    _, plaintext = api_token_create(user=customer, name="Real", scope="read", password=PASSWORD)
    assert api_token_user("fd_ZZZZZZZZ" + plaintext[11:]) is None


def test_revoked_expired_inactive_and_system_tokens_are_nobody(
    customer: User, other_customer: User, clock: Clock
) -> None:
    revoked, revoked_text = api_token_create(
        user=customer, name="Old", scope="read", password=PASSWORD
    )
    api_token_revoke(actor=customer, token_id=revoked.pk)
    assert api_token_user(revoked_text) is None

    _, expiring = api_token_create(
        user=customer,
        name="Soon",
        scope="read",
        password=PASSWORD,
        expires_at=clock.current + timedelta(hours=1),
    )
    assert api_token_user(expiring) is not None
    clock.advance(3600)
    assert api_token_user(expiring) is None

    _, deactivated = api_token_create(
        user=other_customer, name="Mine", scope="read", password=PASSWORD
    )
    User.objects.filter(pk=other_customer.pk).update(is_active=False)
    assert api_token_user(deactivated) is None

    system = User.objects.get(pk=SYSTEM_USER_ID)
    with pytest.raises(NotAllowed):
        api_token_create(user=system, name="System", scope="read_write", password=PASSWORD)


def test_a_system_token_in_the_table_still_never_authenticates(customer: User) -> None:
    token, plaintext = api_token_create(
        user=customer, name="Moved", scope="read", password=PASSWORD
    )
    ApiToken.objects.filter(pk=token.pk).update(user_id=SYSTEM_USER_ID)
    assert api_token_user(plaintext) is None


def test_last_used_is_written_at_most_once_a_minute(customer: User, clock: Clock) -> None:
    token, plaintext = api_token_create(user=customer, name="Busy", scope="read", password=PASSWORD)
    api_token_user(plaintext)
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first == clock.current
    clock.advance(59)
    api_token_user(plaintext)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    clock.advance(1)
    api_token_user(plaintext)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == clock.current


@pytest.mark.parametrize("name", ["", "   ", "x" * 61, "bad\x00name"])
def test_names_are_one_to_sixty_characters(customer: User, name: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        api_token_create(user=customer, name=name, scope="read", password=PASSWORD)
    assert refused.value.field == "name"


def test_sixty_characters_and_spaces_around_are_fine(customer: User) -> None:
    token, _ = api_token_create(
        user=customer, name=f"  {'x' * 60}  ", scope="read", password=PASSWORD
    )
    assert token.name == "x" * 60


def test_the_scope_is_read_or_read_write(customer: User) -> None:
    with pytest.raises(InvalidInput) as refused:
        api_token_create(user=customer, name="Admin", scope="admin", password=PASSWORD)
    assert refused.value.field == "scope"


def test_the_expiry_must_be_in_the_future(customer: User, clock: Clock) -> None:
    with pytest.raises(InvalidInput):
        api_token_create(
            user=customer, name="Past", scope="read", password=PASSWORD, expires_at=clock.current
        )


def test_names_are_unique_among_a_users_active_tokens(
    customer: User, other_customer: User, clock: Clock
) -> None:
    first, _ = api_token_create(user=customer, name="CI", scope="read", password=PASSWORD)
    with pytest.raises(InvalidInput, match="already have a token with that name"):
        api_token_create(user=customer, name="ci", scope="read", password=PASSWORD)
    api_token_create(
        user=other_customer, name="CI", scope="read", password=PASSWORD
    )  # someone else's: fine
    api_token_revoke(actor=customer, token_id=first.pk)
    api_token_create(
        user=customer, name="CI", scope="read", password=PASSWORD
    )  # the old one is revoked
    api_token_create(
        user=customer,
        name="Temp",
        scope="read",
        password=PASSWORD,
        expires_at=clock.current + timedelta(minutes=1),
    )
    clock.advance(61)
    api_token_create(
        user=customer, name="Temp", scope="read", password=PASSWORD
    )  # the old one has expired


def test_at_most_twenty_active_tokens(customer: User) -> None:
    tokens = [
        api_token_create(user=customer, name=f"T{n}", scope="read", password=PASSWORD)[0]
        for n in range(MAX_ACTIVE)
    ]
    with pytest.raises(InvalidInput, match="20 tokens"):
        api_token_create(user=customer, name="One more", scope="read", password=PASSWORD)
    api_token_revoke(actor=customer, token_id=tokens[0].pk)
    api_token_create(user=customer, name="One more", scope="read", password=PASSWORD)
    assert api_tokens_active_for(customer).count() == MAX_ACTIVE


def test_owners_revoke_their_own_and_admins_anyones(
    customer: User, other_customer: User, agent: User, admin: User
) -> None:
    token, _ = api_token_create(user=customer, name="Mine", scope="read", password=PASSWORD)
    for stranger in (other_customer, agent):
        with pytest.raises(NotFound):
            api_token_revoke(actor=stranger, token_id=token.pk)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    api_token_revoke(actor=customer, token_id=token.pk)
    revoked_at = ApiToken.objects.get(pk=token.pk).revoked_at
    assert revoked_at is not None
    # Revoking again changes nothing.
    api_token_revoke(actor=customer, token_id=token.pk)
    assert ApiToken.objects.get(pk=token.pk).revoked_at == revoked_at

    theirs, _ = api_token_create(
        user=other_customer, name="Theirs", scope="read", password=PASSWORD
    )
    api_token_revoke(actor=admin, token_id=theirs.pk)
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is not None


@pytest.mark.parametrize("token_id", [0, -1, 999999, 2**80])
def test_revoking_what_does_not_exist(customer: User, token_id: int) -> None:
    with pytest.raises(NotFound):
        api_token_revoke(actor=customer, token_id=token_id)


def test_the_admin_lists_tokens_without_secrets_and_revokes(
    client: object, admin: User, customer: User
) -> None:
    from django.test import Client

    assert isinstance(client, Client)
    token, plaintext = api_token_create(
        user=customer, name="Listed", scope="read_write", password=PASSWORD
    )
    client.force_login(admin)
    page = client.get("/admin/accounts/apitoken/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Listed" in text and token.prefix in text
    assert plaintext[12:] not in text and token.token_hash not in text
    detail = client.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()
    assert token.token_hash not in detail
    response = client.post(
        "/admin/accounts/apitoken/",
        {"action": "_revoke_tokens", "_selected_action": [token.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Revoked 1 token." in response.content.decode()
    assert api_token_user(plaintext) is None
