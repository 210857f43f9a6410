"""Custom fields of one team: shown, set, required and filtered on that team's tickets only;
refused by name on another team's; a column of the export, empty for the others; chosen in
the admin and the REST API."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.core.errors import InvalidInput
from frontdesk.fields import selectors, services
from frontdesk.fields.models import FieldDefinition, TicketFieldValue
from frontdesk.teams.models import Team
from frontdesk.teams.services import team_create, team_delete, team_update, ticket_set_team
from frontdesk.tickets.models import Ticket
from tests.api.helpers import Api
from tests.conftest import open_ticket
from tests.fields.test_pages import post

pytestmark = pytest.mark.django_db


@pytest.fixture
def front_desk(admin: User, agent: User) -> Team:
    return team_create(actor=admin, values={"name": "Front desk", "members": [agent.pk]})


@pytest.fixture
def billing(admin: User, agent: User) -> Team:
    return team_create(actor=admin, values={"name": "Billing", "members": [agent.pk]})


@pytest.fixture
def invoice(admin: User, billing: Team) -> FieldDefinition:
    """Billing's own field, which customers fill in; required."""
    return services.field_define(
        actor=admin,
        values={
            "key": "invoice",
            "label": "Invoice number",
            "team": billing.pk,
            "customer_visible": True,
            "required": True,
        },
    )


@pytest.fixture
def style(admin: User) -> FieldDefinition:
    return services.field_define(
        actor=admin,
        values={
            "key": "dance_style",
            "label": "Dance style",
            "type": "choice",
            "choices": ["Salsa", "Tango"],
            "customer_visible": True,
        },
    )


def in_team(ticket: Ticket, team: Team | None, by: User) -> Ticket:
    ticket_set_team(actor=by, ticket_id=ticket.pk, team_id=None if team is None else team.pk)
    ticket.refresh_from_db()
    return ticket


def keys(shown: list[Any]) -> list[str]:
    return [each.field.key for each in shown]


def test_a_team_field_is_on_its_teams_tickets_only(
    admin: User,
    agent: User,
    customer: User,
    front_desk: Team,
    billing: Team,
    invoice: FieldDefinition,
    style: FieldDefinition,
) -> None:
    billed = in_team(open_ticket(customer), billing, admin)
    desk = in_team(open_ticket(customer), front_desk, admin)
    nowhere = open_ticket(customer)
    assert keys(selectors.ticket_fields(user=agent, ticket_id=billed.pk)) == [
        "invoice",
        "dance_style",
    ]
    assert keys(selectors.ticket_fields(user=agent, ticket_id=desk.pk)) == ["dance_style"]
    assert keys(selectors.ticket_fields(user=customer, ticket_id=nowhere.pk)) == ["dance_style"]
    page = Client()
    page.force_login(agent)
    assert "Invoice number" in page.get(f"/ticket/{billed.pk}").content.decode()
    assert "Invoice number" not in page.get(f"/ticket/{desk.pk}").content.decode()


def test_setting_a_team_field_on_another_teams_ticket_is_refused_by_name(
    admin: User,
    agent: User,
    customer: User,
    front_desk: Team,
    billing: Team,
    invoice: FieldDefinition,
) -> None:
    desk = in_team(open_ticket(customer), front_desk, admin)
    answer = Api(agent).patch(
        f"/tickets/{desk.pk}/", {"subject": "New title", "custom_fields": {"invoice": "F-1"}}
    )
    assert answer.status_code == 400
    message = answer.json()["error"]["message"]
    assert (
        message == "Invoice number is a field of team Billing, and this ticket is in another team."
    )
    desk.refresh_from_db()
    assert desk.title != "New title"  # all or nothing
    assert not TicketFieldValue.objects.exists()
    nowhere = open_ticket(customer)
    with pytest.raises(InvalidInput, match="is in no team"):
        services.ticket_fields_set(actor=agent, ticket_id=nowhere.pk, values={"invoice": "F-1"})
    billed = in_team(open_ticket(customer), billing, admin)
    done = Api(agent).patch(f"/tickets/{billed.pk}/", {"custom_fields": {"invoice": "F-1"}})
    assert done.status_code == 200 and done.json()["custom_fields"] == {"invoice": "F-1"}


def test_the_sidebar_saves_the_fields_of_the_tickets_team(
    admin: User,
    agent: User,
    customer: User,
    front_desk: Team,
    billing: Team,
    invoice: FieldDefinition,
    style: FieldDefinition,
) -> None:
    desk = in_team(open_ticket(customer), front_desk, admin)
    path = f"/ticket/{desk.pk}"
    response, _ = post(agent, f"{path}/fields", {"field_dance_style": "Tango"}, page=path)
    assert response.status_code == 302
    assert selectors.values_for_tickets(user=agent, ticket_ids=[desk.pk])[desk.pk] == {
        "dance_style": "Tango"
    }


