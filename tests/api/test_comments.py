"""Comments: who reads which, and who may change them. Internal notes never reach customers."""

from __future__ import annotations

import pytest

from frontdesk.accounts.models import User
from frontdesk.tickets import services
from frontdesk.tickets.models import Message, MessageKind, Ticket
from tests.api.helpers import Api, error_of, ids
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(customer: User, agent: User) -> dict[str, Message]:
    ticket = open_ticket(customer)
    first = Message.objects.get(ticket=ticket)
    note = services.message_post(
        actor=agent, ticket_id=ticket.pk, body="Internal zebra note", internal=True
    )
    reply = services.message_post(actor=agent, ticket_id=ticket.pk, body="Public answer here")
    system = services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status="pending")
    return {"first": first, "note": note, "reply": reply, "system": system}


def test_list_matrix(
    request: pytest.FixtureRequest, thread: dict[str, Message], other_customer: User
) -> None:
    everything = [m.pk for m in thread.values()]
    public = [thread[name].pk for name in ("first", "reply", "system")]
    expected = {
        "as_customer": public,
        "as_other_customer": [],
        "as_agent": everything,
        "as_admin": everything,
    }
    for who, visible in expected.items():
        assert ids(request.getfixturevalue(who).get("/comments/")) == visible, who


def test_list_filtered_by_ticket(
    as_customer: Api, as_agent: Api, thread: dict[str, Message]
) -> None:
    ticket_id = thread["first"].ticket_id
    assert len(ids(as_agent.get("/comments/", ticket=str(ticket_id)))) == 4
    assert len(ids(as_customer.get("/comments/", ticket=str(ticket_id)))) == 3
    assert ids(as_agent.get("/comments/", ticket=str(ticket_id + 1))) == []
    assert as_agent.get("/comments/", ticket="x").status_code == 400


def test_internal_note_detail_is_404_for_customer(
    as_customer: Api, as_agent: Api, as_other_customer: Api, thread: dict[str, Message]
) -> None:
    note = thread["note"]
    assert as_customer.get(f"/comments/{note.pk}/").status_code == 404
    assert as_agent.get(f"/comments/{note.pk}/").json()["is_internal"] is True
    reply = thread["reply"].pk
    assert as_customer.get(f"/comments/{reply}/").json()["content"] == "Public answer here"
    assert as_other_customer.get(f"/comments/{reply}/").status_code == 404


def test_comment_shape(as_agent: Api, thread: dict[str, Message], agent: User) -> None:
    data = as_agent.get(f"/comments/{thread['system'].pk}/").json()
    assert set(data) == {"id", "ticket", "author", "content", "is_internal", "kind", "created_at"}
    assert data["kind"] == "system"


def test_pages(as_agent: Api, thread: dict[str, Message]) -> None:
    first = as_agent.get("/comments/", limit="3")
    assert len(ids(first)) == 3
    second = as_agent.client.get(first.json()["next"], headers=as_agent.headers)
    assert ids(first) + ids(second) == [m.pk for m in thread.values()]
    assert second.json()["next"] is None


def test_create(as_customer: Api, as_other_customer: Api, as_agent: Api, customer: User) -> None:
    ticket = open_ticket(customer)
    body = {"ticket": ticket.pk, "content": "Another detail here"}
    response = as_customer.post("/comments/", body)
    assert response.status_code == 201
    assert response.json()["ticket"] == ticket.pk
    assert as_other_customer.post("/comments/", body).status_code == 404
    assert as_customer.post("/comments/", {**body, "is_internal": True}).status_code == 403
    assert as_agent.post("/comments/", {**body, "is_internal": True}).status_code == 201
    bad = as_agent.post("/comments/", {**body, "content": "   "})
    assert bad.status_code == 400
    assert "content" in error_of(bad)["fields"]


def test_edit_rules(
    thread: dict[str, Message],
    as_agent: Api,
    as_admin: Api,
    as_customer: Api,
    other_agent: User,
) -> None:
    reply = f"/comments/{thread['reply'].pk}/"
    assert as_agent.put(reply, {"content": "Corrected answer"}).status_code == 200
    assert Message.objects.get(pk=thread["reply"].pk).body == "Corrected answer"
    assert Api(other_agent).put(reply, {"content": "Not my comment"}).status_code == 403
    assert as_customer.put(reply, {"content": "Not my comment"}).status_code == 403
    assert as_admin.put(reply, {"content": "Admin corrected"}).status_code == 200
    first = f"/comments/{thread['first'].pk}/"
    assert as_customer.put(first, {"content": "Customers cannot edit"}).status_code == 403
    note = f"/comments/{thread['note'].pk}/"
    assert as_customer.put(note, {"content": "Internal for staff"}).status_code == 404
    flip = as_agent.put(note, {"content": "Now public please", "is_internal": False})
    assert flip.status_code == 400
    assert "is_internal" in error_of(flip)["fields"]
    system = f"/comments/{thread['system'].pk}/"
    assert as_admin.put(system, {"content": "Rewriting history"}).status_code == 403


def test_delete_rules(
    thread: dict[str, Message], as_agent: Api, as_admin: Api, as_customer: Api
) -> None:
    assert as_customer.delete(f"/comments/{thread['reply'].pk}/").status_code == 403
    assert as_customer.delete(f"/comments/{thread['note'].pk}/").status_code == 404
    assert as_admin.delete(f"/comments/{thread['system'].pk}/").status_code == 403
    assert as_admin.delete(f"/comments/{thread['first'].pk}/").status_code == 409
    assert as_agent.delete(f"/comments/{thread['note'].pk}/").status_code == 204
    assert not Message.objects.filter(pk=thread["note"].pk).exists()
    assert as_agent.get(f"/comments/{thread['note'].pk}/").status_code == 404


def test_internal_notes_do_not_change_customer_view(
    as_customer: Api, customer: User, agent: User
) -> None:
    ticket = open_ticket(customer)
    services.message_post(actor=agent, ticket_id=ticket.pk, body="Staff only words", internal=True)
    data = as_customer.get(f"/tickets/{ticket.pk}/").json()
    assert data["description"] == "The heating in studio 2 is off."
    assert data["first_response_at"] is None
    assert Ticket.objects.get(pk=ticket.pk).messages.filter(kind=MessageKind.INTERNAL).exists()
