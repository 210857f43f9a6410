"""Small helpers shared by the SupportMe contract tests: talk to the API as a SupportMe client
does (JSON bodies, ``Authorization: Bearer <jwt>``) and read the JSON answers."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
from django.conf import settings
from django.http import HttpResponse
from django.test import Client

from frontdesk.accounts.models import User

# The seed's texts, word for word.
NOT_AUTHENTICATED = "User is not authenticated to make this request."
PARSE_FAILED = "Server failed to parse the request."
REQUEST_FAILED = "The request failed."
BLANK_FIELDS = "Please don't leave any blank fields."
LOGIN_FAILED = "A user with the supplied username and password was not found."
TICKET_NOT_FOUND = "Ticket with given ID was not found in the database."
USER_NOT_FOUND = "User not found."
PROFILE_UPDATED = "Profile has been updated."

# SupportMe's account types, plus Frontdesk's admin (3).
ACCOUNT_TYPES = {"customer": 1, "agent": 2, "admin": 3}
TOKEN_LIFETIME = 86400

TICKET_KEYS = {"ticket_id", "customer_id", "assistant_id", "opened_at", "closed_at", "title"}
MESSAGE_KEYS = {"message_id", "author_id", "body", "sent_at"}

OTHER_KEY = "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"

Reply = tuple[int, Any]


def token_for(
    user: User, *, lifetime: int = TOKEN_LIFETIME, key: str | None = None, **claims: Any
) -> str:
    """A token exactly as the seed's ``generate_access_token`` makes it."""
    payload = {
        "user_id": user.pk,
        "account_type": ACCOUNT_TYPES.get(user.role, 2),
        "exp": int(time.time()) + lifetime,
        **claims,
    }
    return jwt.encode(payload, key or settings.JWT_SECRET_KEY, algorithm="HS256")


def bearer(token: str) -> str:
    return f"Bearer {token}"


def decode_token(token: str) -> dict[str, Any]:
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    return jwt.decode(token, settings.JWT_SECRET_KEY, algorithms=["HS256"])


def _headers(token: str | None, authorization: str | None) -> dict[str, str]:
    if authorization is not None:
        return {"HTTP_AUTHORIZATION": authorization}
    if token is not None:
        return {"HTTP_AUTHORIZATION": bearer(token)}
    return {}


def json_of(response: HttpResponse) -> Reply:
    """Status and JSON body; every SupportMe answer is JSON."""
    assert response["Content-Type"].startswith("application/json"), (
        response.status_code,
        response["Content-Type"],
        response.content[:300],
    )
    return response.status_code, json.loads(response.content)


def post_raw(
    client: Client,
    path: str,
    raw: str | bytes,
    *,
    token: str | None = None,
    authorization: str | None = None,
    content_type: str = "application/json",
) -> HttpResponse:
    return client.generic(
        "POST", path, raw, content_type=content_type, **_headers(token, authorization)
    )


def post_json(
    client: Client,
    path: str,
    body: Any,
    *,
    token: str | None = None,
    authorization: str | None = None,
    content_type: str = "application/json",
) -> Reply:
    raw = json.dumps(body)
    return json_of(
        post_raw(
            client,
            path,
            raw,
            token=token,
            authorization=authorization,
            content_type=content_type,
        )
    )


def get_json(
    client: Client, path: str, *, token: str | None = None, authorization: str | None = None
) -> Reply:
    response = client.get(path, content_type="application/json", **_headers(token, authorization))
    return json_of(response)


def open_ticket(
    client: Client,
    customer: User,
    title: str = "The toilet roll is finished",
    message: str = "The toilet roll in studio one has run out, could you get it refilled?",
) -> dict[str, int]:
    status, body = post_json(
        client,
        "/ticket/new",
        {"ticket_title": title, "message": message},
        token=token_for(customer),
    )
    assert status == 200, body
    return body


def send(client: Client, user: User, ticket_id: int, message: str) -> Reply:
    return post_json(client, f"/ticket/{ticket_id}", {"message": message}, token=token_for(user))


def messages_of(client: Client, user: User, ticket_id: int) -> list[dict[str, Any]]:
    status, body = get_json(client, f"/get-messages/{ticket_id}", token=token_for(user))
    assert status == 200, body
    return body["message_list"]


def ticket_data(client: Client, user: User, ticket_id: int) -> dict[str, Any]:
    status, body = get_json(client, f"/get-ticket/{ticket_id}", token=token_for(user))
    assert status == 200, body
    return body["ticket_data"]


def by(user: User) -> str:
    return f"{user.username} (ID: {user.pk})"
