"""Custom fields on the pages: the new-ticket form (customers and staff), the ticket page's
staff sidebar, and the history line."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.fields import selectors, services
from frontdesk.fields.models import FieldDefinition
from frontdesk.tickets.models import Ticket
from tests.conftest import open_ticket
from tests.web.conftest import html

pytestmark = pytest.mark.django_db


@pytest.fixture
def fields(admin: User) -> list[FieldDefinition]:
    define = services.field_define
    return [
        define(
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
        define(actor=admin, values={"key": "member_number", "label": "Member number"}),
        define(
            actor=admin,
            values={
                "key": "levels",
                "label": "Levels",
                "type": "multi_choice",
                "choices": ["Beginner", "Advanced"],
            },
        ),
        define(actor=admin, values={"key": "paid", "label": "Paid", "type": "checkbox"}),
    ]


def browser(user: User, path: str) -> tuple[Client, str]:
    """A browser that checks CSRF, with the token of the page at ``path``."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get(path)
    return client, client.cookies["csrftoken"].value


def post(user: User, path: str, data: dict[str, Any], *, page: str = "") -> Any:
    client, token = browser(user, page or path)
    return client.post(path, {"csrfmiddlewaretoken": token, **data}), client


def test_customers_see_only_their_fields_on_the_new_ticket_form(
    customer: User, agent: User, fields: list[FieldDefinition]
) -> None:
    client, _ = browser(customer, "/ticket/new")
    page = html(client.get("/ticket/new"))
    assert 'name="field_dance_style"' in page and 'name="field_member_number"' not in page
    client, _ = browser(agent, "/ticket/new")
    page = html(client.get("/ticket/new"))
    assert 'name="field_member_number"' in page and "Member number (optional)" in page


def test_a_required_field_is_named_beside_it_and_nothing_opens(
    customer: User, fields: list[FieldDefinition]
) -> None:
    response, _ = post(customer, "/ticket/new", {"title": "Class", "message": "When?"})
    assert response.status_code == 400
    page = html(response)
    error = re.search(r'id="id_field_dance_style_error">(.*?)</p>', page, re.S)
    assert error is not None and "Dance style is required." in error.group(1)
    assert 'value="Class"' in page
    assert not Ticket.objects.exists()


def test_a_customer_opens_a_ticket_with_a_field(
    customer: User, fields: list[FieldDefinition]
) -> None:
    response, _ = post(
        customer,
        "/ticket/new",
        {"title": "Class", "message": "When?", "field_dance_style": "Tango"},
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert selectors.values_for_tickets(user=customer, ticket_ids=[ticket.pk])[ticket.pk] == {
        "dance_style": "Tango"
    }


def test_staff_edit_fields_in_the_sidebar_and_the_history_says_so(
    customer: User, agent: User, fields: list[FieldDefinition]
) -> None:
    ticket = open_ticket(customer)
    path = f"/ticket/{ticket.pk}"
    client, _ = browser(agent, path)
    page = html(client.get(path))
    assert 'id="custom-fields-title"' in page and 'name="field_levels"' in page
    response, client = post(
        agent,
        f"{path}/fields",
        {
            "field_dance_style": "Salsa",
            "field_member_number": "M-7",
            "field_levels": ["Advanced", "Beginner"],
            "field_paid": ["", "on"],
        },
        page=path,
    )
    assert response.status_code == 302 and response["Location"] == path
    values = selectors.values_for_tickets(user=agent, ticket_ids=[ticket.pk])[ticket.pk]
    assert values == {
        "dance_style": "Salsa",
        "member_number": "M-7",
        "levels": ["Beginner", "Advanced"],
        "paid": True,
    }
    page = html(client.get(path))
    assert "Custom fields saved." in page
    assert "changed field" not in page
    assert "set field 'Dance style' to Salsa" in page
    response, client = post(agent, f"{path}/fields", {"field_dance_style": "Tango"}, page=path)
    page = html(client.get(path))
    assert "changed field 'Dance style' from Salsa to Tango" in page


def test_a_refused_value_is_told_and_changes_nothing(
    customer: User, agent: User, admin: User, fields: list[FieldDefinition]
) -> None:
    services.field_define(
        actor=admin, values={"key": "class_date", "label": "Class date", "type": "date"}
    )
    ticket = open_ticket(customer)
    path = f"/ticket/{ticket.pk}"
    response, client = post(
        agent,
        f"{path}/fields",
        {"field_class_date": "soon", "field_member_number": "X"},
        page=path,
    )
    assert response.status_code == 302
    assert "Class date: use a date" in html(client.get(path))
    assert selectors.values_for_tickets(user=agent, ticket_ids=[ticket.pk]) == {}


def test_customers_cannot_post_fields(customer: User, fields: list[FieldDefinition]) -> None:
    ticket = open_ticket(customer)
    path = f"/ticket/{ticket.pk}"
    response, client = post(customer, f"{path}/fields", {"field_dance_style": "Tango"}, page=path)
    assert response.status_code in (302, 403)
    assert selectors.values_for_tickets(user=customer, ticket_ids=[ticket.pk]) == {}
    assert 'id="custom-fields-title"' not in html(client.get(path))


def test_the_fields_form_needs_the_csrf_token(
    customer: User, agent: User, fields: list[FieldDefinition]
) -> None:
    ticket = open_ticket(customer)
    client, _ = browser(agent, f"/ticket/{ticket.pk}")
    response = client.post(f"/ticket/{ticket.pk}/fields", {"field_member_number": "X"})
    assert response.status_code == 403


def test_customers_read_their_visible_fields_on_their_ticket(
    customer: User, agent: User, fields: list[FieldDefinition]
) -> None:
    ticket = open_ticket(customer)
    services.ticket_fields_set(
        actor=agent,
        ticket_id=ticket.pk,
        values={"dance_style": "Salsa", "member_number": "M-SECRET"},
    )
    client, _ = browser(customer, f"/ticket/{ticket.pk}")
    page = html(client.get(f"/ticket/{ticket.pk}"))
    assert "<dt>Dance style</dt>" in page and "Salsa" in page
    assert "Member number" not in page and "M-SECRET" not in page


def test_a_phoned_in_ticket_gets_its_fields_or_nothing_is_made(
    agent: User, fields: list[FieldDefinition]
) -> None:
    caller = {
        "requester": "",
        "title": "Lost property",
        "message": "A blue bottle.",
        "caller-name": "María López",
        "caller-email": "maria@example.org",
    }
    refused, _ = post(agent, "/ticket/new", caller)
    assert refused.status_code == 400 and "Dance style is required." in html(refused)
    assert not User.objects.filter(email="maria@example.org").exists()
    response, _ = post(agent, "/ticket/new", {**caller, "field_dance_style": "Salsa"})
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert selectors.values_for_tickets(user=agent, ticket_ids=[ticket.pk])[ticket.pk] == {
        "dance_style": "Salsa"
    }
