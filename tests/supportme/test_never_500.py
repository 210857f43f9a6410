"""Property tests: whatever a client sends to the SupportMe API, the answer is never a 5xx and
always a JSON object, either ``{"error": "<text>"}`` or the endpoint's documented success
shape. Plus properties of the account and ticket validators behind the seed's texts."""

from __future__ import annotations

import base64
import json
import string
from collections.abc import Callable
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frontdesk.accounts import validators as account_validators
from frontdesk.accounts.models import User
from frontdesk.core.errors import InvalidInput
from frontdesk.supportme import rules as ticket_validators
from tests.supportme.helpers import bearer, open_ticket, token_for

FAST = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
QUICK = settings(max_examples=200, deadline=None, database=None)

# 429: many examples run in one test, so sign-in and registration meet their rate limits.
ERROR_STATUSES = {400, 403, 404, 405, 409, 413, 429}

POST_KEYS: dict[str, set[str]] = {
    "/register": {"username", "email", "password"},
    "/login": {"username", "password"},
    "/ticket/new": {"ticket_title", "message"},
    "/ticket/{ticket}": {"message"},
    "/profile": {"new_password", "old_password", "profile_icon"},
}
GET_PATHS = [
    "/get-profile/{id}",
    "/get-ticket/{id}",
    "/get-open-tickets/{id}",
    "/get-closed-tickets/{id}",
    "/get-messages/{id}",
    "/get-unclaimed-tickets/{id}",
]


def _token_answer(body: dict[str, Any]) -> bool:
    return set(body) == {"access_token"} and isinstance(body["access_token"], str)


def _message_answer(body: dict[str, Any]) -> bool:
    return set(body) == {"ticket_id", "message_id"} and all(type(v) is int for v in body.values())


def _ticket(t: Any) -> bool:
    return isinstance(t, dict) and set(t) == {
        "ticket_id",
        "customer_id",
        "assistant_id",
        "opened_at",
        "closed_at",
        "title",
    }


SUCCESS_SHAPES: dict[str, Callable[[dict[str, Any]], bool]] = {
    "/register": _token_answer,
    "/login": _token_answer,
    "/ticket/new": _message_answer,
    "/ticket/{ticket}": _message_answer,
    "/profile": lambda body: body == {"msg": "Profile has been updated."},
    "/get-profile/{id}": lambda body: (
        set(body) == {"user"}
        and set(body["user"])
        == {"user_id", "username", "created_at", "account_type", "profile_icon"}
    ),
    "/get-ticket/{id}": lambda body: set(body) == {"ticket_data"} and _ticket(body["ticket_data"]),
    "/get-messages/{id}": lambda body: set(body) == {"ticket_id", "message_list"},
    "/get-open-tickets/{id}": lambda body: (
        set(body) == {"tickets"} and all(map(_ticket, body["tickets"]))
    ),
    "/get-closed-tickets/{id}": lambda body: (
        set(body) == {"tickets"} and all(map(_ticket, body["tickets"]))
    ),
    "/get-unclaimed-tickets/{id}": lambda body: (
        set(body) == {"tickets"} and all(map(_ticket, body["tickets"]))
    ),
}


def assert_contract_answer(response: HttpResponse, endpoint: str) -> None:
    """Not a 5xx; a JSON object that is an error or the endpoint's success shape."""
    assert response.status_code < 500, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), (
        response.status_code,
        response.content[:300],
    )
    body = json.loads(response.content)
    assert isinstance(body, dict)
    if response.status_code == 200:
        assert SUCCESS_SHAPES[endpoint](body), body
    else:
        assert response.status_code in ERROR_STATUSES, response.status_code
        assert set(body) == {"error"}, body
        assert isinstance(body["error"], str)
        assert body["error"]


@pytest.fixture
def cast(client: Client, customer: User, agent: User) -> dict[str, Any]:
    ticket = open_ticket(client, customer)
    return {
        "ticket": ticket["ticket_id"],
        "tokens": {None: None, "customer": token_for(customer), "agent": token_for(agent)},
    }


def post(
    client: Client,
    cast: dict[str, Any],
    endpoint: str,
    raw: bytes | str,
    who: str | None,
    content_type: str = "application/json",
) -> HttpResponse:
    token = cast["tokens"][who]
    headers = {"HTTP_AUTHORIZATION": bearer(token)} if token else {}
    path = endpoint.format(ticket=cast["ticket"])
    return client.generic("POST", path, raw, content_type=content_type, **headers)


