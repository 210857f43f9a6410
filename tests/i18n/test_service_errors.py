"""A service's error that carries a value (a limit, a count) is English with its values where
the APIs answer it, and in the reader's language where a page shows it (DomainError.said)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import User
from frontdesk.accounts.tokens import access_token_issue
from frontdesk.core.errors import InvalidInput
from frontdesk.reports.periods import LONGEST_DAYS
from tests.conftest import open_ticket


def test_the_message_is_the_english_filled_in_and_said_in_the_active_language() -> None:
    error = InvalidInput(
        gettext_noop("Search for at most %(limit)s characters."), values={"limit": 200}
    )
    assert error.message == str(error) == "Search for at most 200 characters."
    with translation.override("es"):
        assert error.message == "Search for at most 200 characters."
        assert error.said() == "Busca como máximo 200 caracteres."
    with translation.override("en"):
        assert error.said() == error.message


def test_a_plain_message_is_said_through_the_catalogue_as_before() -> None:
    error = InvalidInput("Give the ticket a title.")
    with translation.override("es"):
        assert error.said() != error.message == "Give the ticket a title."


@pytest.mark.django_db
def test_a_spanish_agent_reads_the_limit_in_spanish_and_the_api_answers_english(
    agent: User,
) -> None:
    User.objects.filter(pk=agent.pk).update(language="es")
    agent.refresh_from_db()
    too_long = {"range": "custom", "from": "2025-01-01", "to": "2026-06-30"}
    page = Client(HTTP_HOST="localhost")
    page.force_login(agent)
    response = page.get("/reports", too_long)
    assert response.status_code == 400
    assert f"Un intervalo dura como máximo {LONGEST_DAYS} días." in response.content.decode()

    api = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="es")
    response = api.get(
        "/api/ticketing/reports/",
        too_long,
        HTTP_AUTHORIZATION=f"Bearer {access_token_issue(agent)}",
    )
    assert response.status_code == 400
    assert f"A range is at most {LONGEST_DAYS} days long." in response.content.decode()


@pytest.mark.django_db
def test_a_refused_merge_names_the_ticket_in_spanish(agent: User, customer: User) -> None:
    User.objects.filter(pk=agent.pk).update(language="es")
    agent.refresh_from_db()
    source = open_ticket(customer)
    client = Client(HTTP_HOST="localhost")
    client.force_login(agent)
    client.post(f"/ticket/{source.pk}/merge", {"target": "TKT-999999"})
    page = client.get(f"/ticket/{source.pk}").content.decode()
    assert "No existe la consulta TKT-999999." in page
    assert "There is no ticket" not in page
