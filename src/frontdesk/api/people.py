"""The REST API's people: organisations (list, detail) and customers (detail, and adding one
for a caller who has no account, so that a ticket can be opened for them). Parse, call one
service or selector, render; the rules are in accounts/services.py and tickets/access.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from frontdesk.accounts import services as accounts
from frontdesk.accounts.models import Organisation, User
from frontdesk.api.auth import caller
from frontdesk.api.schemas import Strict
from frontdesk.tickets import access
from frontdesk.tickets import api_selectors as selectors

organisations = Router(tags=["organisations"])
customers = Router(tags=["customers"])


class OrganisationOut(Schema):
    id: int
    name: str
    domain: str
    created_at: datetime


class OrganisationPageOut(Schema):
    results: list[OrganisationOut]
    next: str | None


class OrganisationQuery(Schema):
    cursor: str = ""
    limit: int = 50


class CustomerOut(Schema):
    id: int
    username: str
    email: str
    role: str
    organisation: OrganisationOut | None
    member_since: datetime
    has_password: bool = Field(
        description="False for an account added for a caller and not claimed yet: its owner "
        "sets a password by resetting it for the email address."
    )

    @staticmethod
    def resolve_member_since(obj: User) -> datetime:
        return obj.created_at

    @staticmethod
    def resolve_has_password(obj: User) -> bool:
        return obj.has_usable_password()


class CustomerCreateIn(Strict):
    name: str = Field(description="The caller's name; the username is made from it.")
    email: str


Answers = Callable[[dict[int, Any], frozenset[int]], dict[Any, Any]]
Pager = Callable[[HttpRequest, selectors.ApiPage], dict[str, Any]]


def register(
    *,
    answers: Answers,
    page: Pager,
    list_errors: frozenset[int],
    read: frozenset[int],
    write: frozenset[int],
) -> None:
    """Add the operations, with the API's own documented answers (``answers``: the statuses
    besides success) and pages of results (``page``)."""

    @organisations.get(
        "/",
        response=answers({200: OrganisationPageOut}, list_errors),
        url_name="organisations_list",
    )
    def organisations_list(request: HttpRequest, query: Query[OrganisationQuery]) -> dict[str, Any]:
        """Staff see every organisation; a customer only their own."""
        found = selectors.organisations_list_for_api(
            user=caller(request), cursor=query.cursor, limit=query.limit
        )
        return page(request, found)

    @organisations.get(
        "/{int:organisation_id}/",
        response=answers({200: OrganisationOut}, read),
        url_name="organisations_detail",
    )
    def organisations_detail(request: HttpRequest, organisation_id: int) -> Organisation:
        return access.organisation_get(user=caller(request), organisation_id=organisation_id)

    @customers.post("/", response=answers({201: CustomerOut}, write), url_name="customers_create")
    def customers_create(request: HttpRequest, payload: CustomerCreateIn) -> Status[User]:
        """Agents and admins add a customer who has no account (a phone call, a visit), then
        open a ticket for them with ``POST /tickets/`` and ``customer``. No password is set:
        the customer claims the account by resetting the password for its address."""
        person = accounts.customer_create_for_phone_in(
            actor=caller(request), name=payload.name, email=payload.email
        )
        return Status(201, access.person_get(user=caller(request), person_id=person.pk))

    @customers.get(
        "/{int:customer_id}/",
        response=answers({200: CustomerOut}, read),
        url_name="customers_detail",
    )
    def customers_detail(request: HttpRequest, customer_id: int) -> User:
        """Staff see anyone's details; a customer only their own."""
        return access.person_get(user=caller(request), person_id=customer_id)