# --- strategies ----------------------------------------------------------------------------

endpoints = st.sampled_from(sorted(POST_KEYS))
who = st.sampled_from([None, "customer", "agent"])
tricky_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=string.ascii_letters + string.digits + " !", min_size=0, max_size=70),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "a\x00b",
            "!close",
            "!open",
            "!claim",
            "!",
            "securepassword",
            "/profile-icons/blue.png",
            "/profile-icons/admin.png",
            "John",
            "john@example.com",
            "\u202e\u0301",
            "\U0001f600" * 20,
            "x" * 600,
            "y" * 100_000,
        ]
    ),
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=False, allow_infinity=False),
    tricky_text,
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
# Raw JSON text that json.dumps would never write: escapes of lone surrogates and NUL,
# huge numbers, NaN, deep nesting.
raw_fragments = st.sampled_from(
    [
        '"\\ud800"',
        '"abc\\udfffdefghij"',
        '"\\udbff\\udbff"',
        '"\\u0000"',
        '"long enough\\u0000text"',
        '"\\u0007 bell in the text"',
        "NaN",
        "Infinity",
        "-Infinity",
        "1e999",
        "-0",
        "1" * 5000,
        "[" * 5000 + "]" * 5000,
        '{"a":' * 3000 + "1" + "}" * 3000,
        '"\\x41"',
        "'single quoted'",
        "",
        "tru",
    ]
)


def raw_object(keys: list[str], values: list[str]) -> str:
    return "{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in zip(keys, values, strict=True)) + "}"


# --- the API never fails -------------------------------------------------------------------


@pytest.mark.django_db
@FAST
@given(endpoint=endpoints, raw=st.binary(max_size=300), who=who)
def test_random_bytes_never_500(
    client: Client, cast: dict[str, Any], endpoint: str, raw: bytes, who: str | None
) -> None:
    assert_contract_answer(post(client, cast, endpoint, raw, who), endpoint)


@pytest.mark.django_db
@FAST
@given(
    endpoint=endpoints,
    value=json_values,
    who=who,
    ensure_ascii=st.booleans(),
    content_type=st.sampled_from(
        ["application/json", "application/json; charset=utf-8", "text/plain", ""]
    ),
)
def test_random_json_values_never_500(
    client: Client,
    cast: dict[str, Any],
    endpoint: str,
    value: Any,
    who: str | None,
    ensure_ascii: bool,
    content_type: str,
) -> None:
    raw = json.dumps(value, ensure_ascii=ensure_ascii).encode("utf-8", "surrogatepass")
    assert_contract_answer(post(client, cast, endpoint, raw, who, content_type), endpoint)


@pytest.mark.django_db
@FAST
@given(data=st.data(), who=who, ensure_ascii=st.booleans())
def test_right_keys_with_arbitrary_values_never_500(
    client: Client, cast: dict[str, Any], data: st.DataObject, who: str | None, ensure_ascii: bool
) -> None:
    endpoint = data.draw(endpoints)
    keys = sorted(POST_KEYS[endpoint])
    body = data.draw(st.fixed_dictionaries({k: st.one_of(tricky_text, json_values) for k in keys}))
    if data.draw(st.booleans()):
        body = data.draw(st.permutations(list(body.items())).map(dict))
    raw = json.dumps(body, ensure_ascii=ensure_ascii).encode("utf-8", "surrogatepass")
    assert_contract_answer(post(client, cast, endpoint, raw, who), endpoint)


@pytest.mark.django_db
@FAST
@given(data=st.data(), who=who)
def test_raw_json_fragments_never_500(
    client: Client, cast: dict[str, Any], data: st.DataObject, who: str | None
) -> None:
    endpoint = data.draw(endpoints)
    keys = sorted(POST_KEYS[endpoint])
    values = [
        data.draw(st.one_of(raw_fragments, tricky_text.map(json.dumps)), label=key) for key in keys
    ]
    raw = raw_object(keys, values)
    assert_contract_answer(post(client, cast, endpoint, raw.encode("utf-8"), who), endpoint)


