"""Merge, split and links in the REST API: the answers, the statuses, the refusals."""

from __future__ import annotations

import pytest

from frontdesk.accounts.models import User
from frontdesk.tickets import services
from frontdesk.tickets.models import Message, Ticket, TicketLink
from tests.api.helpers import Api, error_of
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db


def test_merge_answers_with_the_survivor_and_the_source_says_where_it_went(
    as_agent: Api, as_customer: Api, customer: User
) -> None:
    target = open_ticket(customer, title="Target")
    source = open_ticket(customer, title="Source")
    response = as_agent.post(f"/tickets/{source.pk}/merge/", {"target": target.number})
    assert response.status_code == 200, response.content
    assert response.json()["id"] == target.pk and response.json()["merged_into"] is None
    # The merged ticket is still there, closed, and names its survivor, to agent and customer.
    for api in (as_agent, as_customer):
        merged = api.get(f"/tickets/{source.pk}/").json()
        assert (merged["status"], merged["merged_into"]) == ("closed", target.pk)
    listed = as_agent.get("/tickets/", status="closed").json()["results"]
    assert [(t["id"], t["merged_into"]) for t in listed] == [(source.pk, target.pk)]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"target": "TKT-999999"}, 400, "target"),
        ({"target": "nonsense"}, 400, "target"),
        ({"target": True}, 400, "target"),
        ({}, 400, "target"),
        ({"target": 1, "extra": 1}, 400, "extra"),
    ],
)
def test_merge_refusals(
    as_agent: Api, customer: User, body: dict[str, object], status: int, field: str
) -> None:
    source = open_ticket(customer)
    response = as_agent.post(f"/tickets/{source.pk}/merge/", body)
    assert response.status_code == status, response.content
    error = error_of(response)
    assert field in (error["fields"] or {}) or field in error["message"], error
    assert Ticket.objects.get(pk=source.pk).merged_into_id is None


def test_merge_into_itself_twice_and_by_customers(
    as_agent: Api, as_customer: Api, as_other_customer: Api, customer: User
) -> None:
    one = open_ticket(customer)
    two = open_ticket(customer)
    assert as_agent.post(f"/tickets/{one.pk}/merge/", {"target": one.pk}).status_code == 400
    assert as_customer.post(f"/tickets/{one.pk}/merge/", {"target": two.pk}).status_code == 403
    assert (
        as_other_customer.post(f"/tickets/{one.pk}/merge/", {"target": two.pk}).status_code == 403
    )
    assert as_agent.post("/tickets/999999/merge/", {"target": two.pk}).status_code == 404
    assert as_agent.post(f"/tickets/{one.pk}/merge/", {"target": two.pk}).status_code == 200
    again = as_agent.post(f"/tickets/{one.pk}/merge/", {"target": two.pk})
    assert again.status_code == 409 and "already been merged" in error_of(again)["message"]


def test_split_answers_the_new_ticket(
    as_agent: Api, as_customer: Api, customer: User, agent: User
) -> None:
    ticket = open_ticket(customer, title="Heating")
    later = services.message_post(actor=customer, ticket_id=ticket.pk, body="And my invoice?")
    assert as_customer.post(f"/comments/{later.pk}/split/", {}).status_code == 403
    response = as_agent.post(f"/comments/{later.pk}/split/", {"title": "Invoice"})
    assert response.status_code == 201, response.content
    new = response.json()
    assert (new["subject"], new["customer"], new["description"]) == (
        "Invoice",
        customer.pk,
        "And my invoice?",
    )
    first = Message.objects.filter(ticket=ticket).order_by("id").first()
    assert first is not None
    refused = as_agent.post(f"/comments/{first.pk}/split/", {})
    assert refused.status_code == 400 and "first message" in error_of(refused)["message"]
    links = as_agent.get(f"/tickets/{new['id']}/links/").json()["results"]
    assert [(x["ticket"], x["how"]) for x in links] == [(ticket.pk, "split from")]


def test_links_for_agents_none_for_customers(
    as_agent: Api, as_customer: Api, as_other_customer: Api, customer: User
) -> None:
    one = open_ticket(customer, title="One")
    two = open_ticket(customer, title="Two")
    response = as_agent.post(f"/tickets/{one.pk}/links/", {"ticket": two.number})
    assert response.status_code == 201, response.content
    assert [(x["ticket"], x["ticket_number"], x["how"]) for x in response.json()["results"]] == [
        (two.pk, two.number, "related")
    ]
    assert [x["ticket"] for x in as_agent.get(f"/tickets/{two.pk}/links/").json()["results"]] == [
        one.pk
    ]
    assert as_customer.get(f"/tickets/{one.pk}/links/").json() == {"results": []}
    assert as_other_customer.get(f"/tickets/{one.pk}/links/").status_code == 404
    assert as_customer.post(f"/tickets/{one.pk}/links/", {"ticket": two.pk}).status_code == 403
    assert as_agent.post(f"/tickets/{one.pk}/links/", {"ticket": two.pk}).status_code == 409
    assert as_agent.post(f"/tickets/{one.pk}/links/", {"ticket": one.pk}).status_code == 400
    assert as_customer.delete(f"/tickets/{one.pk}/links/{two.pk}/").status_code == 403
    assert as_agent.delete(f"/tickets/{two.pk}/links/{one.pk}/").status_code == 204
    assert as_agent.delete(f"/tickets/{two.pk}/links/{one.pk}/").status_code == 404
    assert not TicketLink.objects.exists()
