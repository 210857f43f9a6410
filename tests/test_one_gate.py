"""What a user may not see does not exist for them, on every face: a ticket of another
customer is answered exactly as a ticket that does not exist (404, same words), except by the
SupportMe API, whose contract says 403. And an id from outside is parsed once, at the edge:
whatever is typed, the answer is a 404 or a 400, never a 500."""

from __future__ import annotations

import re
from functools import partial
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.accounts.services import user_set_role
from frontdesk.core.errors import (
    Conflict,
    InvalidInput,
    NotAllowed,
    NotFound,
    NotVisible,
    RateLimited,
    TooLarge,
    http_status,
)
from frontdesk.tickets import access
from frontdesk.tickets.models import Ticket
from tests.api.helpers import Api
from tests.conftest import open_ticket
from tests.supportme.helpers import NOT_AUTHENTICATED, bearer, token_for

pytestmark = pytest.mark.django_db

MISSING = 987654
NOT_IDS = ["²", "٣", "-1", "0", "1e3", "abc", "9" * 30, " 7 7"]


@pytest.fixture
def ticket(customer: User) -> Ticket:
    return open_ticket(customer, files=[SimpleUploadedFile("plan.txt", b"Plan", "text/plain")])


def _browser(user: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _signed_in(user: User) -> Client:
    """Signed in, CSRF checks off: for the posts a page's scripts send with their token."""
    client = Client()
    client.force_login(user)
    return client


_CSRF_TOKEN = re.compile(rb'(csrf-token" content|csrfmiddlewaretoken" value)="[^"]*"')


def _same(first: Any, second: Any) -> bool:
    """The same answer: status and body, but for the CSRF token a page masks anew each time."""
    strip = partial(_CSRF_TOKEN.sub, rb"\1")
    return bool(
        first.status_code == second.status_code and strip(first.content) == strip(second.content)
    )


# Each face's way to reach a ticket by id, as another customer would try it.
FACES = {
    "page": lambda user, pk: _browser(user).get(f"/ticket/{pk}"),
    "live stream": lambda user, pk: _browser(user).get("/live/events", {"ticket": pk}),
    "live presence": lambda user, pk: _signed_in(user).post(
        f"/live/presence/{pk}", {"state": "viewing"}
    ),
    "REST detail": lambda user, pk: Api(user).get(f"/tickets/{pk}/"),
    "REST comment": lambda user, pk: Api(user).post(
        f"/tickets/{pk}/add_comment/", {"content": "Let me in, please."}
    ),
    "REST status": lambda user, pk: Api(user).post(
        f"/tickets/{pk}/change_status/", {"status": "closed"}
    ),
    "REST patch": lambda user, pk: Api(user).call("PATCH", f"/tickets/{pk}/", {"status": "closed"}),
    "page CC": lambda user, pk: _signed_in(user).post(
        f"/ticket/{pk}/cc", {"action": "add", "cc": "landlord@example.org"}
    ),
    "REST followers": lambda user, pk: Api(user).get(f"/tickets/{pk}/followers/"),
    "REST CC": lambda user, pk: Api(user).get(f"/tickets/{pk}/cc/"),
    "REST CC add": lambda user, pk: Api(user).post(
        f"/tickets/{pk}/cc/", {"emails": ["landlord@example.org"]}
    ),
}


@pytest.mark.parametrize("face", FACES)
def test_another_customers_ticket_is_answered_as_a_missing_one(
    ticket: Ticket, other_customer: User, face: str
) -> None:
    reach = FACES[face]
    theirs = reach(other_customer, ticket.pk)
    missing = reach(other_customer, MISSING)
    assert theirs.status_code == 404
    assert _same(theirs, missing)
    ticket.refresh_from_db()
    assert ticket.status == "new" and ticket.messages.count() == 1


def test_files_of_another_customer_are_answered_as_missing_ones(
    ticket: Ticket, other_customer: User
) -> None:
    attachment = access.attachments_visible_to(ticket.requester).get()
    browser = _browser(other_customer)
    theirs = browser.get(attachment.url)
    missing = browser.get(f"/attachments/{MISSING}/plan.txt")
    assert theirs.status_code == 404
    assert _same(theirs, missing)
    api = Api(other_customer)
    assert (
        api.get(f"/attachments/{attachment.pk}/").json()
        == api.get(f"/attachments/{MISSING}/").json()
    )


def test_supportme_keeps_its_403_for_another_customers_ticket(
    client: Client, ticket: Ticket, other_customer: User
) -> None:
    token = bearer(token_for(other_customer))
    theirs = client.get(f"/get-ticket/{ticket.pk}", HTTP_AUTHORIZATION=token)
    missing = client.get(f"/get-ticket/{MISSING}", HTTP_AUTHORIZATION=token)
    assert (theirs.status_code, theirs.json()) == (403, {"error": NOT_AUTHENTICATED})
    assert missing.status_code == 404


def test_an_agent_made_a_customer_no_longer_lists_the_tickets_assigned_to_them(
    customer: User, agent: User, admin: User
) -> None:
    """Demoting keeps the assignee; the home page and the SupportMe lists still go through
    the gate, like the ticket's page, so the old assignee sees none of those tickets."""
    active = open_ticket(customer, "Heating in studio two", staff=agent, assignee=agent)
    open_ticket(customer, "Mirror in the hall", staff=agent, assignee=agent, status="closed")
    user_set_role(actor=admin, user=agent, role="customer")
    agent.refresh_from_db()
    browser = _browser(agent)
    assert browser.get(f"/ticket/{active.pk}").status_code == 404
    home = browser.get("/").content.decode()
    assert "Heating in studio two" not in home and "Mirror in the hall" not in home
    token = bearer(token_for(agent))
    for path in ("/get-open-tickets", "/get-closed-tickets"):
        answer = Client().get(f"{path}/{agent.pk}", HTTP_AUTHORIZATION=token)
        assert (answer.status_code, answer.json()) == (200, {"tickets": []}), path


# --- ids from outside ----------------------------------------------------------------------


@pytest.mark.parametrize("value", NOT_IDS)
def test_an_id_that_is_not_one_is_a_400_on_every_face(
    ticket: Ticket, agent: User, value: str
) -> None:
    browser = _browser(agent)
    assert browser.get("/live/events", {"ticket": value}).status_code == 400
    api = Api(agent)
    for path, name in [
        ("/tickets/", "customer"),
        ("/tickets/", "assigned_to"),
        ("/comments/", "ticket"),
        ("/attachments/", "ticket"),
        ("/history/", "ticket"),
    ]:
        response = api.get(path, **{name: value})
        assert response.status_code == 400, (path, name, response.content)


@pytest.mark.parametrize("value", NOT_IDS)
def test_the_sidebar_refuses_an_assignee_that_is_no_id(
    ticket: Ticket, agent: User, value: str
) -> None:
    client = Client()
    client.force_login(agent)
    response = client.post(
        f"/ticket/{ticket.pk}",
        {"csrfmiddlewaretoken": "x" * 64, "action": "assign", "assignee": value},
    )
    assert response.status_code == 400
    assert "Choose an agent from the list." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.assignee_id is None


@pytest.mark.parametrize("value", ["²", "٣", "9" * 30, "0"])
def test_the_staff_new_ticket_form_refuses_a_requester_that_is_nobody(
    agent: User, value: str
) -> None:
    client = Client()
    client.force_login(agent)
    response = client.post(
        "/ticket/new",
        {
            "csrfmiddlewaretoken": "x" * 64,
            "requester": value,
            "title": "Phoned about the heating",
            "message": "The heating in studio 2 is off again.",
        },
    )
    assert response.status_code == 400
    assert "No user with id or username" in response.content.decode()
    assert not Ticket.objects.exists()


# --- one table of statuses -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (InvalidInput("x"), 400),
        (NotAllowed("x"), 403),
        (NotFound("x"), 404),
        (NotVisible("x"), 404),
        (Conflict("x"), 409),
        (TooLarge("x"), 413),
        (RateLimited("x", retry_after=3), 429),
    ],
)
def test_one_status_per_error(error: Exception, status: int) -> None:
    assert http_status(error) == status  # type: ignore[arg-type]


HUGE = "9" * 30


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", f"/ticket/{HUGE}"),
        ("get", f"/attachments/{HUGE}/plan.txt"),
        ("post", f"/live/presence/{HUGE}"),
        ("post", f"/profile/sessions/{HUGE}/end"),
        ("post", f"/profile/tokens/{HUGE}/revoke"),
        ("get", f"/api/ticketing/tickets/{HUGE}/"),
        ("get", f"/api/ticketing/comments/{HUGE}/"),
    ],
)
def test_an_id_beyond_any_row_in_a_path_is_not_found(agent: User, method: str, path: str) -> None:
    client = Client()
    client.force_login(agent)
    assert getattr(client, method)(path).status_code == 404