@pytest.mark.django_db
@FAST
@given(
    endpoint=st.sampled_from(GET_PATHS),
    ticket_id=st.one_of(
        st.from_regex(r"\A[0-9]{1,40}\Z"),
        st.integers(min_value=0, max_value=2**64 + 5).map(str),
        st.sampled_from(["0", "1", "9223372036854775807", "9223372036854775808", "0" * 30 + "1"]),
    ),
    who=who,
)
def test_arbitrary_path_ids_never_500(
    client: Client, cast: dict[str, Any], endpoint: str, ticket_id: str, who: str | None
) -> None:
    token = cast["tokens"][who]
    headers = {"HTTP_AUTHORIZATION": bearer(token)} if token else {}
    response = client.get(endpoint.format(id=ticket_id), **headers)
    assert_contract_answer(response, endpoint)
    looks_up_ticket = endpoint in ("/get-ticket/{id}", "/get-messages/{id}")
    if token and looks_up_ticket and int(ticket_id) != cast["ticket"]:
        assert response.status_code == 404


@pytest.mark.django_db
@FAST
@given(
    ticket_id=st.one_of(st.from_regex(r"\A[0-9]{1,40}\Z"), st.just(str(2**63))),
    message=st.one_of(tricky_text, st.sampled_from(["!close", "!open", "!claim"])),
    who=who,
)
def test_posting_to_arbitrary_ticket_ids_never_500(
    client: Client, cast: dict[str, Any], ticket_id: str, message: str, who: str | None
) -> None:
    token = cast["tokens"][who]
    headers = {"HTTP_AUTHORIZATION": bearer(token)} if token else {}
    response = client.generic(
        "POST",
        f"/ticket/{ticket_id}",
        json.dumps({"message": message}),
        content_type="application/json",
        **headers,
    )
    assert_contract_answer(response, "/ticket/{ticket}")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


forged_tokens = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=80),
    st.builds(
        lambda header, payload, signature: ".".join(
            [_b64(json.dumps(header).encode()), _b64(json.dumps(payload).encode()), signature]
        ),
        header=st.one_of(
            json_values,
            st.fixed_dictionaries(
                {"alg": st.sampled_from(["HS256", "none", "RS256", "", "HS512"])},
                optional={"typ": json_values, "b64": json_values, "crit": json_values},
            ),
        ),
        payload=st.one_of(
            json_values,
            st.fixed_dictionaries(
                {"user_id": json_values, "exp": json_values},
                optional={"account_type": json_values, "nbf": json_values, "iat": json_values},
            ),
        ),
        signature=st.text(alphabet=string.ascii_letters + string.digits + "-_", max_size=50),
    ),
)


@pytest.mark.django_db
@FAST
@given(
    scheme=st.sampled_from(["Bearer ", "bearer ", "Bearer  ", "", "Basic ", "Bearer\t"]),
    token=forged_tokens,
    endpoint=st.sampled_from(["/get-unclaimed-tickets", "/get-profile/1", "/get-ticket/1"]),
)
def test_forged_authorization_is_refused_never_500(
    client: Client, cast: dict[str, Any], scheme: str, token: str, endpoint: str
) -> None:
    response = client.get(endpoint, HTTP_AUTHORIZATION=scheme + token)
    assert response.status_code == 403, response.content[:300]
    assert json.loads(response.content) == {
        "error": "User is not authenticated to make this request."
    }


# --- validators ----------------------------------------------------------------------------

ALNUM = string.ascii_letters + string.digits
not_ascii_alnum = st.characters().filter(lambda c: not (c.isascii() and c.isalnum()))


def refusal(check: Callable[[], None]) -> str:
    with pytest.raises(InvalidInput) as caught:
        check()
    return caught.value.message


@QUICK
@given(st.text(alphabet=ALNUM, min_size=1, max_size=16))
def test_ascii_alnum_usernames_up_to_16_pass(username: str) -> None:
    account_validators.check_username(username)


@QUICK
@given(st.text(max_size=20), not_ascii_alnum, st.text(max_size=20))
def test_usernames_with_any_other_character_fail(before: str, bad: str, after: str) -> None:
    message = refusal(lambda: account_validators.check_username(before + bad + after))
    assert message == "Username can only contain alphanumeric characters."


@QUICK
@given(st.text(alphabet=ALNUM, min_size=17, max_size=200))
def test_usernames_over_16_fail(username: str) -> None:
    message = refusal(lambda: account_validators.check_username(username))
    assert message == "Username cannot be more than 16 characters."


