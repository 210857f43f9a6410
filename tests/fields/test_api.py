"""Custom fields in the REST API: definitions at /fields/, values in ``custom_fields`` of
the tickets, filters ``field_<key>`` / ``cf_<key>``, and the OpenAPI document."""

from __future__ import annotations

import pytest

from frontdesk.accounts.models import User
from frontdesk.fields import services
from frontdesk.fields.models import FieldDefinition
from frontdesk.tickets.models import Ticket, TicketEvent
from tests.api.helpers import Api
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def fields(admin: User) -> list[FieldDefinition]:
    return [
        services.field_define(
            actor=admin,
            values={
                "key": "dance_style",
                "label": "Dance style",
                "type": "choice",
                "choices": ["Salsa", "Tango"],
                "customer_visible": True,
                "required": True,
            },
        ),
        services.field_define(
            actor=admin, values={"key": "class_date", "label": "Class date", "type": "date"}
        ),
        services.field_define(
            actor=admin, values={"key": "member_number", "label": "Member number"}
        ),
    ]


def test_admins_define_fields_others_may_not(admin: User, agent: User) -> None:
    body = {"key": "paid", "label": "Paid", "type": "checkbox"}
    assert Api(agent).post("/fields/", body).status_code == 403
    created = Api(admin).post("/fields/", body)
    assert created.status_code == 201 and created.json()["key"] == "paid"
    refused = Api(admin).post("/fields/", {"key": "lvl", "label": "Level", "type": "choice"})
    assert refused.status_code == 400 and "options" in refused.json()["error"]["message"]


def test_the_type_of_a_field_in_use_cannot_change(
    admin: User, agent: User, customer: User, fields: list[FieldDefinition]
) -> None:
    ticket = open_ticket(customer)
    Api(agent).patch(f"/tickets/{ticket.pk}/", {"custom_fields": {"member_number": "M-1"}})
    answer = Api(admin).patch(f"/fields/{fields[2].pk}/", {"type": "number"})
    assert answer.status_code == 400 and "type cannot change" in answer.json()["error"]["message"]


def test_customers_list_only_the_fields_they_fill(
    customer: User, agent: User, fields: list[FieldDefinition]
) -> None:
    assert [f["key"] for f in Api(customer).get("/fields/").json()] == ["dance_style"]
    assert len(Api(agent).get("/fields/").json()) == 3
    assert Api(customer).get(f"/fields/{fields[1].pk}/").status_code == 404


def test_a_customer_opens_a_ticket_with_fields(
    customer: User, fields: list[FieldDefinition]
) -> None:
    api = Api(customer)
    missing = api.post("/tickets/", {"subject": "Class", "description": "Hello"})
    assert (
        missing.status_code == 400
        and "Dance style is required" in missing.json()["error"]["message"]
    )
    assert not Ticket.objects.exists()
    staff_only = api.post(
        "/tickets/",
        {
            "subject": "Class",
            "description": "Hello",
            "custom_fields": {"dance_style": "Salsa", "member_number": "M-7"},
        },
    )
    assert staff_only.status_code == 400 and not Ticket.objects.exists()
    opened = api.post(
        "/tickets/",
        {"subject": "Class", "description": "Hello", "custom_fields": {"dance_style": "Salsa"}},
    )
    assert opened.status_code == 201
    assert opened.json()["custom_fields"] == {"dance_style": "Salsa"}


def test_staff_set_values_and_read_them_customers_read_only_theirs(
    agent: User, customer: User, fields: list[FieldDefinition]
) -> None:
    ticket = open_ticket(customer)
    answer = Api(agent).patch(
        f"/tickets/{ticket.pk}/",
        {
            "priority": "high",
            "custom_fields": {
                "dance_style": "Tango",
                "class_date": "2026-03-01",
                "member_number": "M-1",
            },
        },
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["custom_fields"] == {
        "dance_style": "Tango",
        "class_date": "2026-03-01",
        "member_number": "M-1",
    }
    assert Api(customer).get(f"/tickets/{ticket.pk}/").json()["custom_fields"] == {
        "dance_style": "Tango"
    }
    listed = Api(customer).get("/tickets/").json()["results"]
    assert listed[0]["custom_fields"] == {"dance_style": "Tango"}
    refused = Api(customer).patch(
        f"/tickets/{ticket.pk}/", {"custom_fields": {"dance_style": "Salsa"}}
    )
    assert refused.status_code == 403
    events = TicketEvent.objects.filter(field=TicketEvent.Field.CUSTOM_FIELD)
    assert events.count() == 3


def test_a_bad_value_changes_nothing(
    agent: User, customer: User, fields: list[FieldDefinition]
) -> None:
    ticket = open_ticket(customer)
    answer = Api(agent).patch(
        f"/tickets/{ticket.pk}/", {"priority": "high", "custom_fields": {"class_date": "soon"}}
    )
    assert answer.status_code == 400 and "Class date" in answer.json()["error"]["message"]
    ticket.refresh_from_db()
    assert ticket.priority != "high"


def test_lists_filter_by_custom_fields(
    agent: User, customer: User, fields: list[FieldDefinition]
) -> None:
    salsa, tango, unset = (open_ticket(customer, title) for title in ("Salsa", "Tango", "None"))
    for ticket, style in ((salsa, "Salsa"), (tango, "Tango")):
        services.ticket_fields_set(actor=agent, ticket_id=ticket.pk, values={"dance_style": style})
    services.ticket_fields_set(actor=agent, ticket_id=tango.pk, values={"class_date": "2026-03-01"})
    api = Api(agent)

    def ids(**query: str) -> set[int]:
        answer = api.get("/tickets/", **query)
        assert answer.status_code == 200, answer.content
        return {t["id"] for t in answer.json()["results"]}

    assert ids(field_dance_style="Salsa") == {salsa.pk}
    assert ids(cf_dance_style="Tango") == {tango.pk}
    assert ids(field_class_date="2026-03-01") == {tango.pk}
    assert ids(field_dance_style="none") == {unset.pk}
    bad = api.get("/tickets/", field_dance_style="Polka")
    assert bad.status_code == 400 and "choose one of" in bad.json()["error"]["message"]
    assert api.get("/tickets/", field_nothing="x").status_code == 400
    # A customer may not filter by a staff-only field.
    assert Api(customer).get("/tickets/", field_member_number="M").status_code == 400


def test_the_openapi_document_describes_custom_fields() -> None:
    schema = Api().get("/api/ticketing/openapi.json").json()
    assert "custom_fields" in schema["components"]["schemas"]["TicketOut"]["properties"]
    assert "/api/ticketing/fields/" in schema["paths"]
    listing = schema["paths"]["/api/ticketing/tickets/"]["get"]
    assert "field_<key>" in listing["description"]
