"""The seed's back-end test tables ("TESTING SERVER-SIDE ENDPOINTS"), row by row, and the rest
of the SupportMe contract around them: authentication, key and blank checks, every validation
text, the shapes and orderings of the answers, the system messages, and Frontdesk's deliberate
deviations from the seed (hashed passwords, case-insensitive usernames, 409 on claim conflicts,
roles read from the database, ...).
"""

from __future__ import annotations

import io
import json
import time
from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from django.test import Client
from PIL import Image

from frontdesk.accounts.models import SYSTEM_USER_ID, Role, User
from frontdesk.core.clock import now
from frontdesk.tickets import services
from frontdesk.tickets.models import Message, Ticket
from tests.conftest import PASSWORD
from tests.supportme.helpers import (
    BLANK_FIELDS,
    LOGIN_FAILED,
    MESSAGE_KEYS,
    NOT_AUTHENTICATED,
    OTHER_KEY,
    PARSE_FAILED,
    PROFILE_UPDATED,
    REQUEST_FAILED,
    TICKET_KEYS,
    TICKET_NOT_FOUND,
    TOKEN_LIFETIME,
    USER_NOT_FOUND,
    bearer,
    by,
    decode_token,
    get_json,
    json_of,
    messages_of,
    open_ticket,
    post_json,
    post_raw,
    send,
    ticket_data,
    token_for,
)

pytestmark = pytest.mark.django_db

TITLE = "The toilet roll is finished"
FIRST_MESSAGE = "The toilet roll in studio one has run out, could you get it refilled?"
HUGE_ID = "99999999999999999999999"


def assert_fresh_token(token: str, user: User, account_type: int) -> None:
    claims = decode_token(token)
    assert claims["user_id"] == user.pk
    assert claims["account_type"] == account_type
    assert abs(claims["exp"] - (time.time() + TOKEN_LIFETIME)) < 10


def error(text: str) -> dict[str, str]:
    return {"error": text}


@pytest.fixture
def ticket(client: Client, customer: User) -> dict[str, int]:
    """Ticket 9 of the seed's tables: opened by the customer, unclaimed, open."""
    return open_ticket(client, customer, TITLE, FIRST_MESSAGE)


# === The seed's tables, row by row ========================================================


class TestSeedTableRegister:
    def test_valid_details_return_an_access_token(self, client: Client) -> None:
        status, body = post_json(
            client,
            "/register",
            {"username": "John", "email": "johndoe@website.net", "password": "securepassword"},
        )
        assert status == 200
        assert set(body) == {"access_token"}
        user = User.objects.get(username="John")
        assert_fresh_token(body["access_token"], user, 1)
        assert user.email == "johndoe@website.net"
        assert user.role == Role.CUSTOMER

    def test_short_password_is_refused(self, client: Client) -> None:
        reply = post_json(
            client,
            "/register",
            {"username": "Jane", "email": "janedoe@website.net", "password": "2short"},
        )
        assert reply == (400, error("Password must be at least 8 characters."))
        assert not User.objects.filter(username="Jane").exists()

    def test_malformed_body_empty_list(self, client: Client) -> None:
        assert json_of(post_raw(client, "/register", "[]")) == (400, error(PARSE_FAILED))


class TestSeedTableLogin:
    def test_valid_credentials_return_an_access_token(self, client: Client, customer: User) -> None:
        status, body = post_json(
            client, "/login", {"username": "John", "password": "securepassword"}
        )
        assert status == 200
        assert set(body) == {"access_token"}
        assert_fresh_token(body["access_token"], customer, 1)

    def test_unknown_user_is_refused(self, client: Client) -> None:
        reply = post_json(client, "/login", {"username": "Tommy", "password": "tommyspassword1234"})
        assert reply == (400, error(LOGIN_FAILED))

    def test_malformed_body_json_string(self, client: Client) -> None:
        assert json_of(post_raw(client, "/login", '"Hello world!"')) == (400, error(PARSE_FAILED))


class TestSeedTableGetProfile:
    def test_own_profile_is_returned(self, client: Client, customer: User) -> None:
        reply = get_json(client, f"/get-profile/{customer.pk}", token=token_for(customer))
        assert reply == (
            200,
            {
                "user": {
                    "account_type": 1,
                    "created_at": int(customer.created_at.timestamp()),
                    "profile_icon": "/profile-icons/red.png",
                    "user_id": customer.pk,
                    "username": "John",
                }
            },
        )

    def test_without_token_is_refused(self, client: Client, customer: User) -> None:
        reply = get_json(client, f"/get-profile/{customer.pk}")
        assert reply == (403, error(NOT_AUTHENTICATED))


class TestSeedTableTicketNew:
    def test_valid_ticket_is_created(self, client: Client, customer: User) -> None:
        status, body = post_json(
            client,
            "/ticket/new",
            {"ticket_title": TITLE, "message": FIRST_MESSAGE},
            token=token_for(customer),
        )
        assert status == 200
        assert set(body) == {"message_id", "ticket_id"}
        ticket = Ticket.objects.get(pk=body["ticket_id"])
        assert ticket.requester == customer
        assert ticket.title == TITLE
        message = Message.objects.get(pk=body["message_id"])
        assert (message.ticket_id, message.author_id, message.body) == (
            ticket.pk,
            customer.pk,
            FIRST_MESSAGE,
        )

    def test_missing_title_fails(self, client: Client, customer: User) -> None:
        reply = post_json(
            client, "/ticket/new", {"message": FIRST_MESSAGE}, token=token_for(customer)
        )
        assert reply == (400, error(REQUEST_FAILED))
        assert not Ticket.objects.exists()


class TestSeedTableGetTicket:
    def test_ticket_data_is_returned(self, client: Client, customer: User, ticket: dict) -> None:
        status, body = get_json(
            client, f"/get-ticket/{ticket['ticket_id']}", token=token_for(customer)
        )
        assert status == 200
        opened_at = body["ticket_data"]["opened_at"]
        assert abs(opened_at - time.time()) < 10
        assert body == {
            "ticket_data": {
                "assistant_id": -1,
                "closed_at": -1,
                "customer_id": customer.pk,
                "opened_at": opened_at,
                "ticket_id": ticket["ticket_id"],
                "title": TITLE,
            }
        }

    def test_uninvolved_customer_is_refused(
        self, client: Client, other_customer: User, ticket: dict
    ) -> None:
        reply = get_json(
            client, f"/get-ticket/{ticket['ticket_id']}", token=token_for(other_customer)
        )
        assert reply == (403, error(NOT_AUTHENTICATED))


class TestSeedTablePostTicket:
    def test_customer_message_is_added(self, client: Client, customer: User, ticket: dict) -> None:
        status, body = send(
            client, customer, ticket["ticket_id"], "I believe it ran out last night."
        )
        assert status == 200
        assert set(body) == {"message_id", "ticket_id"}
        assert body["ticket_id"] == ticket["ticket_id"]
        assert body["message_id"] > ticket["message_id"]
        assert Message.objects.get(pk=body["message_id"]).body == "I believe it ran out last night."

    def test_short_message_is_refused(self, client: Client, customer: User, ticket: dict) -> None:
        reply = send(client, customer, ticket["ticket_id"], "help")
        assert reply == (
            400,
            error("Message length must be at least 8 characters - be descriptive."),
        )


