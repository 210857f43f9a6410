"""The REST API's saved views (/views/) and bulk changes (/tickets/bulk/): the same services
and rules as the workspace page, in JSON."""

from __future__ import annotations

import pytest

from frontdesk.accounts.models import User
from frontdesk.tickets.models import SavedView, Status, Ticket, TicketEvent
from tests.api.helpers import Api, error_of
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db


# --- saved views --------------------------------------------------------------------------


def test_an_agent_keeps_lists_and_deletes_a_view(as_agent: Api, customer: User) -> None:
    open_ticket(customer, "Heating not working")
    created = as_agent.post("/views/", {"name": "New ones", "query": "view=open&status=new"})
    assert created.status_code == 201, created.content
    view = created.json()
    assert view["name"] == "New ones" and view["shared"] is False
    assert view["query"] == "view=open&status=new"
    assert view["url"] == "/home?view=open&status=new" and view["count"] == 1

    listed = as_agent.get("/views/")
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [view["id"]]
    assert as_agent.get(f"/views/{view['id']}/").json()["count"] == 1

    patched = as_agent.patch(f"/views/{view['id']}/", {"name": "Fresh", "query": "view=pending"})
    assert patched.status_code == 200
    assert (patched.json()["name"], patched.json()["count"]) == ("Fresh", 0)

    assert as_agent.delete(f"/views/{view['id']}/").status_code == 204
    assert as_agent.get(f"/views/{view['id']}/").status_code == 404


def test_shared_views_are_the_admins(as_agent: Api, as_admin: Api, agent: User) -> None:
    refused = as_agent.post("/views/", {"name": "All", "query": "view=open", "shared": True})
    assert refused.status_code == 403
    assert error_of(refused)["message"] == "Only admins can share a view with every agent."

    shared = as_admin.post("/views/", {"name": "All", "query": "view=open", "shared": True})
    assert shared.status_code == 201
    view_id = shared.json()["id"]
    assert [row["name"] for row in as_agent.get("/views/").json()["results"]] == ["All"]
    assert as_agent.patch(f"/views/{view_id}/", {"name": "Mine"}).status_code == 403
    assert as_agent.delete(f"/views/{view_id}/").status_code == 403
    assert as_admin.delete(f"/views/{view_id}/").status_code == 204


def test_someone_elses_personal_view_does_not_exist(as_agent: Api, other_agent: User) -> None:
    theirs = Api(other_agent).post("/views/", {"name": "Bob's", "query": "view=mine"}).json()
    for response in (
        as_agent.get(f"/views/{theirs['id']}/"),
        as_agent.patch(f"/views/{theirs['id']}/", {"name": "Mine"}),
        as_agent.delete(f"/views/{theirs['id']}/"),
    ):
        assert response.status_code == 404
    assert SavedView.objects.get().name == "Bob's"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Odd", "query": "view=open&status=sleeping"}, "status"),
        ({"name": "Odd", "query": "view=open&search=x"}, "query"),
        ({"name": "", "query": "view=open"}, "name"),
        ({"name": "Odd", "query": "view=open", "colour": "red"}, "colour"),
    ],
)
def test_invalid_views_are_refused(as_agent: Api, body: dict[str, str], field: str) -> None:
    response = as_agent.post("/views/", body)
    assert response.status_code == 400
    assert field in error_of(response)["fields"]


def test_customers_and_strangers_have_no_views(as_customer: Api, anonymous: Api) -> None:
    assert as_customer.get("/views/").status_code == 403
    assert as_customer.post("/views/", {"name": "x", "query": "view=open"}).status_code == 403
    assert anonymous.get("/views/").status_code == 401


# --- bulk changes -------------------------------------------------------------------------


def test_bulk_change_answers_with_what_changed_and_what_was_refused(
    as_agent: Api, customer: User, agent: User, other_agent: User
) -> None:
    tickets = [open_ticket(customer, f"Studio issue {n}") for n in range(3)]
    Ticket.objects.filter(pk=tickets[1].pk).update(status=Status.CLOSED)
    response = as_agent.post(
        "/tickets/bulk/",
        {
            "tickets": [t.pk for t in tickets] + [987654],
            "changes": {"assigned_to": other_agent.pk, "status": "in_progress", "add_tag": "vip"},
        },
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "changed": [tickets[0].pk, tickets[2].pk],
        "unchanged": [],
        "refused": [
            {
                "ticket": tickets[1].pk,
                "reason": "A ticket that is closed cannot become in progress.",
            },
            {"ticket": 987654, "reason": "Ticket with given ID was not found in the database."},
        ],
    }
    changed = Ticket.objects.get(pk=tickets[0].pk)
    assert (changed.assignee_id, changed.status) == (other_agent.pk, Status.IN_PROGRESS)
    assert TicketEvent.objects.filter(ticket=changed, field="status").count() == 2

    unassigned = as_agent.post(
        "/tickets/bulk/", {"tickets": [tickets[0].pk], "changes": {"assigned_to": None}}
    )
    assert unassigned.json()["changed"] == [tickets[0].pk]
    assert Ticket.objects.get(pk=tickets[0].pk).assignee_id is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"tickets": [], "changes": {"status": "closed"}}, "tickets"),
        ({"tickets": list(range(1, 102)), "changes": {"status": "closed"}}, "tickets"),
        ({"tickets": [1], "changes": {}}, "changes"),
        ({"tickets": [1], "changes": {"priority": "extreme"}}, "priority"),
        ({"tickets": [1], "changes": {"subject": "New"}}, "subject"),
        ({"tickets": [1], "changes": {"assigned_to": "Bob"}}, "assigned_to"),
    ],
)
def test_bulk_requests_are_checked(as_agent: Api, body: dict[str, object], field: str) -> None:
    response = as_agent.post("/tickets/bulk/", body)
    assert response.status_code == 400
    assert field in str(error_of(response)["fields"])


def test_customers_change_nothing_in_bulk(as_customer: Api, customer: User) -> None:
    ticket = open_ticket(customer)
    response = as_customer.post(
        "/tickets/bulk/", {"tickets": [ticket.pk], "changes": {"status": "closed"}}
    )
    assert response.status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).status == Status.NEW


def test_the_new_operations_are_in_the_openapi_document(anonymous: Api) -> None:
    paths = anonymous.get("/openapi.json").json()["paths"]
    assert set(paths["/api/ticketing/views/"]) == {"get", "post"}
    assert set(paths["/api/ticketing/views/{view_id}/"]) == {"get", "patch", "delete"}
    assert set(paths["/api/ticketing/tickets/bulk/"]) == {"post"}
