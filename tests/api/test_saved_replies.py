"""/api/ticketing/saved-replies/: the same rules as the pages, for the whole cast, in the
API's one error shape; every operation is in the OpenAPI document."""

from __future__ import annotations

import pytest

from frontdesk.accounts.models import User
from frontdesk.replies import services
from frontdesk.replies.models import SavedReply
from frontdesk.tickets.models import Status, Ticket
from tests.api.helpers import Api, error_of
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db

PATH = "/saved-replies/"
NEW = {
    "name": "Schedule change",
    "body": "Hi {{ customer.first_name }}, the timetable for {{ ticket.title }} changed.",
    "shortcut": "schedule",
    "set_status": "pending",
    "add_tag": "schedule",
}


@pytest.fixture
def shared(admin: User) -> SavedReply:
    return services.saved_reply_create(
        actor=admin, name="Refund policy", body="Refunds within 14 days.", shared=True
    )


@pytest.fixture
def ticket(customer: User) -> Ticket:
    return open_ticket(customer, "Friday salsa class")


def test_an_agent_manages_their_replies(as_agent: Api, agent: User) -> None:
    made = as_agent.post(PATH, NEW)
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["owner"] == agent.pk and body["shared"] is False
    assert {k: body[k] for k in NEW} == NEW
    one = f"{PATH}{body['id']}/"
    assert as_agent.get(one).json()["name"] == "Schedule change"
    patched = as_agent.patch(one, {"name": "Timetable change"})
    assert patched.status_code == 200 and patched.json()["name"] == "Timetable change"
    assert patched.json()["body"] == NEW["body"]
    put = as_agent.put(one, {**NEW, "set_status": ""})
    assert put.status_code == 200 and put.json()["set_status"] == ""
    assert as_agent.delete(one).status_code == 204
    assert as_agent.get(one).status_code == 404


def test_the_list_is_yours_and_the_shared_ones(
    as_agent: Api, other_agent: User, shared: SavedReply
) -> None:
    services.saved_reply_create(actor=other_agent, name="Bob's", body="Not for Alice.")
    as_agent.post(PATH, NEW)
    listed = as_agent.get(PATH).json()
    assert [r["name"] for r in listed["results"]] == ["Refund policy", "Schedule change"]
    assert listed["more"] is False
    assert [r["name"] for r in as_agent.get(PATH, search="refund").json()["results"]] == [
        "Refund policy"
    ]
    limited = as_agent.get(PATH, limit=1).json()
    assert len(limited["results"]) == 1 and limited["more"] is True
    assert as_agent.get(PATH, limit=0).status_code == 400


def test_shared_replies_are_for_admins_to_change(
    as_agent: Api, as_admin: Api, shared: SavedReply
) -> None:
    one = f"{PATH}{shared.pk}/"
    assert as_agent.get(one).status_code == 200
    refused = as_agent.patch(one, {"body": "Mine now."})
    assert refused.status_code == 403
    assert error_of(refused)["message"] == "Only admins can change shared saved replies."
    assert as_agent.delete(one).status_code == 403
    assert as_agent.post(PATH, {**NEW, "shared": True}).status_code == 403
    assert as_admin.patch(one, {"body": "Refunds within 30 days."}).status_code == 200
    made = as_admin.post(PATH, {**NEW, "shared": True})
    assert made.status_code == 201 and made.json()["owner"] is None


def test_put_keeps_a_shared_reply_shared_unless_told(as_admin: Api, shared: SavedReply) -> None:
    one = f"{PATH}{shared.pk}/"
    assert as_admin.put(one, NEW).json()["shared"] is True
    assert as_admin.put(one, {**NEW, "shared": False}).json()["shared"] is False


def test_customers_are_refused_everything(
    as_customer: Api, anonymous: Api, shared: SavedReply, ticket: Ticket
) -> None:
    one = f"{PATH}{shared.pk}/"
    for response in (
        as_customer.get(PATH),
        as_customer.get(one),
        as_customer.post(PATH, NEW),
        as_customer.patch(one, {"name": "x"}),
        as_customer.delete(one),
        as_customer.post(f"{one}render/", {"ticket": ticket.pk}),
        as_customer.post(f"{one}send/", {"ticket": ticket.pk}),
    ):
        assert response.status_code == 403, response.content
        assert error_of(response)["message"] == "Saved replies are for agents."
    assert anonymous.get(PATH).status_code == 401


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"body": "{{ settings.SECRET_KEY }}"}, "body"),
        ({"name": ""}, "name"),
        ({"set_status": "reopened"}, "set_status"),
        ({"shortcut": "a b"}, "shortcut"),
        ({"owner": 1}, "owner"),
    ],
)
def test_invalid_input_names_its_field(as_agent: Api, change: dict[str, str], field: str) -> None:
    refused = as_agent.post(PATH, {**NEW, **change})
    assert refused.status_code == 400
    assert field in error_of(refused)["fields"]


def test_render_and_send(as_agent: Api, agent: User, ticket: Ticket) -> None:
    reply = as_agent.post(PATH, NEW).json()
    one = f"{PATH}{reply['id']}/"
    rendered = as_agent.post(f"{one}render/", {"ticket": ticket.pk})
    assert rendered.status_code == 200
    text = "Hi John, the timetable for Friday salsa class changed."
    assert rendered.json() == {
        "id": reply["id"],
        "name": "Schedule change",
        "text": text,
        "set_status": "pending",
        "add_tag": "schedule",
    }
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW  # rendering changes nothing
    sent = as_agent.post(f"{one}send/", {"ticket": ticket.pk})
    assert sent.status_code == 201, sent.content
    assert sent.json()["comment"]["content"] == text
    assert sent.json()["changes"] == ["tag “schedule” added", "status set to Pending"]
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING
    edited = as_agent.post(
        f"{one}send/", {"ticket": ticket.pk, "content": "Edited by hand.", "is_internal": True}
    )
    assert edited.status_code == 201
    assert edited.json()["comment"]["is_internal"] is True
    assert edited.json()["changes"] == []
    assert as_agent.post(f"{one}render/", {"ticket": ticket.pk + 99}).status_code == 404
    assert as_agent.post(f"{one}render/", {"ticket": 2**70}).status_code == 404


def test_every_operation_is_documented(as_agent: Api) -> None:
    document = as_agent.get("/openapi.json").json()
    paths = document["paths"]
    base = "/api/ticketing/saved-replies/"
    assert set(paths[base]) == {"get", "post"}
    assert set(paths[base + "{reply_id}/"]) == {"get", "put", "patch", "delete"}
    assert set(paths[base + "{reply_id}/render/"]) == {"post"}
    assert set(paths[base + "{reply_id}/send/"]) == {"post"}