class TestSeedTableOpenTickets:
    def test_own_open_tickets_are_listed(
        self, client: Client, customer: User, ticket: dict
    ) -> None:
        status, body = get_json(
            client, f"/get-open-tickets/{customer.pk}", token=token_for(customer)
        )
        assert status == 200
        expected = ticket_data(client, customer, ticket["ticket_id"])
        assert body == {"tickets": [expected]}
        assert expected["assistant_id"] == -1
        assert expected["closed_at"] == -1

    def test_another_users_token_is_refused(
        self, client: Client, customer: User, other_customer: User, ticket: dict
    ) -> None:
        reply = get_json(
            client, f"/get-open-tickets/{customer.pk}", token=token_for(other_customer)
        )
        assert reply == (403, error(NOT_AUTHENTICATED))


class TestSeedTableClosedTickets:
    def test_no_closed_tickets_give_an_empty_list(
        self, client: Client, customer: User, ticket: dict
    ) -> None:
        reply = get_json(client, f"/get-closed-tickets/{customer.pk}", token=token_for(customer))
        assert reply == (200, {"tickets": []})

    def test_another_users_token_is_refused(
        self, client: Client, customer: User, other_customer: User, ticket: dict
    ) -> None:
        reply = get_json(
            client, f"/get-closed-tickets/{customer.pk}", token=token_for(other_customer)
        )
        assert reply == (403, error(NOT_AUTHENTICATED))


class TestSeedTableUnclaimedTickets:
    @pytest.mark.parametrize("with_user_id", [True, False], ids=["with-user-id", "bare"])
    def test_assistant_sees_unclaimed_tickets(
        self, client: Client, customer: User, agent: User, ticket: dict, with_user_id: bool
    ) -> None:
        path = f"/get-unclaimed-tickets/{customer.pk}" if with_user_id else "/get-unclaimed-tickets"
        reply = get_json(client, path, token=token_for(agent))
        expected = ticket_data(client, customer, ticket["ticket_id"])
        assert reply == (200, {"tickets": [expected]})

    @pytest.mark.parametrize("with_user_id", [True, False], ids=["with-user-id", "bare"])
    def test_customer_is_refused(
        self, client: Client, customer: User, ticket: dict, with_user_id: bool
    ) -> None:
        path = f"/get-unclaimed-tickets/{customer.pk}" if with_user_id else "/get-unclaimed-tickets"
        reply = get_json(client, path, token=token_for(customer))
        assert reply == (403, error(NOT_AUTHENTICATED))


class TestSeedTableGetMessages:
    def test_messages_are_listed_newest_first(
        self, client: Client, customer: User, ticket: dict
    ) -> None:
        _, sent = send(client, customer, ticket["ticket_id"], "I believe it ran out last night.")
        status, body = get_json(
            client, f"/get-messages/{ticket['ticket_id']}", token=token_for(customer)
        )
        assert status == 200
        newest, first = body["message_list"]
        assert body == {
            "ticket_id": ticket["ticket_id"],
            "message_list": [
                {
                    "author_id": customer.pk,
                    "body": "I believe it ran out last night.",
                    "message_id": sent["message_id"],
                    "sent_at": newest["sent_at"],
                },
                {
                    "author_id": customer.pk,
                    "body": FIRST_MESSAGE,
                    "message_id": ticket["message_id"],
                    "sent_at": first["sent_at"],
                },
            ],
        }
        assert newest["sent_at"] >= first["sent_at"]
        assert abs(first["sent_at"] - time.time()) < 10

    def test_without_token_is_refused(self, client: Client, ticket: dict) -> None:
        reply = get_json(client, f"/get-messages/{ticket['ticket_id']}")
        assert reply == (403, error(NOT_AUTHENTICATED))


class TestSeedTableProfile:
    def test_profile_is_updated(self, client: Client, customer: User) -> None:
        reply = post_json(
            client,
            "/profile",
            {
                "new_password": "securepassword2",
                "old_password": "securepassword",
                "profile_icon": "/profile-icons/purple.png",
            },
            token=token_for(customer),
        )
        assert reply == (200, {"msg": PROFILE_UPDATED})
        customer.refresh_from_db()
        assert customer.check_password("securepassword2")
        assert customer.profile_icon_url == "/profile-icons/purple.png"

    def test_wrong_old_password_is_refused_and_nothing_changes(
        self, client: Client, customer: User
    ) -> None:
        reply = post_json(
            client,
            "/profile",
            {
                "new_password": "randompassword",
                "old_password": "nottoosure",
                "profile_icon": "/profile-icons/purple.png",
            },
            token=token_for(customer),
        )
        assert reply == (403, error("Incorrect password was provided."))
        customer.refresh_from_db()
        assert customer.check_password(PASSWORD)
        assert customer.profile_icon == "red"


# === Authentication, for every authenticated endpoint ======================================

ENDPOINTS_WITH_TOKEN = [
    ("GET", "/get-profile/{customer}", None),
    ("POST", "/ticket/new", {"ticket_title": "Another valid title", "message": FIRST_MESSAGE}),
    ("GET", "/get-ticket/{ticket}", None),
    ("POST", "/ticket/{ticket}", {"message": "I believe it ran out last night."}),
    ("GET", "/get-open-tickets/{customer}", None),
    ("GET", "/get-closed-tickets/{customer}", None),
    ("GET", "/get-unclaimed-tickets", None),
    ("GET", "/get-messages/{ticket}", None),
    (
        "POST",
        "/profile",
        {"new_password": "", "old_password": PASSWORD, "profile_icon": "/profile-icons/blue.png"},
    ),
]


def call(client: Client, method: str, path: str, body: object, **auth: str | None):
    if method == "GET":
        return get_json(client, path, **auth)
    return post_json(client, path, body, **auth)


BAD_AUTHORIZATIONS = {
    "missing": lambda user: None,
    "bearer-garbage": lambda user: "Bearer x",
    "bearer-only": lambda user: "Bearer",
    "bearer-empty": lambda user: "Bearer ",
    "basic-credentials": lambda user: "Basic dXNlcjpzZWN1cmVwYXNzd29yZA==",
    "basic-with-valid-jwt": lambda user: "Basic " + token_for(user),
    "token-without-bearer-word": lambda user: token_for(user),
    "expired": lambda user: bearer(token_for(user, lifetime=-60)),
    "other-key": lambda user: bearer(token_for(user, key=OTHER_KEY)),
    "alg-none": lambda user: bearer(
        jwt.encode(
            {"user_id": user.pk, "account_type": 1, "exp": int(time.time()) + 60},
            None,
            algorithm="none",
        )
    ),
    "no-exp": lambda user: bearer(
        jwt.encode(
            {"user_id": user.pk, "account_type": 1}, settings.JWT_SECRET_KEY, algorithm="HS256"
        )
    ),
    "unknown-user": lambda user: bearer(
        jwt.encode(
            {"user_id": 987654, "account_type": 1, "exp": int(time.time()) + 60},
            settings.JWT_SECRET_KEY,
            algorithm="HS256",
        )
    ),
    "system-user": lambda user: bearer(
        jwt.encode(
            {"user_id": SYSTEM_USER_ID, "account_type": 2, "exp": int(time.time()) + 60},
            settings.JWT_SECRET_KEY,
            algorithm="HS256",
        )
    ),
    "string-user-id": lambda user: bearer(token_for(user, user_id=str(user.pk))),
}


@pytest.mark.parametrize("authorization", list(BAD_AUTHORIZATIONS), ids=list(BAD_AUTHORIZATIONS))
@pytest.mark.parametrize(
    ("method", "path", "body"), ENDPOINTS_WITH_TOKEN, ids=[e[1] for e in ENDPOINTS_WITH_TOKEN]
)
def test_bad_authorization_is_refused(
    client: Client,
    customer: User,
    ticket: dict,
    method: str,
    path: str,
    body: object,
    authorization: str,
) -> None:
    path = path.format(customer=customer.pk, ticket=ticket["ticket_id"])
    header = BAD_AUTHORIZATIONS[authorization](customer)
    reply = call(client, method, path, body, authorization=header)
    assert reply == (403, error(NOT_AUTHENTICATED))


