"""A search without an ordering lists the best matches first, page after page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.accounts.tokens import access_token_issue
from frontdesk.tickets import services
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db


def _get(client: Client, user: User, path: str) -> Any:
    response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {access_token_issue(user)}")
    assert response.status_code == 200, response.content
    return response.json()


def test_title_matches_come_first_and_pages_follow_the_ranking(
    client: Client, customer: User, agent: User
) -> None:
    in_message = open_ticket(customer, "Studio two problem", "The boiler makes a noise.")
    in_title = open_ticket(customer, "Boiler broken again", "Nothing works today.")
    unrelated = open_ticket(customer, "Locker key lost", "Key number 12.")

    first = _get(client, agent, "/api/ticketing/tickets/?search=boiler&limit=1")
    assert [t["id"] for t in first["results"]] == [in_title.pk]
    second = _get(client, agent, first["next"])
    assert [t["id"] for t in second["results"]] == [in_message.pk]
    assert second["next"] is None

    by_date = _get(client, agent, "/api/ticketing/tickets/?search=boiler&ordering=created_at")
    assert [t["id"] for t in by_date["results"]] == [in_message.pk, in_title.pk]
    assert unrelated.pk not in {t["id"] for t in by_date["results"]}


def test_relevance_respects_other_filters_and_internal_notes(
    client: Client, customer: User, agent: User
) -> None:
    secret = open_ticket(customer, "Studio two problem", "The radiator is cold.")
    services.message_post(
        actor=agent, ticket_id=secret.pk, body="boiler quote from the engineer", internal=True
    )
    closed = open_ticket(customer, "Boiler closed one", "Done now.")
    services.ticket_change_status(actor=agent, ticket_id=closed.pk, status="closed")

    mine = _get(client, customer, "/api/ticketing/tickets/?search=boiler")
    assert [t["id"] for t in mine["results"]] == [closed.pk]  # never via the note
    staff = _get(client, agent, "/api/ticketing/tickets/?search=boiler&status=closed")
    assert [t["id"] for t in staff["results"]] == [closed.pk]


def test_a_forged_relevance_cursor_is_refused(client: Client, agent: User) -> None:
    import base64

    forged = base64.urlsafe_b64encode(b"relevance~abc").decode().rstrip("=")
    response = client.get(
        f"/api/ticketing/tickets/?search=boiler&cursor={forged}",
        HTTP_AUTHORIZATION=f"Bearer {access_token_issue(agent)}",
    )
    assert response.status_code == 400
