"""A SupportMe API call with a bearer token and no cookie takes the shorter middleware chain
(core/bearer_api.py): chosen by the server's own entry, frontdesk.wsgi, and answering exactly
what the whole chain answers. The seed's contract tables run through it too
(tests/supportme/conftest.py)."""

from __future__ import annotations

import io
import json
from typing import Any
from unittest import mock
from wsgiref.util import setup_testing_defaults

import pytest
from django.conf import settings

from frontdesk import wsgi
from frontdesk.accounts.models import User
from frontdesk.accounts.tokens import access_token_issue
from frontdesk.core.bearer_api import REPLACED, SKIPPED, is_bearer_api_call
from frontdesk.tickets.services import ticket_open

BEARER = "Bearer x.y.z"


def _environ(
    method: str, path: str, *, authorization: str = BEARER, body: bytes = b"", **extra: str
) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        **extra,
    }
    if authorization:
        environ["HTTP_AUTHORIZATION"] = authorization
    setup_testing_defaults(environ)  # the rest as a server gives it
    return environ


@pytest.mark.parametrize(
    ("method", "path", "extra"),
    [
        ("GET", "/get-open-tickets/7", {}),
        ("GET", "/get-closed-tickets/7", {}),
        ("GET", "/get-ticket/12", {}),
        ("GET", "/get-messages/12", {}),
        ("GET", "/get-profile/7", {}),
        ("GET", "/get-unclaimed-tickets", {}),
        ("GET", "/get-unclaimed-tickets/7", {}),
        ("POST", "/ticket/new", {"CONTENT_TYPE": "application/json"}),
        ("POST", "/ticket/12", {"CONTENT_TYPE": "application/json; charset=utf-8"}),
        ("POST", "/profile", {}),
    ],
)
def test_supportme_api_calls_with_a_bearer_token_take_the_shorter_chain(
    method: str, path: str, extra: dict[str, str]
) -> None:
    assert is_bearer_api_call(_environ(method, path, **extra))


@pytest.mark.parametrize(
    ("method", "path", "environ"),
    [
        ("GET", "/get-open-tickets/7", {"authorization": ""}),  # no token
        ("GET", "/get-open-tickets/7", {"authorization": "Token fd_abc"}),  # an API token
        ("GET", "/get-open-tickets/7", {"HTTP_COOKIE": "sessionid=abc"}),  # a browser's
        ("GET", "/get-open-tickets/x", {}),
        ("GET", "/get-open-tickets/7/more", {}),
        ("GET", "/ticket/12", {}),  # a page
        ("GET", "/home", {}),
        ("POST", "/ticket/12", {"CONTENT_TYPE": "application/x-www-form-urlencoded"}),  # a form
        ("POST", "/ticket/12", {"CONTENT_TYPE": "multipart/form-data; boundary=x"}),
        ("POST", "/login", {"CONTENT_TYPE": "application/json"}),
        ("POST", "/register", {"CONTENT_TYPE": "application/json"}),
        ("DELETE", "/ticket/12", {}),
        ("GET", "/api/ticketing/tickets/", {}),
    ],
)
def test_everything_else_takes_the_whole_chain(
    method: str, path: str, environ: dict[str, str]
) -> None:
    assert not is_bearer_api_call(_environ(method, path, **environ))


def test_every_skipped_middleware_is_one_the_settings_have() -> None:
    # A middleware renamed or removed from the settings must not stay listed here unseen.
    assert set(settings.MIDDLEWARE) >= SKIPPED | set(REPLACED)
    assert "frontdesk.core.request_log.RequestLogMiddleware" not in SKIPPED


def _call(chain: Any, environ: dict[str, Any]) -> tuple[str, dict[str, str], bytes]:
    started: list[tuple[str, list[tuple[str, str]]]] = []
    answer = chain(environ, lambda status, headers, *_: started.append((status, headers)))
    try:
        body = b"".join(answer)
    finally:
        answer.close()
    status, headers = started[0]
    return status, {name: value for name, value in headers if name != "X-Request-ID"}, body


@pytest.mark.django_db(transaction=True)
def test_the_shorter_chain_answers_as_the_whole_chain_does(customer: User, agent: User) -> None:
    ticket = ticket_open(actor=customer, title="The studio's door code", body="It changed?").ticket
    token = f"Bearer {access_token_issue(customer)}"
    reads = [
        f"/get-open-tickets/{customer.pk}",
        f"/get-closed-tickets/{customer.pk}",
        f"/get-ticket/{ticket.pk}",
        f"/get-messages/{ticket.pk}",
        f"/get-profile/{customer.pk}",
        "/get-unclaimed-tickets",  # 403 for a customer: an error answers the same too
        f"/get-ticket/{ticket.pk + 100}",  # 404
    ]
    with mock.patch.object(wsgi, "bearer_api_chain", wraps=wsgi.bearer_api_chain) as shorter:
        for path in reads:
            for language in ("en", "es"):  # the API answers in English whatever is asked
                asked = {"authorization": token, "HTTP_ACCEPT_LANGUAGE": language}
                served = _call(wsgi.application, _environ("GET", path, **asked))
                assert served == _call(wsgi.whole_chain, _environ("GET", path, **asked))
                assert "Set-Cookie" not in served[1]
                assert served[1]["Content-Language"] == "en"
        assert shorter.call_count == 2 * len(reads)

        body = json.dumps({"message": "And the code for the side door?"}).encode()
        write = {"authorization": token, "body": body, "CONTENT_TYPE": "application/json"}
        status, headers, answer = _call(
            wsgi.application, _environ("POST", f"/ticket/{ticket.pk}", **write)
        )
        assert shorter.call_count == 2 * len(reads) + 1
    assert status == "200 OK", answer
    write["body"] = json.dumps({"message": "Thanks, that helps."}).encode()
    whole = _call(wsgi.whole_chain, _environ("POST", f"/ticket/{ticket.pk}", **write))
    assert (status, headers) == whole[:2], whole[2]
    assert ticket.messages.count() == 3