def test_deactivated_users_token_is_refused(client: Client, customer: User) -> None:
    token = token_for(customer)
    customer.is_active = False
    customer.save()
    reply = get_json(client, f"/get-profile/{customer.pk}", token=token)
    assert reply == (403, error(NOT_AUTHENTICATED))


def test_demoted_agent_loses_the_claimable_queue_at_once(client: Client, agent: User) -> None:
    token = token_for(agent)
    assert get_json(client, "/get-unclaimed-tickets", token=token)[0] == 200
    agent.role = Role.CUSTOMER
    agent.save()
    reply = get_json(client, "/get-unclaimed-tickets", token=token)
    assert reply == (403, error(NOT_AUTHENTICATED))


def test_promoted_customer_gets_the_queue_with_their_old_token(
    client: Client, customer: User
) -> None:
    token = token_for(customer)
    customer.role = Role.AGENT
    customer.save()
    assert get_json(client, "/get-unclaimed-tickets", token=token) == (200, {"tickets": []})


def test_demoted_agent_cannot_read_other_customers_tickets(
    client: Client, agent: User, customer: User, ticket: dict
) -> None:
    token = token_for(agent)
    agent.role = Role.CUSTOMER
    agent.save()
    reply = get_json(client, f"/get-ticket/{ticket['ticket_id']}", token=token)
    assert reply == (403, error(NOT_AUTHENTICATED))


# === Keys, blanks, malformed bodies, for every POST endpoint ===============================

POST_BODIES = {
    "/register": {"username": "Newbie", "email": "newbie@example.com", "password": "longenough"},
    "/login": {"username": "John", "password": PASSWORD},
    "/ticket/new": {"ticket_title": "Another valid title", "message": FIRST_MESSAGE},
    "/ticket/{ticket}": {"message": "I believe it ran out last night."},
    "/profile": {
        "new_password": "anotherpassword",
        "old_password": PASSWORD,
        "profile_icon": "/profile-icons/green.png",
    },
}
POST_PATHS = list(POST_BODIES)


def post_as_customer(client: Client, customer: User, ticket: dict, path: str, body: object):
    token = token_for(customer)
    return post_json(client, path.format(ticket=ticket["ticket_id"]), body, token=token)


@pytest.mark.parametrize("path", POST_PATHS)
def test_valid_body_succeeds(client: Client, customer: User, ticket: dict, path: str) -> None:
    status, body = post_as_customer(client, customer, ticket, path, POST_BODIES[path])
    assert status == 200, body


@pytest.mark.parametrize("path", POST_PATHS)
def test_keys_in_another_order_are_accepted(
    client: Client, customer: User, ticket: dict, path: str
) -> None:
    reordered = dict(reversed(list(POST_BODIES[path].items())))
    status, body = post_as_customer(client, customer, ticket, path, reordered)
    assert status == 200, body


def _wrong_key_bodies() -> list[tuple[str, str, dict]]:
    cases = []
    for path, body in POST_BODIES.items():
        first = next(iter(body))
        cases.append((path, "empty-object", {}))
        cases.append((path, "missing-" + first, {k: v for k, v in body.items() if k != first}))
        cases.append((path, "extra-key", {**body, "extra": "value of extra"}))
        cases.append(
            (
                path,
                "renamed-" + first,
                {**{k: v for k, v in body.items() if k != first}, first.upper(): body[first]},
            )
        )
    return cases


@pytest.mark.parametrize(
    ("path", "case", "body"),
    _wrong_key_bodies(),
    ids=[f"{p}:{c}" for p, c, _ in _wrong_key_bodies()],
)
def test_wrong_keys_fail(
    client: Client, customer: User, ticket: dict, path: str, case: str, body: dict
) -> None:
    assert post_as_customer(client, customer, ticket, path, body) == (400, error(REQUEST_FAILED))


def _blank_bodies() -> list[tuple[str, str, str]]:
    return [
        (path, key, blank)
        for path, body in POST_BODIES.items()
        for key in body
        if not (path == "/profile" and key == "new_password")
        for blank in ("", "   ", "\t\n")
    ]


@pytest.mark.parametrize(
    ("path", "key", "blank"),
    _blank_bodies(),
    ids=[f"{p}:{k}:{b!r}" for p, k, b in _blank_bodies()],
)
def test_blank_values_are_refused(
    client: Client, customer: User, ticket: dict, path: str, key: str, blank: str
) -> None:
    body = {**POST_BODIES[path], key: blank}
    assert post_as_customer(client, customer, ticket, path, body) == (400, error(BLANK_FIELDS))


def test_blank_check_comes_before_validation(client: Client) -> None:
    reply = post_json(
        client, "/register", {"username": "Not valid!", "email": "x@example.com", "password": ""}
    )
    assert reply == (400, error(BLANK_FIELDS))


MALFORMED_BODIES = {
    "empty-list": "[]",
    "json-string": '"Hello world!"',
    "not-json": "Hello world!",
    "empty-body": "",
    "null": "null",
    "number": "42",
    "truncated-object": '{"username": "John"',
    "invalid-utf8": b'{"username": "\xff\xfe"}',
    "deep-nesting": "[" * 100_000 + "]" * 100_000,
    "too-many-digits": '{"message": ' + "1" * 5000 + "}",
}


@pytest.mark.parametrize("case", list(MALFORMED_BODIES))
@pytest.mark.parametrize("path", POST_PATHS)
def test_malformed_body_fails_to_parse(
    client: Client, customer: User, ticket: dict, path: str, case: str
) -> None:
    response = post_raw(
        client,
        path.format(ticket=ticket["ticket_id"]),
        MALFORMED_BODIES[case],
        token=token_for(customer),
    )
    assert json_of(response) == (400, error(PARSE_FAILED))


NON_STRING_VALUES = {
    "number": 5,
    "null": None,
    "true": True,
    "list": ["a list of text"],
    "object": {"nested": "object value"},
    "nul": "text with a NUL \x00 inside",
    "control": "bell \x07 character",
    "escape": "escape \x1b[31m red",
}


@pytest.mark.parametrize("case", list(NON_STRING_VALUES))
@pytest.mark.parametrize("path", POST_PATHS)
def test_non_string_or_unstorable_values_fail_to_parse(
    client: Client, customer: User, ticket: dict, path: str, case: str
) -> None:
    body = dict(POST_BODIES[path])
    body[next(iter(body))] = NON_STRING_VALUES[case]
    assert post_as_customer(client, customer, ticket, path, body) == (400, error(PARSE_FAILED))


@pytest.mark.parametrize("path", POST_PATHS)
def test_lone_surrogate_in_raw_json_fails_to_parse(
    client: Client, customer: User, ticket: dict, path: str
) -> None:
    body = dict(POST_BODIES[path])
    first = next(iter(body))
    raw = json.dumps(body).replace(json.dumps(body[first]), '"abc\\ud800defgh"', 1)
    response = post_raw(
        client, path.format(ticket=ticket["ticket_id"]), raw, token=token_for(customer)
    )
    assert json_of(response) == (400, error(PARSE_FAILED))


def test_message_with_newlines_and_tabs_is_stored(
    client: Client, customer: User, ticket: dict
) -> None:
    text = "Line one\r\nLine two\n\tindented"
    assert send(client, customer, ticket["ticket_id"], text)[0] == 200
    assert messages_of(client, customer, ticket["ticket_id"])[0]["body"] == text


