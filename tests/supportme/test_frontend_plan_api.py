"""The seed's 17-step front-end test plan ("FRONT-END TEST PLAN"), replayed at the API level:
the same requests the seed's pages send, in the same order, by a customer and an assistant.
Step 9 runs the real command line, as the seed's server administrator runs
changeAccountType.py."""

from __future__ import annotations

import io
import time

import pytest
from django.core.management import call_command
from django.test import Client

from frontdesk.accounts.models import SYSTEM_USER_ID, Role, User
from tests.supportme.helpers import (
    LOGIN_FAILED,
    NOT_AUTHENTICATED,
    PROFILE_UPDATED,
    TICKET_KEYS,
    decode_token,
    get_json,
    post_json,
)

TITLE = "Heating not working in Studio 1"
DESCRIPTION = "The radiators in Studio 1 have been cold since this morning."


def register(client: Client, username: str, email: str, password: str):
    body = {"username": username, "email": email, "password": password}
    return post_json(client, "/register", body)


def login(client: Client, username: str, password: str):
    return post_json(client, "/login", {"username": username, "password": password})


def home(client: Client, token: str) -> dict[str, list[int]]:
    """What the seed's home page fetches: open, closed and, for assistants, claimable."""
    user_id = decode_token(token)["user_id"]
    lists = {}
    for name, path in [
        ("open", f"/get-open-tickets/{user_id}"),
        ("closed", f"/get-closed-tickets/{user_id}"),
        ("claimable", "/get-unclaimed-tickets"),
    ]:
        status, body = get_json(client, path, token=token)
        if name == "claimable" and decode_token(token)["account_type"] == 1:
            assert (status, body) == (403, {"error": NOT_AUTHENTICATED})
            continue
        assert status == 200, (path, body)
        assert all(set(t) == TICKET_KEYS for t in body["tickets"])
        lists[name] = [t["ticket_id"] for t in body["tickets"]]
    return lists


def ticket_page(client: Client, token: str, ticket_id: int) -> tuple[dict, list[dict]]:
    """What the seed's ticket page fetches: the ticket, then its messages."""
    status, ticket = get_json(client, f"/get-ticket/{ticket_id}", token=token)
    assert status == 200, ticket
    status, messages = get_json(client, f"/get-messages/{ticket_id}", token=token)
    assert status == 200, messages
    assert messages["ticket_id"] == ticket_id
    return ticket["ticket_data"], messages["message_list"]


def send(client: Client, token: str, ticket_id: int, message: str):
    return post_json(client, f"/ticket/{ticket_id}", {"message": message}, token=token)


