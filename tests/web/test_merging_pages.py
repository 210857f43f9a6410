"""A ticket page's merge, split and link forms, the "Linked tickets" card, and the merged
ticket's page leading to its survivor."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.tickets import services
from frontdesk.tickets.merging import tickets_link, tickets_merge
from frontdesk.tickets.models import Message, Ticket, TicketLink
from tests.conftest import open_ticket
from tests.web.conftest import html, signed_in

pytestmark = pytest.mark.django_db


def browser(user: User, ticket: Ticket) -> Client:
    """A client that enforces CSRF as a browser's post would meet it, with the ticket page's
    token."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get(f"/ticket/{ticket.pk}")
    return client


def post(client: Client, path: str, data: dict[str, str]) -> Any:
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    return client.post(path, {"csrfmiddlewaretoken": token, **data})


def _toasts(client: Client, path: str) -> str:
    return html(client.get(path))


def test_merging_from_the_page_goes_to_the_survivor(agent: User, customer: User) -> None:
    target = open_ticket(customer, title="Target")
    source = open_ticket(customer, title="Source")
    client = browser(agent, source)
    page = html(client.get(f"/ticket/{source.pk}"))
    assert "Linked tickets" in page and f'action="/ticket/{source.pk}/merge"' in page
    response = post(client, f"/ticket/{source.pk}/merge", {"target": target.number})
    assert response.status_code == 302 and response["Location"] == f"/ticket/{target.pk}"
    shown = html(client.get(f"/ticket/{target.pk}"))
    assert f"{source.number} merged into {target.number}." in shown
    assert "merged into this ticket" in shown  # the card and the history
    assert Ticket.objects.get(pk=source.pk).merged_into_id == target.pk


def test_without_the_csrf_token_nothing_is_merged(agent: User, customer: User) -> None:
    target = open_ticket(customer)
    source = open_ticket(customer)
    client = browser(agent, source)
    response = client.post(f"/ticket/{source.pk}/merge", {"target": target.number})
    assert response.status_code == 403
    assert Ticket.objects.get(pk=source.pk).merged_into_id is None


def test_a_refused_merge_says_why_and_changes_nothing(agent: User, customer: User) -> None:
    source = open_ticket(customer)
    client = browser(agent, source)
    response = post(client, f"/ticket/{source.pk}/merge", {"target": "TKT-999999"})
    assert response.status_code == 302 and response["Location"] == f"/ticket/{source.pk}"
    assert "There is no ticket TKT-999999." in html(client.get(f"/ticket/{source.pk}"))
    assert Ticket.objects.get(pk=source.pk).merged_into_id is None


def test_customers_get_no_forms_and_cannot_post_them(customer: User, other_customer: User) -> None:
    one = open_ticket(customer)
    two = open_ticket(customer)
    client = browser(customer, one)
    page = html(client.get(f"/ticket/{one.pk}"))
    assert "Linked tickets" not in page and "/merge" not in page and "/split" not in page
    assert post(client, f"/ticket/{one.pk}/merge", {"target": two.number}).status_code == 403
    assert post(client, f"/ticket/{one.pk}/links", {"ticket": two.number}).status_code == 403
    stranger = browser(other_customer, open_ticket(other_customer))
    assert post(stranger, f"/ticket/{one.pk}/merge", {"target": two.number}).status_code == 403
    assert Ticket.objects.filter(merged_into__isnull=False).count() == 0


def test_a_merged_tickets_page_redirects_whoever_may_see_the_survivor(
    agent: User, customer: User, other_customer: User
) -> None:
    target = open_ticket(customer, title="Target")
    own = open_ticket(customer, title="Own")
    theirs = open_ticket(other_customer, title="Theirs")
    tickets_merge(actor=agent, source_id=own.pk, target=target.pk)
    tickets_merge(actor=agent, source_id=theirs.pk, target=target.pk)
    for user in (agent, customer):
        response = signed_in(user).get(f"/ticket/{own.pk}")
        assert response.status_code == 302 and response["Location"] == f"/ticket/{target.pk}"
    # The other customer cannot see the survivor: their ticket, closed, says it was merged.
    page = signed_in(other_customer).get(f"/ticket/{theirs.pk}")
    assert page.status_code == 200
    assert f"merged into {target.number}" in html(page)
    assert signed_in(other_customer).get(f"/ticket/{target.pk}").status_code == 404


def test_link_and_unlink_from_the_card(agent: User, customer: User) -> None:
    one = open_ticket(customer, title="Boiler")
    two = open_ticket(customer, title="Radiator")
    client = browser(agent, one)
    response = post(client, f"/ticket/{one.pk}/links", {"ticket": str(two.pk)})
    assert response.status_code == 302
    page = html(client.get(f"/ticket/{two.pk}"))
    assert f"Linked {one.number} and {two.number}." in page
    card = page[page.index('id="links-title"') :]
    assert re.search(rf'href="/ticket/{one.pk}">{one.number}</a> <span class="hint">related', card)
    assert "Boiler" in card
    again = post(client, f"/ticket/{one.pk}/links", {"ticket": two.number})
    assert again.status_code == 302
    assert "already linked" in html(client.get(f"/ticket/{one.pk}"))
    post(client, f"/ticket/{two.pk}/links/{one.pk}/remove", {})
    assert not TicketLink.objects.exists()
    assert "Link removed." in html(client.get(f"/ticket/{two.pk}"))


def test_split_from_a_messages_menu(agent: User, customer: User) -> None:
    ticket = open_ticket(customer, title="Heating")
    later = services.message_post(actor=customer, ticket_id=ticket.pk, body="And the invoice?")
    client = browser(agent, ticket)
    page = html(client.get(f"/ticket/{ticket.pk}"))
    first = Message.objects.filter(ticket=ticket).order_by("id").first()
    assert first is not None
    assert f'action="/message/{later.pk}/split"' in page
    assert f'action="/message/{first.pk}/split"' not in page  # not the ticket's first message
    response = post(client, f"/message/{later.pk}/split", {"title": "Invoice"})
    new = Ticket.objects.get(title="Invoice")
    assert response.status_code == 302 and response["Location"] == f"/ticket/{new.pk}"
    assert "split from" in html(client.get(f"/ticket/{new.pk}"))
    refused = post(client, f"/message/{first.pk}/split", {})
    assert refused["Location"] == f"/ticket/{ticket.pk}"
    customer_page = html(signed_in(customer).get(f"/ticket/{ticket.pk}"))
    assert "/split" not in customer_page


def test_the_history_says_what_happened(agent: User, customer: User) -> None:
    one = open_ticket(customer)
    two = open_ticket(customer)
    tickets_link(actor=agent, ticket_id=one.pk, other=two.pk)
    page = html(signed_in(agent).get(f"/ticket/{one.pk}"))
    assert f"linked this ticket to {two.number}" in page