# === Validation texts =======================================================================


def register(client: Client, username: str, email: str, password: str):
    return post_json(
        client, "/register", {"username": username, "email": email, "password": password}
    )


@pytest.mark.parametrize(
    ("username", "email", "password", "text"),
    [
        (
            "John!",
            "j1@example.com",
            "securepassword",
            "Username can only contain alphanumeric characters.",
        ),
        (
            "John Smith",
            "j2@example.com",
            "securepassword",
            "Username can only contain alphanumeric characters.",
        ),
        (
            "Jöhn",
            "j3@example.com",
            "securepassword",
            "Username can only contain alphanumeric characters.",
        ),
        (
            "A" * 17,
            "j4@example.com",
            "securepassword",
            "Username cannot be more than 16 characters.",
        ),
        ("Jane", "j5@example.com", "2short", "Password must be at least 8 characters."),
        ("Jane", "j6@example.com", "x" * 33, "Password cannot be more than 32 characters."),
        ("Jane", "not-an-email", "securepassword", "The provided email was invalid."),
        ("Jane", "jane@", "securepassword", "The provided email was invalid."),
        ("Jane", "jane@@example.com", "securepassword", "The provided email was invalid."),
        # The seed's order of checks: username, then password, then email.
        ("John!", "not-an-email", "2short", "Username can only contain alphanumeric characters."),
        ("Jane", "not-an-email", "2short", "Password must be at least 8 characters."),
    ],
)
def test_register_validation_texts(
    client: Client, username: str, email: str, password: str, text: str
) -> None:
    assert register(client, username, email, password) == (400, error(text))
    assert User.objects.count() == 1  # only System


@pytest.mark.parametrize(
    ("username", "password"),
    [("A" * 16, "securepassword"), ("Jane", "x" * 8), ("Jane", "x" * 32), ("7", "12345678")],
)
def test_register_boundaries_are_accepted(client: Client, username: str, password: str) -> None:
    status, body = register(client, username, f"{username.lower()}@example.com", password)
    assert status == 200, body


@pytest.mark.parametrize("username", ["John", "JOHN", "john"])
def test_taken_username_is_refused_case_insensitively(
    client: Client, customer: User, username: str
) -> None:
    reply = register(client, username, "fresh@example.com", "securepassword")
    assert reply == (400, error("That username is already taken."))


@pytest.mark.parametrize("email", ["john@example.com", "JOHN@Example.COM"])
def test_taken_email_is_refused_case_insensitively(
    client: Client, customer: User, email: str
) -> None:
    reply = register(client, "Johnny", email, "securepassword")
    assert reply == (400, error("A user is already registered with that email address."))


def test_system_username_is_taken(client: Client) -> None:
    reply = register(client, "system", "notsystem@example.com", "securepassword")
    assert reply == (400, error("That username is already taken."))


def test_taken_username_is_reported_before_taken_email(client: Client, customer: User) -> None:
    reply = register(client, "John", "john@example.com", "securepassword")
    assert reply == (400, error("That username is already taken."))


def test_registered_email_is_lowercased(client: Client) -> None:
    status, _ = register(client, "Mixed", "Mixed.Case@Example.COM", "securepassword")
    assert status == 200
    assert User.objects.get(username="Mixed").email == "mixed.case@example.com"


def test_email_outside_the_seeds_regex_is_accepted(client: Client) -> None:
    status, body = register(client, "Plus", "first.last+tag@sub.example.co.uk", "securepassword")
    assert status == 200, body


def test_email_longer_than_254_characters_is_refused(client: Client) -> None:
    """EmailValidator allows up to 320 characters but the column (and RFC 5321) holds 254: a
    longer address is refused instead of overflowing the column (once a 500 on PostgreSQL)."""
    email = "a" * 64 + "@" + ".".join(["b" * 63] * 3) + ".com"  # 260 characters, valid
    status, _ = register(client, "Longmail", email, "securepassword")
    max_length = User._meta.get_field("email").max_length
    assert status == 400 or len(User.objects.get(username="Longmail").email) <= max_length, (
        f"a {len(email)}-character email was stored in a {max_length}-character column"
    )


def new_ticket(client: Client, user: User, title: str, message: str = FIRST_MESSAGE):
    return post_json(
        client, "/ticket/new", {"ticket_title": title, "message": message}, token=token_for(user)
    )


@pytest.mark.parametrize(
    ("title", "message", "text"),
    [
        (
            "Help me please!",
            FIRST_MESSAGE,
            "Ticket title can only contain spaces and alphanumeric characters.",
        ),
        (
            "Heating: broken",
            FIRST_MESSAGE,
            "Ticket title can only contain spaces and alphanumeric characters.",
        ),
        ("Short", FIRST_MESSAGE, "Ticket title must be at least 8 characters - be descriptive."),
        (
            "A" * 65,
            FIRST_MESSAGE,
            "Ticket title cannot be more than 64 characters - keep it concise.",
        ),
        (TITLE, "help", "Message length must be at least 8 characters - be descriptive."),
        (TITLE, "x" * 513, "Message length cannot be more than 512 characters."),
        # Title is checked before message.
        ("Short", "help", "Ticket title must be at least 8 characters - be descriptive."),
    ],
)
def test_ticket_new_validation_texts(
    client: Client, customer: User, title: str, message: str, text: str
) -> None:
    assert new_ticket(client, customer, title, message) == (400, error(text))
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("title", "message"),
    [("A" * 8, "x" * 8), ("A" * 64, "x" * 512), ("Drucker kaputt Büro 3", FIRST_MESSAGE)],
)
def test_ticket_new_boundaries_are_accepted(
    client: Client, customer: User, title: str, message: str
) -> None:
    status, body = new_ticket(client, customer, title, message)
    assert status == 200, body


@pytest.mark.parametrize("title", ["Heating\tis broken", "Heating\u00a0is broken"])
def test_title_with_other_whitespace_than_space_is_refused(
    client: Client, customer: User, title: str
) -> None:
    """Deliberate deviation (docs/supportme-compat.md): the seed accepts any character for
    which ``isspace()`` is true in a title; Frontdesk accepts only the plain space."""
    status, body = new_ticket(client, customer, title)
    assert (status, body) == (
        400,
        {"error": "Ticket title can only contain spaces and alphanumeric characters."},
    )


@pytest.mark.parametrize(
    ("message", "text"),
    [
        ("help", "Message length must be at least 8 characters - be descriptive."),
        ("x" * 7, "Message length must be at least 8 characters - be descriptive."),
        ("x" * 513, "Message length cannot be more than 512 characters."),
        ("!foo", "Message length must be at least 8 characters - be descriptive."),
        ("!", "Message length must be at least 8 characters - be descriptive."),
    ],
)
def test_ticket_message_validation_texts(
    client: Client, customer: User, ticket: dict, message: str, text: str
) -> None:
    assert send(client, customer, ticket["ticket_id"], message) == (400, error(text))


@pytest.mark.parametrize("message", ["x" * 8, "x" * 512, "!foobarbaz is not a command"])
def test_ticket_message_boundaries_are_accepted(
    client: Client, customer: User, ticket: dict, message: str
) -> None:
    status, body = send(client, customer, ticket["ticket_id"], message)
    assert status == 200, body
    assert messages_of(client, customer, ticket["ticket_id"])[0]["body"] == message


def test_message_is_validated_before_the_ticket_is_looked_up(
    client: Client, customer: User
) -> None:
    reply = send(client, customer, 424242, "help")
    assert reply == (400, error("Message length must be at least 8 characters - be descriptive."))


