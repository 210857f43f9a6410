"""Custom fields in the admin: defined and changed through the use cases, a refusal shown
beside its field with nothing saved."""

from __future__ import annotations

import pytest

from frontdesk.accounts.models import User
from frontdesk.fields import services
from frontdesk.fields.models import FieldDefinition
from tests.admin_forms import admin_browser, change_form, form_errors
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db

FIELDS = "/admin/fields/fielddefinition/"


def test_an_admin_defines_a_choice_field(admin: User) -> None:
    client = admin_browser(admin)
    response = change_form(
        client, f"{FIELDS}add/", "fielddefinition_form",
        label="Dance style", key="dance_style", type="choice",
        choices_text="Salsa\nTango\nWaltz", customer_visible="on", position="0",
    )  # fmt: skip
    assert response.status_code == 302, form_errors(response)
    field = FieldDefinition.objects.get()
    assert field.choices == ["Salsa", "Tango", "Waltz"] and field.customer_visible
    page = client.get(f"{FIELDS}{field.pk}/change/").content.decode()
    assert "Salsa\nTango\nWaltz" in page


def test_a_choice_field_without_options_is_refused_beside_it(admin: User) -> None:
    client = admin_browser(admin)
    response = change_form(
        client, f"{FIELDS}add/", "fielddefinition_form",
        label="Level", key="level", type="choice", position="0",
    )  # fmt: skip
    assert "between 1 and" in form_errors(response)["choices_text"][0]
    assert not FieldDefinition.objects.exists()


def test_a_type_in_use_cannot_change_in_the_admin(admin: User, agent: User, customer: User) -> None:
    field = services.field_define(actor=admin, values={"key": "member", "label": "Member"})
    ticket = open_ticket(customer)
    services.ticket_fields_set(actor=agent, ticket_id=ticket.pk, values={"member": "M-1"})
    client = admin_browser(admin)
    response = change_form(
        client, f"{FIELDS}{field.pk}/change/", "fielddefinition_form", type="number"
    )
    assert "type cannot change" in form_errors(response)["type"][0]
    field.refresh_from_db()
    assert field.type == "text"


def test_agents_cannot_open_the_admin_of_fields(agent: User) -> None:
    client = admin_browser(agent)
    assert client.get(FIELDS).status_code in (302, 403)
