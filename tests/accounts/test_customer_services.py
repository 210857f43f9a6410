"""The customer-context use cases and their permission checks for the whole cast: adding a
caller without an account, the agents' note about a customer, a user's time zone."""

from __future__ import annotations

import pytest

from frontdesk.accounts.models import CustomerNote, Role, User
from frontdesk.accounts.services import (
    NOTE_MAX,
    customer_create_for_phone_in,
    customer_note_set,
    user_set_time_zone,
)
from frontdesk.core.errors import InvalidInput, NotAllowed
from tests.conftest import Clock

pytestmark = pytest.mark.django_db


# --- phone-in -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["agent", "admin"])
def test_staff_add_a_caller_without_a_password(request: pytest.FixtureRequest, who: str) -> None:
    actor = request.getfixturevalue(who)
    person = customer_create_for_phone_in(actor=actor, name="María López", email=" Maria@X.org ")
    person.refresh_from_db()
    assert person.username == "MariaLopez"
    assert person.email == "maria@x.org"
    assert person.role == Role.CUSTOMER
    assert not person.has_usable_password()


@pytest.mark.parametrize("who", ["customer", "other_customer"])
def test_customers_cannot_add_callers(request: pytest.FixtureRequest, who: str) -> None:
    with pytest.raises(NotAllowed):
        customer_create_for_phone_in(
            actor=request.getfixturevalue(who), name="Mallory", email="m@example.com"
        )
    assert not User.objects.filter(email="m@example.com").exists()


def test_a_username_taken_gets_the_next_number(agent: User) -> None:
    first = customer_create_for_phone_in(actor=agent, name="Sam Lee", email="sam1@example.com")
    second = customer_create_for_phone_in(actor=agent, name="sam lee", email="sam2@example.com")
    third = customer_create_for_phone_in(actor=agent, name="Sam Lee", email="sam3@example.com")
    assert [first.username, second.username, third.username] == ["SamLee", "samlee2", "SamLee3"]


def test_a_long_or_foreign_name_still_makes_a_username(agent: User) -> None:
    long = customer_create_for_phone_in(
        actor=agent, name="Bartholomew Featherstonehaugh", email="b@example.com"
    )
    assert long.username == "BartholomewFeath"  # 16 characters
    foreign = customer_create_for_phone_in(actor=agent, name="王小明", email="w@example.com")
    assert foreign.username == "customer"


@pytest.mark.parametrize(
    ("name", "email", "field"),
    [
        ("", "a@example.com", "name"),
        ("   ", "a@example.com", "name"),
        ("x" * 101, "a@example.com", "name"),
        ("Bell\x07", "a@example.com", "name"),
        ("Ann", "not an address", "email"),
        ("Ann", "john@EXAMPLE.com", "email"),  # John's, in another case
    ],
)
def test_a_caller_is_refused_with_the_field_named(
    agent: User, customer: User, name: str, email: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        customer_create_for_phone_in(actor=agent, name=name, email=email)
    assert refused.value.field == field


# --- the note about a customer -------------------------------------------------------------


@pytest.mark.parametrize("who", ["agent", "admin"])
def test_staff_write_the_note_and_it_says_who_and_when(
    request: pytest.FixtureRequest, customer: User, clock: Clock, who: str
) -> None:
    actor = request.getfixturevalue(who)
    note = customer_note_set(actor=actor, customer=customer, text="  Prefers calls after 6 pm. ")
    note.refresh_from_db()
    assert note.text == "Prefers calls after 6 pm."
    assert note.updated_by == actor and note.updated_at == clock()


@pytest.mark.parametrize("who", ["customer", "other_customer"])
def test_customers_cannot_write_notes(
    request: pytest.FixtureRequest, customer: User, who: str
) -> None:
    with pytest.raises(NotAllowed):
        customer_note_set(actor=request.getfixturevalue(who), customer=customer, text="VIP")
    assert not CustomerNote.objects.exists()


def test_a_new_text_replaces_the_note_and_names_the_last_writer(
    agent: User, other_agent: User, customer: User, clock: Clock
) -> None:
    customer_note_set(actor=agent, customer=customer, text="First.")
    clock.advance(60)
    customer_note_set(actor=other_agent, customer=customer, text="Second.")
    note = CustomerNote.objects.get(customer=customer)
    assert (note.text, note.updated_by, note.updated_at) == ("Second.", other_agent, clock())
    clock.advance(60)
    customer_note_set(actor=agent, customer=customer, text="Second.")  # no change: no new writer
    note.refresh_from_db()
    assert note.updated_by == other_agent


def test_a_note_too_long_is_refused(agent: User, customer: User) -> None:
    with pytest.raises(InvalidInput):
        customer_note_set(actor=agent, customer=customer, text="x" * (NOTE_MAX + 1))


# --- time zones ---------------------------------------------------------------------------


def test_a_user_chooses_their_time_zone(customer: User) -> None:
    user_set_time_zone(actor=customer, user=customer, time_zone="Europe/Berlin")
    customer.refresh_from_db()
    assert customer.time_zone == "Europe/Berlin"
    user_set_time_zone(actor=customer, user=customer, time_zone="")
    customer.refresh_from_db()
    assert customer.time_zone == ""


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../../etc/passwd", "europe/berlin", "x" * 300])
def test_an_unknown_zone_is_refused(customer: User, zone: str) -> None:
    with pytest.raises(InvalidInput):
        user_set_time_zone(actor=customer, user=customer, time_zone=zone)


@pytest.mark.parametrize("who", ["agent", "admin", "other_customer"])
def test_nobody_sets_someone_elses_zone(
    request: pytest.FixtureRequest, customer: User, who: str
) -> None:
    with pytest.raises(NotAllowed):
        user_set_time_zone(
            actor=request.getfixturevalue(who), user=customer, time_zone="Europe/Berlin"
        )


def test_the_browsers_zone_never_overrides_a_choice(customer: User) -> None:
    user_set_time_zone(actor=customer, user=customer, time_zone="Asia/Tokyo", only_if_unset=True)
    assert customer.time_zone == "Asia/Tokyo"
    user_set_time_zone(actor=customer, user=customer, time_zone="UTC", only_if_unset=True)
    customer.refresh_from_db()
    assert customer.time_zone == "Asia/Tokyo"