def update_profile(client: Client, user: User, new: str, old: str, icon: str):
    body = {"new_password": new, "old_password": old, "profile_icon": icon}
    return post_json(client, "/profile", body, token=token_for(user))


@pytest.mark.parametrize(
    ("new", "old", "icon", "status", "text"),
    [
        ("", PASSWORD, "/profile-icons/orange.png", 400, "Profile icon is invalid."),
        ("", PASSWORD, "/profile-icons/admin.png", 400, "Profile icon is invalid."),
        ("", PASSWORD, "blue", 400, "Profile icon is invalid."),
        ("", PASSWORD, "/profile-icons/blue.jpg", 400, "Profile icon is invalid."),
        ("", PASSWORD, "/profile-icons/../blue.png", 400, "Profile icon is invalid."),
        (
            "short",
            PASSWORD,
            "/profile-icons/blue.png",
            400,
            "Password must be at least 8 characters.",
        ),
        (
            "x" * 33,
            PASSWORD,
            "/profile-icons/blue.png",
            400,
            "Password cannot be more than 32 characters.",
        ),
        (
            "newpassword",
            "wrongpassword",
            "/profile-icons/blue.png",
            403,
            "Incorrect password was provided.",
        ),
        # The old password is checked first, as in the seed.
        (
            "short",
            "wrongpassword",
            "/profile-icons/nope.png",
            403,
            "Incorrect password was provided.",
        ),
        (
            "short",
            PASSWORD,
            "/profile-icons/nope.png",
            400,
            "Password must be at least 8 characters.",
        ),
    ],
)
def test_profile_validation_texts(
    client: Client, customer: User, new: str, old: str, icon: str, status: int, text: str
) -> None:
    assert update_profile(client, customer, new, old, icon) == (status, error(text))
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)
    assert customer.profile_icon == "red"


def test_profile_blank_new_password_keeps_the_old_one(client: Client, customer: User) -> None:
    reply = update_profile(client, customer, "", PASSWORD, "/profile-icons/green.png")
    assert reply == (200, {"msg": PROFILE_UPDATED})
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)
    assert customer.profile_icon_url == "/profile-icons/green.png"


def test_profile_change_is_visible_to_login_and_get_profile(client: Client, customer: User) -> None:
    update_profile(client, customer, "brandnewpassword", PASSWORD, "/profile-icons/blue.png")
    assert post_json(client, "/login", {"username": "John", "password": PASSWORD}) == (
        400,
        error(LOGIN_FAILED),
    )
    status, body = post_json(client, "/login", {"username": "John", "password": "brandnewpassword"})
    assert status == 200
    profile = get_json(client, f"/get-profile/{customer.pk}", token=body["access_token"])[1]
    assert profile["user"]["profile_icon"] == "/profile-icons/blue.png"


# === Login ==================================================================================


def login(client: Client, username: str, password: str):
    return post_json(client, "/login", {"username": username, "password": password})


def test_unknown_user_and_wrong_password_answer_alike(client: Client, customer: User) -> None:
    assert login(client, "Nobody", PASSWORD) == (400, error(LOGIN_FAILED))
    assert login(client, "John", "wrongpassword") == (400, error(LOGIN_FAILED))


@pytest.mark.parametrize("username", ["john", "JOHN", "jOhN"])
def test_login_is_case_insensitive(client: Client, customer: User, username: str) -> None:
    status, body = login(client, username, PASSWORD)
    assert status == 200
    assert_fresh_token(body["access_token"], customer, 1)


def test_password_is_case_sensitive(client: Client, customer: User) -> None:
    assert login(client, "John", PASSWORD.upper()) == (400, error(LOGIN_FAILED))


def test_passwords_are_stored_hashed(client: Client) -> None:
    register(client, "Hashme", "hashme@example.com", "securepassword")
    stored = User.objects.get(username="Hashme").password
    assert "securepassword" not in stored


@pytest.mark.parametrize(("fixture", "account_type"), [("customer", 1), ("agent", 2), ("admin", 3)])
def test_login_token_carries_the_account_type(
    client: Client, request: pytest.FixtureRequest, fixture: str, account_type: int
) -> None:
    user = request.getfixturevalue(fixture)
    status, body = login(client, user.username, PASSWORD)
    assert status == 200
    assert_fresh_token(body["access_token"], user, account_type)


@pytest.mark.parametrize("password", ["securepassword", "!", ""])
def test_system_user_can_never_log_in(client: Client, password: str) -> None:
    status, body = login(client, "System", password)
    assert status == 400
    assert body in (error(LOGIN_FAILED), error(BLANK_FIELDS))


def test_inactive_user_cannot_log_in(client: Client, customer: User) -> None:
    customer.is_active = False
    customer.save()
    assert login(client, "John", PASSWORD) == (400, error(LOGIN_FAILED))


def test_registration_logs_the_new_user_in(client: Client) -> None:
    status, body = register(client, "Fresh", "fresh@example.com", "securepassword")
    assert status == 200
    user = User.objects.get(username="Fresh")
    assert_fresh_token(body["access_token"], user, 1)
    reply = get_json(client, f"/get-profile/{user.pk}", token=body["access_token"])
    assert reply[0] == 200
    assert reply[1]["user"]["profile_icon"] in {
        f"/profile-icons/{c}.png" for c in ("blue", "green", "purple", "red")
    }


def test_login_json_sent_as_a_form_still_works_as_the_api(client: Client, customer: User) -> None:
    """``curl -d '{...}'`` labels the JSON body application/x-www-form-urlencoded."""
    response = post_raw(
        client,
        "/login",
        json.dumps({"username": "John", "password": PASSWORD}),
        content_type="application/x-www-form-urlencoded",
    )
    status, body = json_of(response)
    assert status == 200
    assert_fresh_token(body["access_token"], customer, 1)


def test_ticket_new_json_sent_as_a_form_still_works_as_the_api(
    client: Client, customer: User
) -> None:
    response = post_raw(
        client,
        "/ticket/new",
        json.dumps({"ticket_title": TITLE, "message": FIRST_MESSAGE}),
        token=token_for(customer),
        content_type="application/x-www-form-urlencoded",
    )
    status, body = json_of(response)
    assert status == 200, body


FORM_LOOKING_MESSAGES = {
    "over-1000-ampersands": "&" * 1200,
    "csrf-field-name-in-text": "please see &csrfmiddlewaretoken=1 in the log",
}


@pytest.mark.parametrize("case", list(FORM_LOOKING_MESSAGES))
@pytest.mark.parametrize("path", POST_PATHS)
def test_form_labelled_json_that_also_parses_as_a_form_is_answered_by_the_api(
    client: Client, customer: User, ticket: dict, path: str, case: str
) -> None:
    """``curl -d '{...}'`` labels JSON as application/x-www-form-urlencoded. JSON text holding
    more than 1000 '&' (Django's TooManyFieldsSent) or the words "&csrfmiddlewaretoken=" still
    reaches the API and gets a JSON answer."""
    raw = json.dumps({"message": FORM_LOOKING_MESSAGES[case]})
    response = post_raw(
        client,
        path.format(ticket=ticket["ticket_id"]),
        raw,
        token=token_for(customer),
        content_type="application/x-www-form-urlencoded",
    )
    status, body = json_of(response)
    if path == "/ticket/{ticket}" and case == "csrf-field-name-in-text":
        assert status == 200, body  # a valid message in the customer's own ticket
    elif path == "/ticket/{ticket}":
        assert body == {"error": "Message length cannot be more than 512 characters."}
    else:
        assert (status, set(body)) == (400, {"error"})  # wrong keys for that endpoint


