"""The SupportMe JSON API is a contract: its answers are the same bytes whatever language the
client's Accept-Language asks for (web/dispatch.py and UserLanguageMiddleware keep it
English), even for a user who chose Spanish."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from frontdesk.accounts.models import User
from tests.conftest import open_ticket
from tests.supportme.helpers import LOGIN_FAILED, bearer, token_for

pytestmark = pytest.mark.django_db

SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es-ES,es;q=0.9"}


def _both(call) -> tuple[bytes, bytes]:  # type: ignore[no-untyped-def]
    english = call(Client(HTTP_HOST="localhost"), {})
    spanish = call(Client(HTTP_HOST="localhost"), SPANISH)
    assert english.status_code == spanish.status_code
    return english.content, spanish.content


def test_a_failed_login_answers_the_same_english_bytes(customer: User) -> None:
    body = json.dumps({"username": customer.username, "password": "wrong"})

    def call(client: Client, extra: dict[str, str]):  # type: ignore[no-untyped-def]
        return client.post("/login", body, content_type="application/json", **extra)

    english, spanish = _both(call)
    assert english == spanish
    assert LOGIN_FAILED in english.decode()


def test_a_bad_registration_answers_the_same_english_bytes() -> None:
    body = json.dumps({"username": "bad name!", "email": "nope", "password": "x"})

    def call(client: Client, extra: dict[str, str]):  # type: ignore[no-untyped-def]
        return client.post("/register", body, content_type="application/json", **extra)

    english, spanish = _both(call)
    assert english == spanish


@pytest.mark.parametrize("path", ["/get-ticket/{id}", "/get-messages/{id}", "/get-profile/{me}"])
def test_reads_answer_the_same_bytes_for_a_spanish_user(
    customer: User, agent: User, path: str
) -> None:
    User.objects.filter(pk=customer.pk).update(language="es")
    ticket = open_ticket(customer, "Clase de salsa", assignee=agent, staff=agent, status="closed")
    url = path.format(id=ticket.pk, me=customer.pk)
    auth = {"HTTP_AUTHORIZATION": bearer(token_for(customer))}

    def call(client: Client, extra: dict[str, str]):  # type: ignore[no-untyped-def]
        return client.get(url, **auth, **extra)

    english, spanish = _both(call)
    assert english == spanish
    assert "Hola" not in spanish.decode() and "ha cerrado" not in spanish.decode()


def test_not_signed_in_answers_the_same_english_bytes() -> None:
    def call(client: Client, extra: dict[str, str]):  # type: ignore[no-untyped-def]
        return client.get("/get-unclaimed-tickets", **extra)

    english, spanish = _both(call)
    assert english == spanish
    assert b"User is not authenticated" in english


def test_the_rest_api_answers_in_english_even_to_a_spanish_user(customer: User) -> None:
    User.objects.filter(pk=customer.pk).update(language="es")
    english = Client(HTTP_HOST="localhost")
    spanish = Client(HTTP_HOST="localhost", **SPANISH)
    spanish.force_login(customer)
    english.force_login(customer)
    answers = [client.get("/api/ticketing/tickets/999999") for client in (english, spanish)]
    assert answers[0].status_code == answers[1].status_code
    assert answers[0].content == answers[1].content
    assert answers[1]["Content-Language"] == "en"


def test_a_missing_page_is_spanish_for_a_spanish_browser() -> None:
    page = Client(HTTP_HOST="localhost", **SPANISH).get("/no-such-page")
    assert page.status_code == 404
    assert "No hemos encontrado esa página" in page.content.decode()