@pytest.mark.django_db
def test_front_end_test_plan_customer_and_assistant(client: Client) -> None:
    # 1) The customer tries to log in without an account: an error.
    assert login(client, "Emma", "dancingqueen") == (400, {"error": LOGIN_FAILED})

    # 2) Registration with passwords that do not match: the page refuses before any request
    #    (usertools.js: "Passwords do not match."), so no account exists afterwards.
    assert not User.objects.filter(username__iexact="Emma").exists()
    assert login(client, "Emma", "dancingqueen") == (400, {"error": LOGIN_FAILED})

    # 3) Registration with matching passwords logs the customer in; home shows empty lists.
    status, body = register(client, "Emma", "emma@dancestudio.example", "dancingqueen")
    assert status == 200, body
    customer_token = body["access_token"]
    emma = User.objects.get(username="Emma")
    claims = decode_token(customer_token)
    assert (claims["user_id"], claims["account_type"]) == (emma.pk, 1)
    assert abs(claims["exp"] - (time.time() + 86400)) < 10
    status, profile = get_json(client, f"/get-profile/{emma.pk}", token=customer_token)
    assert status == 200
    assert profile["user"]["username"] == "Emma"
    assert home(client, customer_token) == {"open": [], "closed": []}

    # 4) The customer opens a ticket and lands on its page (/ticket/<id>).
    status, opened = post_json(
        client,
        "/ticket/new",
        {"ticket_title": TITLE, "message": DESCRIPTION},
        token=customer_token,
    )
    assert status == 200, opened
    ticket_id = opened["ticket_id"]
    assert client.get(f"/ticket/{ticket_id}").status_code in (200, 302)
    ticket, messages = ticket_page(client, customer_token, ticket_id)
    assert ticket == {
        "ticket_id": ticket_id,
        "customer_id": emma.pk,
        "assistant_id": -1,
        "opened_at": ticket["opened_at"],
        "closed_at": -1,
        "title": TITLE,
    }
    assert [(m["author_id"], m["body"]) for m in messages] == [(emma.pk, DESCRIPTION)]

    # 5) The customer sends a message, then goes back home: the ticket is open.
    status, sent = send(client, customer_token, ticket_id, "It is also very draughty in there.")
    assert status == 200, sent
    assert sent["ticket_id"] == ticket_id
    _, messages = ticket_page(client, customer_token, ticket_id)
    assert [m["message_id"] for m in messages] == [sent["message_id"], opened["message_id"]]
    assert home(client, customer_token) == {"open": [ticket_id], "closed": []}

    # 6) The customer edits their profile: new password and picture.
    status, updated = post_json(
        client,
        "/profile",
        {
            "new_password": "dancingking",
            "old_password": "dancingqueen",
            "profile_icon": "/profile-icons/purple.png",
        },
        token=customer_token,
    )
    assert (status, updated) == (200, {"msg": PROFILE_UPDATED})
    _, profile = get_json(client, f"/get-profile/{emma.pk}", token=customer_token)
    assert profile["user"]["profile_icon"] == "/profile-icons/purple.png"
    assert login(client, "Emma", "dancingqueen") == (400, {"error": LOGIN_FAILED})
    assert login(client, "Emma", "dancingking")[0] == 200

    # 7) The assistant registers with a too-short password, then with a longer one.
    assert register(client, "Sam", "sam@dancestudio.example", "short") == (
        400,
        {"error": "Password must be at least 8 characters."},
    )
    status, body = register(client, "Sam", "sam@dancestudio.example", "assistantpass")
    assert status == 200, body
    sam_first_token = body["access_token"]
    sam = User.objects.get(username="Sam")

    # 8) ... and is sent home, still a customer account: no claimable tickets.
    assert decode_token(sam_first_token)["account_type"] == 1
    assert home(client, sam_first_token) == {"open": [], "closed": []}

    # 9) The server administrator promotes the account from the command line.
    output = io.StringIO()
    call_command("setrole", str(sam.pk), "agent", stdout=output)
    assert "Sam" in output.getvalue()
    sam.refresh_from_db()
    assert sam.role == Role.AGENT

    # 10) The assistant logs out and tries an incorrect password.
    assert login(client, "Sam", "wrongpassword") == (400, {"error": LOGIN_FAILED})

    # 11) The correct password: an assistant token; home shows the claimable ticket.
    status, body = login(client, "Sam", "assistantpass")
    assert status == 200, body
    assistant_token = body["access_token"]
    claims = decode_token(assistant_token)
    assert (claims["user_id"], claims["account_type"]) == (sam.pk, 2)
    assert home(client, assistant_token) == {"open": [], "closed": [], "claimable": [ticket_id]}

    # 12) The assistant opens the unclaimed ticket and claims it.
    ticket, messages = ticket_page(client, assistant_token, ticket_id)
    assert ticket["assistant_id"] == -1
    assert len(messages) == 2
    status, claimed = send(client, assistant_token, ticket_id, "!claim")
    assert status == 200, claimed
    ticket, messages = ticket_page(client, assistant_token, ticket_id)
    assert ticket["assistant_id"] == sam.pk
    assert (messages[0]["author_id"], messages[0]["body"]) == (
        SYSTEM_USER_ID,
        f"This ticket has been claimed by Sam (ID: {sam.pk}).",
    )
    assert home(client, assistant_token) == {
        "open": [ticket_id],
        "closed": [],
        "claimable": [],
    }

    # 13) The assistant sends a message, then closes the ticket.
    reply = "An engineer is coming at 2pm to fix the boiler."
    status, answered = send(client, assistant_token, ticket_id, reply)
    assert status == 200, answered
    status, closed = send(client, assistant_token, ticket_id, "!close")
    assert status == 200, closed
    ticket, _ = ticket_page(client, assistant_token, ticket_id)
    assert ticket["closed_at"] != -1
    assert home(client, assistant_token) == {
        "open": [],
        "closed": [ticket_id],
        "claimable": [],
    }

    # 14) The assistant logs out: the token is dropped on the client; nothing server-side.

    # 15) The customer goes home and finds the ticket under "closed tickets".
    status, body = login(client, "Emma", "dancingking")
    assert status == 200
    customer_token = body["access_token"]
    assert home(client, customer_token) == {"open": [], "closed": [ticket_id]}

    # 16) The customer sees the assistant's messages and when the ticket was closed.
    ticket, messages = ticket_page(client, customer_token, ticket_id)
    assert ticket["assistant_id"] == sam.pk
    assert abs(ticket["closed_at"] - time.time()) < 60
    assert ticket["closed_at"] >= ticket["opened_at"]
    assert [(m["author_id"], m["body"]) for m in messages] == [
        (SYSTEM_USER_ID, f"This ticket has been closed by Sam (ID: {sam.pk})."),
        (sam.pk, reply),
        (SYSTEM_USER_ID, f"This ticket has been claimed by Sam (ID: {sam.pk})."),
        (emma.pk, "It is also very draughty in there."),
        (emma.pk, DESCRIPTION),
    ]
    assert messages[0]["message_id"] == closed["message_id"]
    assert messages[1]["message_id"] == answered["message_id"]
    _, sam_profile = get_json(client, f"/get-profile/{sam.pk}", token=customer_token)
    assert sam_profile["user"]["account_type"] == 2
    _, system_profile = get_json(client, f"/get-profile/{SYSTEM_USER_ID}", token=customer_token)
    assert system_profile["user"]["username"] == "System"

    # 17) The customer logs out: again only the client forgets the token; the login page is
    #     there to come back to.
    assert client.get("/login").status_code == 200