# === get-profile ============================================================================


def test_get_profile_of_another_user(client: Client, customer: User, agent: User) -> None:
    reply = get_json(client, f"/get-profile/{agent.pk}", token=token_for(customer))
    assert reply == (
        200,
        {
            "user": {
                "user_id": agent.pk,
                "username": "Alice",
                "created_at": int(agent.created_at.timestamp()),
                "account_type": 2,
                "profile_icon": "/profile-icons/green.png",
            }
        },
    )


def test_get_profile_of_admin_has_account_type_3(
    client: Client, customer: User, admin: User
) -> None:
    _, body = get_json(client, f"/get-profile/{admin.pk}", token=token_for(customer))
    assert body["user"]["account_type"] == 3


def test_get_profile_of_system(client: Client, customer: User) -> None:
    reply = get_json(client, f"/get-profile/{SYSTEM_USER_ID}", token=token_for(customer))
    assert reply == (
        200,
        {
            "user": {
                "user_id": 0,
                "username": "System",
                "created_at": 0,
                "account_type": 2,
                "profile_icon": "/profile-icons/admin.png",
            }
        },
    )


@pytest.mark.parametrize("user_id", ["424242", HUGE_ID, str(2**63 - 1), str(2**63), "9" * 40])
def test_get_profile_of_unknown_user(client: Client, customer: User, user_id: str) -> None:
    reply = get_json(client, f"/get-profile/{user_id}", token=token_for(customer))
    assert reply == (400, error(USER_NOT_FOUND))


# === Unknown and huge ids ===================================================================

UNKNOWN_IDS = [
    "0",
    "424242",
    str(2**63 - 1),
    str(2**63),
    str(2**64),
    HUGE_ID,
    "1" + "0" * 24,
    "9" * 60,
]


@pytest.mark.parametrize("ticket_id", UNKNOWN_IDS)
@pytest.mark.parametrize("path", ["/get-ticket/{}", "/get-messages/{}"])
def test_unknown_ticket_is_not_found(
    client: Client, customer: User, path: str, ticket_id: str
) -> None:
    reply = get_json(client, path.format(ticket_id), token=token_for(customer))
    assert reply == (404, error(TICKET_NOT_FOUND))


@pytest.mark.parametrize("ticket_id", UNKNOWN_IDS)
@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("customer", "A perfectly valid message"),
        ("customer", "!close"),
        ("customer", "!open"),
        ("agent", "!claim"),
        ("agent", "!close"),
        ("agent", "A perfectly valid message"),
    ],
)
def test_posting_to_unknown_ticket_is_not_found(
    client: Client, request: pytest.FixtureRequest, who: str, message: str, ticket_id: str
) -> None:
    user = request.getfixturevalue(who)
    assert send(client, user, ticket_id, message) == (404, error(TICKET_NOT_FOUND))


@pytest.mark.parametrize("user_id", ["424242", HUGE_ID, "9" * 60])
@pytest.mark.parametrize("path", ["/get-open-tickets/{}", "/get-closed-tickets/{}"])
def test_ticket_lists_of_other_ids_are_refused(
    client: Client, customer: User, path: str, user_id: str
) -> None:
    reply = get_json(client, path.format(user_id), token=token_for(customer))
    assert reply == (403, error(NOT_AUTHENTICATED))


# === Who may do what ========================================================================


@pytest.mark.parametrize("fixture", ["agent", "admin"])
def test_staff_cannot_open_tickets(
    client: Client, request: pytest.FixtureRequest, fixture: str
) -> None:
    user = request.getfixturevalue(fixture)
    assert new_ticket(client, user, TITLE) == (403, error(NOT_AUTHENTICATED))
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("case", "raw"),
    [("malformed", "[]"), ("wrong-keys", '{"message": "The toilet roll has run out"}')],
)
def test_agent_opening_a_ticket_is_refused_before_the_body_is_read(
    client: Client, agent: User, case: str, raw: str
) -> None:
    """The seed checks ``account_type != ACCOUNT_TYPE_CUSTOMER`` together with the token,
    before parsing: an agent gets 403 whatever the body."""
    response = post_raw(client, "/ticket/new", raw, token=token_for(agent))
    assert json_of(response) == (403, error(NOT_AUTHENTICATED))


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/get-ticket/{}", None),
        ("GET", "/get-messages/{}", None),
        ("POST", "/ticket/{}", {"message": "Let me in to this ticket"}),
        ("POST", "/ticket/{}", {"message": "!close"}),
        ("POST", "/ticket/{}", {"message": "!open"}),
    ],
)
def test_customer_cannot_touch_another_customers_ticket(
    client: Client,
    other_customer: User,
    ticket: dict,
    method: str,
    path: str,
    body: object,
) -> None:
    reply = call(
        client, method, path.format(ticket["ticket_id"]), body, token=token_for(other_customer)
    )
    assert reply == (403, error(NOT_AUTHENTICATED))
    assert len(Message.objects.filter(ticket_id=ticket["ticket_id"])) == 1


@pytest.mark.parametrize("fixture", ["agent", "other_agent", "admin"])
def test_any_staff_member_can_read_and_answer_any_ticket(
    client: Client, request: pytest.FixtureRequest, ticket: dict, fixture: str
) -> None:
    user = request.getfixturevalue(fixture)
    assert get_json(client, f"/get-ticket/{ticket['ticket_id']}", token=token_for(user))[0] == 200
    assert send(client, user, ticket["ticket_id"], "We will refill it today.")[0] == 200


def test_customer_never_sees_internal_notes(
    client: Client, customer: User, agent: User, ticket: dict
) -> None:
    note = services.message_post(
        actor=agent, ticket_id=ticket["ticket_id"], body="Internal: supplier is late", internal=True
    )
    customer_view = messages_of(client, customer, ticket["ticket_id"])
    assert note.pk not in [m["message_id"] for m in customer_view]
    assert "Internal: supplier is late" not in [m["body"] for m in customer_view]
    agent_view = messages_of(client, agent, ticket["ticket_id"])
    assert agent_view[0]["message_id"] == note.pk


# === Commands and system messages ===========================================================


def test_agent_close_writes_the_seeds_system_message(
    client: Client, customer: User, agent: User, ticket: dict
) -> None:
    status, body = send(client, agent, ticket["ticket_id"], "!close")
    assert status == 200
    newest = messages_of(client, customer, ticket["ticket_id"])[0]
    assert newest["message_id"] == body["message_id"]
    assert newest["author_id"] == SYSTEM_USER_ID
    assert newest["body"] == f"This ticket has been closed by {by(agent)}."
    closed_at = ticket_data(client, customer, ticket["ticket_id"])["closed_at"]
    assert abs(closed_at - time.time()) < 10


def test_customer_can_close_their_own_ticket(client: Client, customer: User, ticket: dict) -> None:
    assert send(client, customer, ticket["ticket_id"], "!close")[0] == 200
    newest = messages_of(client, customer, ticket["ticket_id"])[0]
    assert newest["body"] == f"This ticket has been closed by {by(customer)}."
    assert ticket_data(client, customer, ticket["ticket_id"])["closed_at"] != -1