@QUICK
@given(st.text(min_size=8, max_size=32))
def test_passwords_of_8_to_32_pass(password: str) -> None:
    account_validators.check_password(password)


@QUICK
@given(st.text(max_size=7))
def test_passwords_under_8_fail(password: str) -> None:
    message = refusal(lambda: account_validators.check_password(password))
    assert message == "Password must be at least 8 characters."


@QUICK
@given(st.text(min_size=33, max_size=300))
def test_passwords_over_32_fail(password: str) -> None:
    message = refusal(lambda: account_validators.check_password(password))
    assert message == "Password cannot be more than 32 characters."


@QUICK
@given(st.text(max_size=80).filter(lambda s: "@" not in s))
def test_emails_without_at_sign_fail(email: str) -> None:
    assert refusal(lambda: account_validators.check_email(email)) == (
        "The provided email was invalid."
    )


@QUICK
@given(st.one_of(st.text(max_size=400), st.emails()))
def test_email_check_passes_or_answers_with_the_seed_text(email: str) -> None:
    message = None
    try:
        account_validators.check_email(email)
    except InvalidInput as exc:
        message = exc.message
    assert message in (None, "The provided email was invalid.")


@QUICK
@given(st.sampled_from(["blue", "green", "purple", "red"]))
def test_the_four_colours_are_valid_icons(icon: str) -> None:
    account_validators.check_profile_icon(icon)


@QUICK
@given(st.text(max_size=30).filter(lambda s: s not in {"blue", "green", "purple", "red"}))
def test_any_other_icon_fails(icon: str) -> None:
    assert refusal(lambda: account_validators.check_profile_icon(icon)) == (
        "Profile icon is invalid."
    )


title_chars = st.sampled_from(ALNUM + " " + "äéßøÅ京")


@QUICK
@given(st.text(alphabet=title_chars, min_size=8, max_size=64).filter(str.strip))
def test_titles_of_letters_digits_spaces_8_to_64_pass(title: str) -> None:
    ticket_validators.check_title(title)


@QUICK
@given(st.text(alphabet=title_chars, min_size=1, max_size=7).filter(str.strip))
def test_titles_under_8_fail(title: str) -> None:
    assert refusal(lambda: ticket_validators.check_title(title)) == (
        "Ticket title must be at least 8 characters - be descriptive."
    )


@QUICK
@given(st.text(alphabet=title_chars, min_size=65, max_size=300).filter(str.strip))
def test_titles_over_64_fail(title: str) -> None:
    assert refusal(lambda: ticket_validators.check_title(title)) == (
        "Ticket title cannot be more than 64 characters - keep it concise."
    )


@QUICK
@given(
    st.text(alphabet=title_chars, max_size=40),
    st.characters().filter(lambda c: not c.isalnum() and not c.isspace()),
    st.text(alphabet=title_chars, min_size=1, max_size=40).filter(str.strip),
)
def test_titles_with_punctuation_fail(before: str, bad: str, after: str) -> None:
    assert refusal(lambda: ticket_validators.check_title(before + bad + after)) == (
        "Ticket title can only contain spaces and alphanumeric characters."
    )


@QUICK
@given(st.text(alphabet=" \t\n\r", max_size=20))
def test_blank_titles_and_messages_fail_as_blank(blank: str) -> None:
    text = "Please don't leave any blank fields."
    assert refusal(lambda: ticket_validators.check_title(blank)) == text
    assert refusal(lambda: ticket_validators.check_message(blank)) == text


storable = st.characters(exclude_categories=["Cs", "Cc"]) | st.sampled_from("\t\n\r")


@QUICK
@given(st.text(alphabet=storable, min_size=8, max_size=512).filter(str.strip))
def test_messages_of_8_to_512_pass(message: str) -> None:
    ticket_validators.check_message(message)


@QUICK
@given(st.text(alphabet=storable, min_size=1, max_size=7).filter(str.strip))
def test_messages_under_8_fail(message: str) -> None:
    assert refusal(lambda: ticket_validators.check_message(message)) == (
        "Message length must be at least 8 characters - be descriptive."
    )


@QUICK
@given(st.text(alphabet=storable, min_size=513, max_size=2000).filter(str.strip))
def test_messages_over_512_fail(message: str) -> None:
    assert refusal(lambda: ticket_validators.check_message(message)) == (
        "Message length cannot be more than 512 characters."
    )
