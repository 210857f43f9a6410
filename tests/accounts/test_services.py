"""Account use cases: registration rules, sign-in, profile edits, roles, details, activation."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import identify_hasher, make_password
from django.test import override_settings

from frontdesk.accounts import selectors as account_selectors
from frontdesk.accounts import services
from frontdesk.accounts.models import Organisation, Role, User
from frontdesk.core.errors import InvalidInput, NotAllowed, NotFound
from tests.conftest import PASSWORD, make_user


def test_register_creates_customer_with_seed_icon(db: None) -> None:
    user = services.user_register(username="John", email="John@Website.net", password=PASSWORD)
    assert user.role == Role.CUSTOMER
    assert user.email == "john@website.net"
    assert user.profile_icon in {"blue", "green", "purple", "red"}
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("username", "email", "password", "error"),
    [
        (
            "John Doe",
            "j@example.com",
            PASSWORD,
            "Username can only contain alphanumeric characters.",
        ),
        ("Jöhn", "j@example.com", PASSWORD, "Username can only contain alphanumeric characters."),
        ("x" * 17, "j@example.com", PASSWORD, "Username cannot be more than 16 characters."),
        ("John", "j@example.com", "2short", "Password must be at least 8 characters."),
        ("John", "j@example.com", "x" * 33, "Password cannot be more than 32 characters."),
        ("John", "not-an-email", PASSWORD, "The provided email was invalid."),
    ],
)
def test_register_rules_in_seed_words(
    db: None, username: str, email: str, password: str, error: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.user_register(username=username, email=email, password=password)
    assert caught.value.message == error
    assert not User.objects.exclude(role=Role.SYSTEM).exists()


def test_usernames_and_emails_are_unique_case_insensitively(customer: User) -> None:
    with pytest.raises(InvalidInput, match=r"That username is already taken\."):
        services.user_register(username="JOHN", email="new@example.com", password=PASSWORD)
    with pytest.raises(InvalidInput, match="A user is already registered with that email"):
        services.user_register(username="Johnny", email="JOHN@example.com", password=PASSWORD)


def test_authenticate_is_case_insensitive_and_accepts_email(customer: User) -> None:
    assert services.user_authenticate(username="john", password=PASSWORD) == customer
    assert services.user_authenticate(username="john@example.com", password=PASSWORD) == customer


@pytest.mark.parametrize(
    ("username", "password"),
    [("John", "wrongpassword"), ("Nobody", PASSWORD), ("System", "securepassword"), ("", "")],
)
def test_failed_sign_in_gives_one_message(customer: User, username: str, password: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.user_authenticate(username=username, password=password)
    assert caught.value.message == "A user with the supplied username and password was not found."


def test_inactive_user_cannot_sign_in(customer: User) -> None:
    customer.is_active = False
    customer.save()
    assert services.user_check_credentials(username="John", password=PASSWORD) is None


def test_update_profile_needs_old_password_and_changes_nothing_on_error(customer: User) -> None:
    with pytest.raises(NotAllowed, match=r"Incorrect password was provided\."):
        services.user_update_profile(
            user=customer,
            old_password="nottoosure",
            new_password="randompassword",
            profile_icon="purple",
        )
    with pytest.raises(InvalidInput, match=r"Profile icon is invalid\."):
        services.user_update_profile(
            user=customer, old_password=PASSWORD, new_password="", profile_icon="admin"
        )
    customer.refresh_from_db()
    assert customer.profile_icon == "red" and customer.check_password(PASSWORD)


def test_only_admins_may_wear_the_admin_icon(admin: User, customer: User) -> None:
    services.user_update_profile(
        user=admin, old_password=PASSWORD, new_password="", profile_icon="admin"
    )
    with pytest.raises(InvalidInput, match=r"Profile icon is invalid\."):
        services.user_update_profile(
            user=customer, old_password=PASSWORD, new_password="", profile_icon="admin"
        )


def test_update_profile_with_empty_new_password_keeps_password(customer: User) -> None:
    services.user_update_profile(
        user=customer, old_password=PASSWORD, new_password="", profile_icon="purple"
    )
    customer.refresh_from_db()
    assert customer.profile_icon == "purple" and customer.check_password(PASSWORD)
    services.user_update_profile(
        user=customer,
        old_password=PASSWORD,
        new_password="securepassword2",
        profile_icon="purple",
    )
    customer.refresh_from_db()
    assert customer.check_password("securepassword2")


def test_set_role_rules(admin: User, agent: User, customer: User) -> None:
    services.user_set_role(actor=admin, user=customer, role=Role.AGENT)
    assert User.objects.get(pk=customer.pk).role == Role.AGENT
    with pytest.raises(NotAllowed):
        services.user_set_role(actor=agent, user=customer, role=Role.ADMIN)
    with pytest.raises(InvalidInput, match="Unknown role"):
        services.user_set_role(actor=None, user=customer, role="wizard")
    with pytest.raises(NotAllowed):
        services.user_set_role(actor=None, user=services.system_user_ensure(), role=Role.AGENT)
    with pytest.raises(InvalidInput, match="last admin"):
        services.user_set_role(actor=None, user=admin, role=Role.CUSTOMER)


def test_set_active_rules(admin: User, agent: User, customer: User) -> None:
    services.user_set_active(actor=admin, user=customer, active=False)
    assert not User.objects.get(pk=customer.pk).is_active
    services.user_set_active(actor=admin, user=customer, active=True)
    assert User.objects.get(pk=customer.pk).is_active
    with pytest.raises(NotAllowed):
        services.user_set_active(actor=agent, user=customer, active=False)
    with pytest.raises(NotAllowed, match="System"):
        services.user_set_active(actor=admin, user=services.system_user_ensure(), active=False)
    with pytest.raises(InvalidInput, match="last admin") as refused:
        services.user_set_active(actor=admin, user=admin, active=False)
    assert refused.value.field == "is_active"
    assert User.objects.get(pk=admin.pk).is_active
    # Another active admin: either may go; an inactive one does not count.
    second = make_user("Grace", Role.ADMIN)
    services.user_set_active(actor=admin, user=second, active=False)
    with pytest.raises(InvalidInput, match="last admin"):
        services.user_set_active(actor=admin, user=admin, active=False)
    services.user_set_active(actor=admin, user=second, active=True)
    services.user_set_active(actor=second, user=admin, active=False)
    assert not User.objects.get(pk=admin.pk).is_active


def test_set_role_counts_only_active_admins(admin: User) -> None:
    second = make_user("Grace", Role.ADMIN, is_active=False)
    with pytest.raises(InvalidInput, match="last admin"):
        services.user_set_role(actor=None, user=admin, role=Role.AGENT)
    services.user_set_role(actor=None, user=second, role=Role.AGENT)  # not an active admin


def test_update_details_by_the_registration_rules(
    admin: User, agent: User, customer: User, other_customer: User
) -> None:
    acme = Organisation.objects.create(name="Acme")
    services.user_update_details(
        actor=admin,
        user=customer,
        changes={"username": "JohnS", "email": " John.S@Example.COM ", "organisation": acme.pk},
    )
    saved = User.objects.get(pk=customer.pk)
    assert (saved.username, saved.email) == ("JohnS", "john.s@example.com")
    assert saved.organisation == acme
    services.user_update_details(actor=admin, user=customer, changes={"organisation": None})
    assert User.objects.get(pk=customer.pk).organisation is None

    refused = [
        ({"username": "John Smith!"}, "username", "alphanumeric"),
        ({"username": "x" * 17}, "username", "more than 16"),
        ({"username": "JANE"}, "username", services.USERNAME_TAKEN),
        ({"email": "not an address"}, "email", "email was invalid"),
        ({"email": "JANE@example.com"}, "email", services.EMAIL_TAKEN),
        ({"profile_icon": "admin"}, "profile_icon", "icon is invalid"),
        ({"profile_icon": "gold"}, "profile_icon", "icon is invalid"),
        ({"organisation": 987654}, "organisation", services.NO_SUCH_ORGANISATION),
        ({"organisation": True}, "organisation", services.NO_SUCH_ORGANISATION),
        ({"role": "admin"}, "role", "cannot be changed this way"),
        ({"is_active": False}, "is_active", "cannot be changed this way"),
    ]
    for changes, field, words in refused:
        # All or nothing: the valid name alongside is not saved either.
        with pytest.raises(InvalidInput, match=words) as error:
            services.user_update_details(
                actor=admin, user=customer, changes={"username": "Johnny", **changes}
            )
        assert error.value.field == field
        assert User.objects.get(pk=customer.pk).username == "JohnS"
    with pytest.raises(NotAllowed):
        services.user_update_details(actor=agent, user=customer, changes={"username": "Johnny"})
    with pytest.raises(NotAllowed, match="System"):
        services.user_update_details(
            actor=admin, user=services.system_user_ensure(), changes={"username": "Robot"}
        )
    # Admins may wear the admin icon; a name differing only in case is still one's own.
    services.user_update_details(
        actor=admin, user=admin, changes={"profile_icon": "admin", "username": "ADA"}
    )
    assert User.objects.get(pk=admin.pk).username == "ADA"


def test_user_reference_by_id_or_username(customer: User) -> None:
    assert account_selectors.user_get_by_reference(str(customer.pk)) == customer
    assert account_selectors.user_get_by_reference("JOHN") == customer
    with pytest.raises(NotFound):
        account_selectors.user_get_by_reference("0")  # System is not a person
    with pytest.raises(NotFound):
        account_selectors.user_get_by_reference("99999999999999999999999")


@override_settings(PASSWORD_HASHERS=["frontdesk.accounts.hashers.Argon2idHasher"])
def test_production_hasher_is_argon2id_at_owasp_minimum() -> None:
    encoded = make_password("securepassword")
    assert encoded.startswith("argon2$argon2id$")
    assert "m=19456,t=2,p=1" in encoded
    assert identify_hasher(encoded).algorithm == "argon2"
