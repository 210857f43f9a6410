"""The ticket filters are declared once (tickets/filters.py): the workspace's form, the REST
query parameters and the OpenAPI document are all made from that list, and give the same
tickets for the same values."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.core.errors import InvalidInput
from frontdesk.tickets import services
from frontdesk.tickets.filters import TICKET_FILTERS, WORKSPACE_FILTERS, filter_condition
from frontdesk.tickets.models import Ticket
from frontdesk.web.forms import WorkspaceForm
from tests.api.helpers import Api
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db


def _list_parameters() -> dict[str, dict[str, Any]]:
    document = Client().get("/api/ticketing/openapi.json").json()
    operation = document["paths"]["/api/ticketing/tickets/"]["get"]
    return {parameter["name"]: parameter for parameter in operation["parameters"]}


def test_every_filter_is_a_documented_rest_parameter() -> None:
    parameters = _list_parameters()
    for name, spec in TICKET_FILTERS.items():
        assert name in parameters, name
        assert parameters[name]["description"] == spec.description
        enum = parameters[name]["schema"].get("enum")
        assert enum == (["", *(value for value, _ in spec.choices)] if spec.choices else None)


def test_the_workspace_form_shows_the_workspace_filters_with_their_values(agent: User) -> None:
    form = WorkspaceForm({}, agents=[agent])
    assert [field.name for field in form.filter_fields()] == [*WORKSPACE_FILTERS, "sort"]
    for name in WORKSPACE_FILTERS:
        spec = TICKET_FILTERS[name]
        assert form.fields[name].label == spec.label
        if spec.choices:
            offered = [value for value, _ in form.fields[name].choices][1:]  # after "any"
            assert offered == [value for value, _ in spec.choices]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"status": "sleeping"}, "status"),
        ({"priority": "whenever"}, "priority"),
        ({"assigned_to": "²"}, "assigned_to"),
        ({"customer": "bob"}, "customer"),
        ({"overdue": "maybe"}, "overdue"),
        ({"created_after": "yesterday"}, "created_after"),
        ({"color": "red"}, "color"),
    ],
)
def test_a_value_that_does_not_parse_names_its_filter(
    agent: User, values: dict[str, str], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        filter_condition(agent, values)
    assert refused.value.field == field


def test_the_workspace_and_the_rest_api_keep_the_same_tickets(
    agent: User, other_agent: User, customer: User
) -> None:
    tickets = [
        open_ticket(customer, title) for title in ("Boiler one", "Boiler two", "Mirror three")
    ]
    services.ticket_update(
        actor=agent,
        ticket_id=tickets[0].pk,
        changes={"tags": ["boiler"], "priority": "high", "assignee": other_agent.pk},
    )
    services.ticket_update(actor=agent, ticket_id=tickets[1].pk, changes={"tags": ["boiler"]})
    client = Client()
    client.force_login(agent)
    for query in (
        {"tag": "boiler"},
        {"tag": "boiler", "priority": "high"},
        {"assigned_to": "unassigned"},
        {"assigned_to": str(other_agent.pk)},
    ):
        page = client.get("/home", {"view": "open", **query}).content.decode()
        on_page = {ticket.title for ticket in tickets if f">{ticket.title}</span></a>" in page}
        listed = Api(agent).get("/tickets/", **query).json()["results"]
        assert on_page == {item["subject"] for item in listed}, query
        kept = Ticket.objects.filter(filter_condition(agent, query))
        assert on_page == set(kept.values_list("title", flat=True)), query