@pytest.mark.parametrize("opener", ["customer", "agent"])
def test_open_reopens_with_the_seeds_system_message(
    client: Client,
    request: pytest.FixtureRequest,
    customer: User,
    ticket: dict,
    opener: str,
) -> None:
    user = request.getfixturevalue(opener)
    send(client, customer, ticket["ticket_id"], "!close")
    status, body = send(client, user, ticket["ticket_id"], "!open")
    assert status == 200
    newest = messages_of(client, customer, ticket["ticket_id"])[0]
    assert newest == {
        "message_id": body["message_id"],
        "author_id": SYSTEM_USER_ID,
        "body": f"This ticket has been reopened by {by(user)}.",
        "sent_at": newest["sent_at"],
    }
    assert ticket_data(client, customer, ticket["ticket_id"])["closed_at"] == -1


def test_claim_writes_the_seeds_system_message(
    client: Client, customer: User, agent: User, ticket: dict
) -> None:
    status, body = send(client, agent, ticket["ticket_id"], "!claim")
    assert status == 200
    newest = messages_of(client, customer, ticket["ticket_id"])[0]
    assert (newest["message_id"], newest["author_id"], newest["body"]) == (
        body["message_id"],
        SYSTEM_USER_ID,
        f"This ticket has been claimed by {by(agent)}.",
    )
    data = ticket_data(client, customer, ticket["ticket_id"])
    assert (data["assistant_id"], data["closed_at"]) == (agent.pk, -1)


def test_claiming_a_closed_ticket_reopens_it(
    client: Client, customer: User, agent: User, ticket: dict
) -> None:
    send(client, customer, ticket["ticket_id"], "!close")
    assert send(client, agent, ticket["ticket_id"], "!claim")[0] == 200
    newest = messages_of(client, customer, ticket["ticket_id"])[0]
    assert newest["body"] == f"This ticket has been claimed and reopened by {by(agent)}."
    data = ticket_data(client, customer, ticket["ticket_id"])
    assert (data["assistant_id"], data["closed_at"]) == (agent.pk, -1)


def test_claiming_own_closed_ticket_reopens_it(
    client: Client, customer: User, agent: User, ticket: dict
) -> None:
    send(client, agent, ticket["ticket_id"], "!claim")
    send(client, agent, ticket["ticket_id"], "!close")
    assert send(client, agent, ticket["ticket_id"], "!claim")[0] == 200
    newest = messages_of(client, customer, ticket["ticket_id"])[0]
    assert newest["body"] == f"This ticket has been claimed and reopened by {by(agent)}."
    assert ticket_data(client, customer, ticket["ticket_id"])["closed_at"] == -1


@pytest.mark.parametrize("writer", ["customer", "agent"])
def test_writing_into_a_closed_ticket_reopens_it_first(
    client: Client,
    request: pytest.FixtureRequest,
    customer: User,
    ticket: dict,
    writer: str,
) -> None:
    user = request.getfixturevalue(writer)
    send(client, customer, ticket["ticket_id"], "!close")
    status, body = send(client, user, ticket["ticket_id"], "Actually it is still empty.")
    assert status == 200
    newest, reopen, close, *_ = messages_of(client, customer, ticket["ticket_id"])
    assert newest["message_id"] == body["message_id"]
    assert (newest["author_id"], newest["body"]) == (user.pk, "Actually it is still empty.")
    assert (reopen["author_id"], reopen["body"]) == (
        SYSTEM_USER_ID,
        f"This ticket has been reopened by {by(user)}.",
    )
    assert reopen["message_id"] < newest["message_id"]
    assert reopen["sent_at"] <= newest["sent_at"]
    assert close["body"] == f"This ticket has been closed by {by(customer)}."
    assert ticket_data(client, customer, ticket["ticket_id"])["closed_at"] == -1


def test_claiming_a_ticket_claimed_by_another_agent_conflicts(
    client: Client, agent: User, other_agent: User, ticket: dict
) -> None:
    send(client, agent, ticket["ticket_id"], "!claim")
    reply = send(client, other_agent, ticket["ticket_id"], "!claim")
    assert reply == (409, error(f"This ticket has already been claimed by {by(agent)}."))


def test_claiming_your_own_open_ticket_conflicts(client: Client, agent: User, ticket: dict) -> None:
    send(client, agent, ticket["ticket_id"], "!claim")
    status, body = send(client, agent, ticket["ticket_id"], "!claim")
    assert status == 409
    assert set(body) == {"error"}


def test_closing_a_closed_ticket_is_refused(
    client: Client, customer: User, agent: User, ticket: dict
) -> None:
    send(client, customer, ticket["ticket_id"], "!close")
    reply = send(client, agent, ticket["ticket_id"], "!close")
    assert reply == (400, error("This ticket is already closed."))


def test_opening_a_new_ticket_is_refused(client: Client, customer: User, ticket: dict) -> None:
    reply = send(client, customer, ticket["ticket_id"], "!open")
    assert reply == (400, error("This ticket is already open."))


def test_opening_a_claimed_ticket_is_refused(client: Client, agent: User, ticket: dict) -> None:
    send(client, agent, ticket["ticket_id"], "!claim")
    assert send(client, agent, ticket["ticket_id"], "!open") == (
        400,
        error("This ticket is already open."),
    )


def test_opening_a_reopened_ticket_says_already_open(
    client: Client, customer: User, ticket: dict
) -> None:
    """After !close and !open the ticket's status is "reopened"; a second !open still answers
    "This ticket is already open." (reopened is one of SupportMe's open states)."""
    send(client, customer, ticket["ticket_id"], "!close")
    send(client, customer, ticket["ticket_id"], "!open")
    reply = send(client, customer, ticket["ticket_id"], "!open")
    assert reply == (400, error("This ticket is already open."))


def test_customer_claim_is_refused(client: Client, customer: User, ticket: dict) -> None:
    reply = send(client, customer, ticket["ticket_id"], "!claim")
    assert reply == (403, error(NOT_AUTHENTICATED))
    assert ticket_data(client, customer, ticket["ticket_id"])["assistant_id"] == -1


def test_customer_claim_on_unknown_ticket_is_404(client: Client, customer: User) -> None:
    """The seed validates the message, then looks the ticket up (404), then checks access."""
    assert send(client, customer, 424242, "!claim") == (404, error(TICKET_NOT_FOUND))


def test_admin_sees_the_claimable_queue(client: Client, admin: User, ticket: dict) -> None:
    assert _tickets(client, "/get-unclaimed-tickets", admin) == [ticket["ticket_id"]]


def test_command_message_id_is_the_system_message(
    client: Client, agent: User, ticket: dict
) -> None:
    _, body = send(client, agent, ticket["ticket_id"], "!claim")
    message = Message.objects.get(pk=body["message_id"])
    assert message.author_id == SYSTEM_USER_ID


# === Shapes and orderings ===================================================================


def test_response_shapes(client: Client, customer: User, agent: User, ticket: dict) -> None:
    send(client, agent, ticket["ticket_id"], "!claim")
    _, messages = get_json(
        client, f"/get-messages/{ticket['ticket_id']}", token=token_for(customer)
    )
    assert set(messages) == {"ticket_id", "message_list"}
    assert all(set(m) == MESSAGE_KEYS for m in messages["message_list"])
    assert all(
        isinstance(m["message_id"], int)
        and isinstance(m["author_id"], int)
        and isinstance(m["body"], str)
        and isinstance(m["sent_at"], int)
        for m in messages["message_list"]
    )
    for path, token in [
        (f"/get-open-tickets/{customer.pk}", token_for(customer)),
        (f"/get-open-tickets/{agent.pk}", token_for(agent)),
    ]:
        _, lists = get_json(client, path, token=token)
        assert set(lists) == {"tickets"}
        assert [set(t) for t in lists["tickets"]] == [TICKET_KEYS]
    _, single = get_json(client, f"/get-ticket/{ticket['ticket_id']}", token=token_for(customer))
    assert set(single) == {"ticket_data"}
    assert set(single["ticket_data"]) == TICKET_KEYS
    assert all(isinstance(v, int) for k, v in single["ticket_data"].items() if k != "title")


