"""Organisations and customers in the REST API: who may read which, adding a caller who has
no account and opening a ticket for them, and tickets filtered by organisation."""

from __future__ import annotations

import pytest

from frontdesk.accounts.models import Organisation, User
from frontdesk.tickets.models import Ticket
from tests.api.helpers import Api, error_of, ids
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(customer: User) -> Organisation:
    organisation = Organisation.objects.create(name="Acme Dance", domain="acme.example")
    customer.organisation = organisation
    customer.save(update_fields=["organisation"])
    return organisation


@pytest.fixture
def zeta(db: None) -> Organisation:
    return Organisation.objects.create(name="Zeta Studio")


def test_staff_list_every_organisation(
    as_agent: Api, acme: Organisation, zeta: Organisation
) -> None:
    assert ids(as_agent.get("/organisations/")) == [acme.pk, zeta.pk]
    detail = as_agent.get(f"/organisations/{zeta.pk}/").json()
    assert detail["name"] == "Zeta Studio" and detail["domain"] == ""


def test_a_customer_sees_only_their_own_organisation(
    as_customer: Api, as_other_customer: Api, acme: Organisation, zeta: Organisation
) -> None:
    assert ids(as_customer.get("/organisations/")) == [acme.pk]
    assert as_customer.get(f"/organisations/{acme.pk}/").status_code == 200
    assert as_customer.get(f"/organisations/{zeta.pk}/").status_code == 404
    assert ids(as_other_customer.get("/organisations/")) == []


def test_organisations_page_by_cursor(as_agent: Api) -> None:
    Organisation.objects.bulk_create([Organisation(name=f"Studio {n}") for n in range(5)])
    first = as_agent.get("/organisations/", limit=3).json()
    assert len(first["results"]) == 3 and first["next"]
    second = as_agent.get(first["next"]).json()
    assert len(second["results"]) == 2 and second["next"] is None


def test_a_customers_details_with_their_organisation(
    as_agent: Api, as_customer: Api, customer: User, other_customer: User, acme: Organisation
) -> None:
    detail = as_agent.get(f"/customers/{customer.pk}/").json()
    assert detail["username"] == "John" and detail["email"] == "john@example.com"
    assert detail["organisation"]["name"] == "Acme Dance" and detail["has_password"] is True
    assert as_customer.get(f"/customers/{customer.pk}/").status_code == 200
    assert as_customer.get(f"/customers/{other_customer.pk}/").status_code == 404
    assert as_agent.get("/customers/0/").status_code == 404  # System


def test_an_agent_adds_a_caller_and_opens_a_ticket_for_them(as_agent: Api, agent: User) -> None:
    made = as_agent.post("/customers/", {"name": "María López", "email": "maria@example.org"})
    assert made.status_code == 201, made.content
    person = made.json()
    assert person["username"] == "MariaLopez" and person["has_password"] is False
    assert person["organisation"] is None
    opened = as_agent.post(
        "/tickets/",
        {
            "subject": "Lost property in studio 2",
            "description": "A blue water bottle after the 7 pm class.",
            "customer": person["id"],
        },
    )
    assert opened.status_code == 201, opened.content
    assert Ticket.objects.get().requester_id == person["id"]


def test_customers_cannot_add_callers(as_customer: Api) -> None:
    refused = as_customer.post("/customers/", {"name": "Mallory", "email": "m@example.com"})
    assert refused.status_code == 403
    assert not User.objects.filter(email="m@example.com").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Ann", "email": "john@example.com"}, "email"),
        ({"name": "Ann", "email": "nope"}, "email"),
        ({"name": "", "email": "ann@example.com"}, "name"),
    ],
)
def test_a_caller_refused_names_the_field(
    as_agent: Api, customer: User, body: dict[str, str], field: str
) -> None:
    response = as_agent.post("/customers/", body)
    assert response.status_code == 400
    assert field in error_of(response)["fields"]


def test_unknown_fields_are_refused(as_agent: Api) -> None:
    response = as_agent.post(
        "/customers/", {"name": "Ann", "email": "ann@example.com", "role": "admin"}
    )
    assert response.status_code == 400


def test_tickets_filtered_by_organisation_id_or_name(
    as_agent: Api, as_customer: Api, customer: User, other_customer: User, acme: Organisation
) -> None:
    theirs = open_ticket(customer)
    open_ticket(other_customer, "Cannot sign in today")
    assert ids(as_agent.get("/tickets/", organisation=str(acme.pk))) == [theirs.pk]
    assert ids(as_agent.get("/tickets/", organisation="acme dance")) == [theirs.pk]
    assert ids(as_agent.get("/tickets/", organisation="Nobody Inc")) == []
    assert as_agent.get("/tickets/", organisation="9" * 30).status_code == 400
    assert ids(as_agent.get("/tickets/", organisation="²")) == []  # a name nobody has
    detail = as_agent.get(f"/tickets/{theirs.pk}/").json()
    assert detail["organisation"] == acme.pk
    assert detail["customer_detail"]["organisation"] == acme.pk
