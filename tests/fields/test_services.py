"""Custom fields' use cases: who may define fields and set values, what each type accepts,
the required fields at opening, and the history row every change leaves."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from frontdesk.accounts.models import User
from frontdesk.core.errors import InvalidInput, NotAllowed, NotFound
from frontdesk.fields import selectors, services
from frontdesk.fields.models import FieldDefinition, TicketFieldValue
from frontdesk.tickets.models import Ticket, TicketEvent
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db

STYLES = ["Salsa", "Tango", "Waltz"]


def define(admin: User, key: str, kind: str = "text", **values: Any) -> FieldDefinition:
    label = values.pop("label", key.replace("_", " ").capitalize())
    return services.field_define(
        actor=admin, values={"key": key, "label": label, "type": kind, **values}
    )


@pytest.fixture
def style(admin: User) -> FieldDefinition:
    return define(
        admin, "dance_style", "choice", label="Dance style", choices=STYLES, customer_visible=True
    )


# --- definitions ----------------------------------------------------------------------------


def test_only_admins_define_fields(agent: User, customer: User) -> None:
    for actor in (agent, customer):
        with pytest.raises(NotAllowed):
            define(actor, "member_number")
    assert not FieldDefinition.objects.exists()


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"key": "Dance Style"}, "key", "lowercase"),
        ({"key": "1st"}, "key", "lowercase"),
        ({"type": "choice", "choices": []}, "choices", "between 1"),
        ({"type": "multi_choice", "choices": ["A", "A"]}, "choices", "twice"),
        ({"type": "choice", "choices": ["A,B"]}, "choices", "no commas"),
        ({"type": "text", "choices": ["A"]}, "choices", "Only choice"),
        ({"type": "colour"}, "type", "Unknown type"),
        ({"label": "  "}, "label", "name"),
    ],
)
def test_a_bad_definition_is_refused_by_name(
    admin: User, values: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.field_define(actor=admin, values={"key": "ok", "label": "OK", **values})
    assert refused.value.field == field and words in refused.value.message
    assert not FieldDefinition.objects.exists()


def test_keys_are_unique(admin: User) -> None:
    define(admin, "member_number")
    with pytest.raises(InvalidInput, match="already used"):
        define(admin, "member_number")


def test_choices_may_be_given_one_a_line(admin: User) -> None:
    field = define(admin, "level", "choice", choices="Beginner\n\n Advanced \n")
    assert field.choices == ["Beginner", "Advanced"]


def test_new_fields_go_last(admin: User) -> None:
    first, second = define(admin, "a_field"), define(admin, "b_field")
    assert second.position == first.position + 1


def test_a_type_with_values_cannot_change(
    admin: User, agent: User, ticket: Ticket, style: FieldDefinition
) -> None:
    services.ticket_fields_set(actor=agent, ticket_id=ticket.pk, values={"dance_style": "Salsa"})
    with pytest.raises(InvalidInput, match="its type cannot change") as refused:
        services.field_change(
            actor=admin, field_id=style.pk, values={"type": "text", "choices": []}
        )
    assert refused.value.field == "type"
    with pytest.raises(InvalidInput, match="still set on tickets"):
        services.field_change(actor=admin, field_id=style.pk, values={"choices": ["Tango"]})
    style.refresh_from_db()
    assert style.type == "choice" and style.choices == STYLES


def test_a_type_without_values_may_change(admin: User, style: FieldDefinition) -> None:
    changed = services.field_change(
        actor=admin, field_id=style.pk, values={"type": "text", "choices": []}
    )
    assert changed.type == "text" and changed.choices == []


def test_changing_a_missing_field_is_not_found(admin: User) -> None:
    with pytest.raises(NotFound):
        services.field_change(actor=admin, field_id=999, values={"label": "X"})


# --- values ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "extra", "raw", "kept"),
    [
        ("text", {}, "  M-1024 ", "M-1024"),
        ("number", {}, "12.5", Decimal("12.5")),
        ("number", {}, 3, Decimal(3)),
        ("date", {}, "2026-03-01", date(2026, 3, 1)),
        ("checkbox", {}, True, True),
        ("checkbox", {}, "no", False),
        ("choice", {"choices": STYLES}, "Tango", "Tango"),
        ("multi_choice", {"choices": STYLES}, ["Waltz", "Salsa"], ["Salsa", "Waltz"]),
        ("multi_choice", {"choices": STYLES}, "Waltz, Salsa", ["Salsa", "Waltz"]),
    ],
)
def test_each_type_keeps_its_value(
    admin: User,
    agent: User,
    ticket: Ticket,
    kind: str,
    extra: dict[str, Any],
    raw: Any,
    kept: Any,
) -> None:
    define(admin, "thing", kind, **extra)
    services.ticket_fields_set(actor=agent, ticket_id=ticket.pk, values={"thing": raw})
    values = selectors.values_for_tickets(user=agent, ticket_ids=[ticket.pk])
    assert values[ticket.pk]["thing"] == kept


@pytest.mark.parametrize(
    ("kind", "extra", "raw", "words"),
    [
        ("number", {}, "twelve", "use a number"),
        ("number", {}, "1.00001", "four decimal"),
        ("date", {}, "31/01/2026", "use a date"),
        ("checkbox", {}, "maybe", "yes or no"),
        ("choice", {"choices": STYLES}, "Polka", "choose one of Salsa, Tango, Waltz"),
        ("multi_choice", {"choices": STYLES}, ["Salsa", "Polka"], "choose one of"),
        ("text", {}, "x" * 501, "at most 500"),
        ("text", {}, {"a": 1}, "not understood"),
    ],
)
def test_a_bad_value_is_refused_and_nothing_changes(
    admin: User,
    agent: User,
    ticket: Ticket,
    kind: str,
    extra: dict[str, Any],
    raw: Any,
    words: str,
) -> None:
    define(admin, "thing", kind, label="Thing", **extra)
    with pytest.raises(InvalidInput) as refused:
        services.ticket_fields_set(actor=agent, ticket_id=ticket.pk, values={"thing": raw})
    assert refused.value.field == "field_thing"
    assert words in refused.value.message and refused.value.message.startswith("Thing")
    assert not TicketFieldValue.objects.exists()


def test_every_change_is_a_history_row_with_the_label(
    agent: User, ticket: Ticket, style: FieldDefinition
) -> None:
    for value in ("Salsa", "Tango", "Tango", ""):
        services.ticket_fields_set(actor=agent, ticket_id=ticket.pk, values={"dance_style": value})
    events = list(
        TicketEvent.objects.filter(ticket=ticket, field=TicketEvent.Field.CUSTOM_FIELD).order_by(
            "id"
        )
    )
    assert [(e.old_value, e.new_value) for e in events] == [
        ("", "Dance style\nSalsa"),
        ("Dance style\nSalsa", "Dance style\nTango"),
        ("Dance style\nTango", ""),
    ]
    assert all(e.actor == agent and not e.staff_only for e in events)
    assert not TicketFieldValue.objects.exists()


def test_a_staff_only_field_change_is_staff_only(admin: User, agent: User, ticket: Ticket) -> None:
    define(admin, "internal_code")
    ticket.refresh_from_db()
    before = ticket.updated_at
    services.ticket_fields_set(actor=agent, ticket_id=ticket.pk, values={"internal_code": "A1"})
    event = TicketEvent.objects.get(field=TicketEvent.Field.CUSTOM_FIELD)
    assert event.staff_only
    ticket.refresh_from_db()
    assert ticket.updated_at == before  # the customer is not told through a timestamp


def test_customers_do_not_set_fields_on_an_open_ticket(
    customer: User, ticket: Ticket, style: FieldDefinition
) -> None:
    with pytest.raises(NotAllowed):
        services.ticket_fields_set(
            actor=customer, ticket_id=ticket.pk, values={"dance_style": "Salsa"}
        )
    assert not TicketFieldValue.objects.exists()


def test_a_ticket_one_may_not_see_is_not_found(
    other_customer: User, ticket: Ticket, style: FieldDefinition
) -> None:
    with pytest.raises(NotFound):
        services.ticket_fields_set(
            actor=other_customer, ticket_id=ticket.pk, values={"dance_style": "Salsa"}
        )


def test_an_unknown_or_inactive_key_is_refused(
    admin: User, agent: User, ticket: Ticket, style: FieldDefinition
) -> None:
    services.field_change(actor=admin, field_id=style.pk, values={"active": False})
    with pytest.raises(InvalidInput, match="no custom field 'dance_style'"):
        services.ticket_fields_set(
            actor=agent, ticket_id=ticket.pk, values={"dance_style": "Salsa"}
        )


# --- opening a ticket -----------------------------------------------------------------------


def test_a_customer_sets_visible_fields_when_opening(
    customer: User, style: FieldDefinition
) -> None:
    opened = services.ticket_open_with_fields(
        actor=customer, title="Class", body="Which class?", fields={"dance_style": "Waltz"}
    )
    values = selectors.values_for_tickets(user=customer, ticket_ids=[opened.ticket.pk])
    assert values[opened.ticket.pk] == {"dance_style": "Waltz"}


def test_a_required_field_missing_opens_nothing(admin: User, customer: User) -> None:
    define(admin, "member_number", label="Member number", required=True, customer_visible=True)
    with pytest.raises(InvalidInput, match="Member number is required") as refused:
        services.ticket_open_with_fields(actor=customer, title="T", body="B", fields={})
    assert refused.value.field == "field_member_number"
    assert not Ticket.objects.exists()


def test_a_customer_cannot_set_a_staff_only_field(admin: User, customer: User) -> None:
    define(admin, "internal_code", required=True)  # required of staff only
    with pytest.raises(InvalidInput, match="no custom field"):
        services.ticket_open_with_fields(
            actor=customer, title="T", body="B", fields={"internal_code": "X"}
        )
    opened = services.ticket_open_with_fields(actor=customer, title="T", body="B", fields={})
    assert opened.ticket.pk


def test_staff_must_fill_required_staff_only_fields(
    admin: User, agent: User, customer: User
) -> None:
    define(admin, "internal_code", label="Internal code", required=True)
    with pytest.raises(InvalidInput, match="Internal code is required"):
        services.ticket_open_with_fields(
            actor=agent, requester=customer, title="T", body="B", fields={}
        )
    opened = services.ticket_open_with_fields(
        actor=agent, requester=customer, title="T", body="B", fields={"internal_code": "Z9"}
    )
    event = TicketEvent.objects.get(ticket=opened.ticket, field=TicketEvent.Field.CUSTOM_FIELD)
    assert event.new_value == "Internal code\nZ9" and event.staff_only


# --- reading --------------------------------------------------------------------------------


def test_customers_never_read_staff_only_fields(
    admin: User, agent: User, customer: User, ticket: Ticket, style: FieldDefinition
) -> None:
    define(admin, "internal_code")
    services.ticket_fields_set(
        actor=agent, ticket_id=ticket.pk, values={"dance_style": "Salsa", "internal_code": "Q"}
    )
    assert selectors.values_for_tickets(user=customer, ticket_ids=[ticket.pk])[ticket.pk] == {
        "dance_style": "Salsa"
    }
    assert [f.field.key for f in selectors.ticket_fields(user=customer, ticket_id=ticket.pk)] == [
        "dance_style"
    ]
    staff = selectors.ticket_fields(user=agent, ticket_id=ticket.pk)
    assert [(f.field.key, f.text) for f in staff] == [
        ("dance_style", "Salsa"),
        ("internal_code", "Q"),
    ]


def test_values_of_a_page_are_one_query(
    admin: User,
    agent: User,
    customer: User,
    style: FieldDefinition,
    django_assert_num_queries: Any,
) -> None:
    define(admin, "levels", "multi_choice", choices=["A", "B"])
    tickets = [open_ticket(customer) for _ in range(5)]
    for ticket in tickets:
        services.ticket_fields_set(
            actor=agent, ticket_id=ticket.pk, values={"dance_style": "Tango", "levels": ["B", "A"]}
        )
    with django_assert_num_queries(1):
        values = selectors.values_for_tickets(user=agent, ticket_ids=[t.pk for t in tickets])
    assert all(values[t.pk] == {"dance_style": "Tango", "levels": ["A", "B"]} for t in tickets)


def test_a_page_decodes_each_fields_options_once(
    admin: User,
    agent: User,
    customer: User,
    style: FieldDefinition,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The options of a field are read as their JSON text and decoded only for a multiple
    choice, once per field: read as the JSON field, each value row decoded them again."""
    define(admin, "levels", "multi_choice", choices=["C", "B", "A"])
    tickets = [open_ticket(customer) for _ in range(5)]
    for ticket in tickets:
        services.ticket_fields_set(
            actor=agent, ticket_id=ticket.pk, values={"dance_style": "Tango", "levels": ["A", "C"]}
        )
    decoded: list[str] = []
    real_loads = json.loads
    monkeypatch.setattr(
        json, "loads", lambda text, **kw: decoded.append(text) or real_loads(text, **kw)
    )
    values = selectors.values_for_tickets(user=agent, ticket_ids=[t.pk for t in tickets])
    assert all(values[t.pk] == {"dance_style": "Tango", "levels": ["C", "A"]} for t in tickets)
    assert [real_loads(text) for text in decoded] == [["C", "B", "A"]]