def _tickets(client: Client, path: str, user: User) -> list[int]:
    status, body = get_json(client, path, token=token_for(user))
    assert status == 200, body
    return [t["ticket_id"] for t in body["tickets"]]


def _three_tickets(client: Client, customer: User) -> list[int]:
    ids = [open_ticket(client, customer, f"Ticket number {n} here")["ticket_id"] for n in range(3)]
    # Opened in the order 2, 0, 1: the lists must follow opened_at, not the id.
    base = now() - timedelta(days=1)
    for ticket_id, minutes in zip(ids, (10, 20, 0), strict=True):
        Ticket.objects.filter(pk=ticket_id).update(created_at=base + timedelta(minutes=minutes))
    return ids


def test_open_tickets_are_listed_oldest_first(client: Client, customer: User) -> None:
    a, b, c = _three_tickets(client, customer)
    assert _tickets(client, f"/get-open-tickets/{customer.pk}", customer) == [c, a, b]


def test_unclaimed_tickets_are_listed_oldest_first(
    client: Client, customer: User, agent: User
) -> None:
    a, b, c = _three_tickets(client, customer)
    assert _tickets(client, "/get-unclaimed-tickets", agent) == [c, a, b]


def test_closed_tickets_are_listed_most_recently_closed_first(
    client: Client, customer: User
) -> None:
    a, b, c = _three_tickets(client, customer)
    for ticket_id in (a, b, c):
        send(client, customer, ticket_id, "!close")
    base = now() - timedelta(hours=1)
    for ticket_id, minutes in zip((a, b, c), (30, 10, 20), strict=True):
        Ticket.objects.filter(pk=ticket_id).update(closed_at=base + timedelta(minutes=minutes))
    assert _tickets(client, f"/get-closed-tickets/{customer.pk}", customer) == [a, c, b]
    assert _tickets(client, f"/get-open-tickets/{customer.pk}", customer) == []


def test_agents_lists_hold_the_tickets_they_are_assigned_to(
    client: Client, customer: User, agent: User, other_agent: User
) -> None:
    mine = open_ticket(client, customer, "Ticket claimed by Alice")["ticket_id"]
    theirs = open_ticket(client, customer, "Ticket claimed by Bob")["ticket_id"]
    closed = open_ticket(client, customer, "Ticket Alice closes")["ticket_id"]
    queue = open_ticket(client, customer, "Ticket nobody claimed")["ticket_id"]
    send(client, agent, mine, "!claim")
    send(client, other_agent, theirs, "!claim")
    send(client, agent, closed, "!claim")
    send(client, agent, closed, "!close")
    assert _tickets(client, f"/get-open-tickets/{agent.pk}", agent) == [mine]
    assert _tickets(client, f"/get-closed-tickets/{agent.pk}", agent) == [closed]
    assert _tickets(client, "/get-unclaimed-tickets", agent) == [queue]


def test_claimable_queue_excludes_closed_tickets(
    client: Client, customer: User, agent: User, ticket: dict
) -> None:
    send(client, customer, ticket["ticket_id"], "!close")
    assert _tickets(client, "/get-unclaimed-tickets", agent) == []


def test_messages_keep_a_stable_order_within_one_second(
    client: Client, customer: User, ticket: dict
) -> None:
    sent = [
        send(client, customer, ticket["ticket_id"], f"Message number {n}")[1]["message_id"]
        for n in range(5)
    ]
    listed = [m["message_id"] for m in messages_of(client, customer, ticket["ticket_id"])]
    assert listed == [*reversed(sent), ticket["message_id"]]


# === HTTP details: methods, sizes, pages, icons ==============================================


@pytest.mark.parametrize(
    "path",
    [
        "/get-profile/1",
        "/get-ticket/1",
        "/get-open-tickets/1",
        "/get-closed-tickets/1",
        "/get-unclaimed-tickets",
        "/get-messages/1",
    ],
)
def test_post_to_a_get_endpoint_is_405_json(client: Client, customer: User, path: str) -> None:
    response = post_raw(client, path, "{}", token=token_for(customer))
    status, body = json_of(response)
    assert status == 405
    assert set(body) == {"error"}


def other_method(client: Client, user: User, method: str, path: str):
    return client.generic(
        method,
        path,
        "{}",
        content_type="application/json",
        HTTP_AUTHORIZATION=bearer(token_for(user)),
    )


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", ["/get-ticket/1", "/get-messages/1", "/get-unclaimed-tickets"])
def test_other_methods_on_api_paths_are_405_json(
    client: Client, customer: User, method: str, path: str
) -> None:
    status, body = json_of(other_method(client, customer, method, path))
    assert status == 405
    assert set(body) == {"error"}


PAGE_AND_API_PATHS = ["/register", "/login", "/ticket/new", "/ticket/1", "/profile"]


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", PAGE_AND_API_PATHS)
def test_other_methods_on_page_and_api_paths_are_405(
    client: Client, customer: User, method: str, path: str
) -> None:
    assert other_method(client, customer, method, path).status_code == 405


@pytest.mark.parametrize("path", PAGE_AND_API_PATHS)
def test_other_methods_on_page_and_api_paths_are_answered_in_json(
    client: Client, customer: User, path: str
) -> None:
    """PUT on a path shared by a page and the API answers 405 with {"error": ...}, like the
    API-only paths."""
    status, body = json_of(other_method(client, customer, "PUT", path))
    assert status == 405
    assert set(body) == {"error"}


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
@pytest.mark.parametrize("path", POST_PATHS)
def test_body_over_the_upload_limit_is_413(
    client: Client, customer: User, ticket: dict, path: str, content_type: str
) -> None:
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    raw = json.dumps({"message": "x" * size})
    response = post_raw(
        client,
        path.format(ticket=ticket["ticket_id"]),
        raw,
        token=token_for(customer),
        content_type=content_type,
    )
    status, body = json_of(response)
    assert status == 413
    assert set(body) == {"error"}


@pytest.mark.parametrize(
    "path", ["/login", "/register", "/home", "/", "/profile", "/ticket/new", "/ticket/1"]
)
def test_pages_are_html(client: Client, path: str) -> None:
    response = client.get(path)
    if response.status_code == 302:
        assert response["Location"].startswith("/login")
    else:
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("colour", ["blue", "green", "purple", "red", "admin"])
def test_profile_icons_are_real_pngs(client: Client, colour: str) -> None:
    response = client.get(f"/profile-icons/{colour}.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    data = b"".join(response.streaming_content) if response.streaming else response.content
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.format == "PNG"
    assert image.size == (128, 128)


@pytest.mark.parametrize("name", ["orange", "Blue", "../blue", "blue.png"])
def test_unknown_profile_icon_is_404(client: Client, name: str) -> None:
    assert client.get(f"/profile-icons/{name}.png").status_code == 404


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
@pytest.mark.parametrize("path", ["/get-profile/1", "/get-ticket/1", "/get-unclaimed-tickets"])
def test_a_browser_session_does_not_turn_the_405_into_a_csrf_page(
    client: Client, customer: User, method: str, path: str
) -> None:
    """A signed-in browser's session cookie travels with a script's request too: still the
    JSON 405, never Django's HTML "CSRF verification failed" page."""
    client.force_login(customer)
    response = other_method(client, customer, method, path)
    status, body = json_of(response)
    assert status == 405
    assert set(body) == {"error"}
    assert "GET" in response["Allow"]