def test_a_team_field_is_required_when_the_ticket_opens_into_its_team(
    admin: User, customer: User, billing: Team, invoice: FieldDefinition, style: FieldDefinition
) -> None:
    # No default team: a new ticket is in no team, Billing's field is neither asked nor taken.
    assert keys_of(selectors.fields_for_form(user=customer)) == ["dance_style"]
    opened = services.ticket_open_with_fields(actor=customer, title="T", body="B", fields={})
    assert opened.ticket.team_id is None
    with pytest.raises(InvalidInput, match="field of team Billing"):
        services.ticket_open_with_fields(
            actor=customer, title="T", body="B", fields={"invoice": "F-9"}
        )
    # Billing the default team: its field is on the form and required.
    team_update(actor=admin, team_id=billing.pk, values={"is_default": True})
    assert keys_of(selectors.fields_for_form(user=customer)) == ["invoice", "dance_style"]
    response, _ = post(customer, "/ticket/new", {"title": "Refund", "message": "Please"})
    assert response.status_code == 400 and "Invoice number is required" in response.content.decode()
    answer = Api(customer).post(
        "/tickets/",
        {"subject": "Refund", "description": "Please", "custom_fields": {"invoice": "F-9"}},
    )
    assert answer.status_code == 201, answer.json()
    assert answer.json()["custom_fields"] == {"invoice": "F-9"}


def keys_of(fields: list[FieldDefinition]) -> list[str]:
    return [field.key for field in fields]


def test_a_moved_ticket_keeps_its_values_unread_until_it_comes_back(
    admin: User,
    agent: User,
    customer: User,
    front_desk: Team,
    billing: Team,
    invoice: FieldDefinition,
) -> None:
    billed = in_team(open_ticket(customer), billing, admin)
    services.ticket_fields_set(actor=agent, ticket_id=billed.pk, values={"invoice": "F-1"})
    in_team(billed, front_desk, admin)
    assert selectors.values_for_tickets(user=agent, ticket_ids=[billed.pk]) == {}
    assert Api(agent).get("/tickets/?field_invoice=F-1").json()["results"] == []
    in_team(billed, billing, admin)
    assert selectors.values_for_tickets(user=agent, ticket_ids=[billed.pk])[billed.pk] == {
        "invoice": "F-1"
    }


def test_filters_keep_only_the_fields_teams_tickets(
    admin: User,
    agent: User,
    customer: User,
    front_desk: Team,
    billing: Team,
    invoice: FieldDefinition,
) -> None:
    billed = in_team(open_ticket(customer), billing, admin)
    bare = in_team(open_ticket(customer), billing, admin)
    in_team(open_ticket(customer), front_desk, admin)
    open_ticket(customer)
    services.ticket_fields_set(actor=agent, ticket_id=billed.pk, values={"invoice": "F-1"})
    found = Api(agent).get("/tickets/?cf_invoice=F-1").json()["results"]
    assert [row["id"] for row in found] == [billed.pk]
    services.field_define(
        actor=admin, values={"key": "paid", "label": "Paid", "type": "checkbox", "team": billing}
    )
    services.ticket_fields_set(actor=agent, ticket_id=billed.pk, values={"paid": True})
    unset = Api(agent).get("/tickets/?field_paid=none").json()["results"]
    assert [row["id"] for row in unset] == [bare.pk]  # not the other teams' tickets


def test_the_export_has_a_team_fields_column_empty_for_other_teams(
    admin: User,
    agent: User,
    customer: User,
    front_desk: Team,
    billing: Team,
    invoice: FieldDefinition,
) -> None:
    billed = in_team(open_ticket(customer, "Billed"), billing, admin)
    in_team(open_ticket(customer, "Desk"), front_desk, admin)
    services.ticket_fields_set(actor=agent, ticket_id=billed.pk, values={"invoice": "F-1"})
    client = Client()
    client.force_login(agent)
    response = client.get("/api/ticketing/tickets/export.csv", HTTP_AUTHORIZATION="")
    if response.status_code != 200:  # the REST API wants its own authentication
        response = Api(agent).get("/tickets/export.csv")
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    cells = {row["Title"] if "Title" in row else row["title"]: row for row in rows}
    column = next(name for name in rows[0] if "Invoice" in name or name == "invoice")
    assert cells["Billed"][column] == "F-1"
    assert cells["Desk"][column] == ""


def test_admins_choose_the_team_in_the_rest_api(admin: User, agent: User, billing: Team) -> None:
    body = {"key": "refund", "label": "Refund", "type": "checkbox", "team": billing.pk}
    created = Api(admin).post("/fields/", body)
    assert created.status_code == 201 and created.json()["team"] == billing.pk
    field_id = created.json()["id"]
    assert Api(admin).patch(f"/fields/{field_id}/", {"label": "Refunded"}).json()["team"] == (
        billing.pk
    )
    assert Api(admin).patch(f"/fields/{field_id}/", {"team": None}).json()["team"] is None
    refused = Api(admin).post("/fields/", {**body, "key": "other", "team": 999999})
    assert refused.status_code == 400 and refused.json()["error"]["message"] == (
        "Choose an active team."
    )
    assert Api(agent).get(f"/fields/{field_id}/").json()["team"] is None


def test_a_team_with_fields_is_not_deleted(
    admin: User, billing: Team, invoice: FieldDefinition
) -> None:
    with pytest.raises(InvalidInput, match="custom fields"):
        team_delete(actor=admin, team_id=billing.pk)
    assert Team.objects.filter(pk=billing.pk).exists()


def test_admins_choose_the_team_on_the_admin_page(admin: User, billing: Team) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    page = client.get("/admin/fields/fielddefinition/add/")
    assert page.status_code == 200 and "Billing" in page.content.decode()
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/admin/fields/fielddefinition/add/",
        {
            "csrfmiddlewaretoken": token,
            "label": "Refund",
            "key": "refund",
            "type": "checkbox",
            "help_text": "",
            "choices_text": "",
            "active": "on",
            "position": "0",
            "team": str(billing.pk),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert FieldDefinition.objects.get(key="refund").team_id == billing.pk
