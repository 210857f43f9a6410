"""The live-update stream: who hears what, and that it never carries content."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.live.broker import LocalBroker, broker
from frontdesk.tickets import services
from frontdesk.tickets.models import Message, Status, Ticket

BODY = "The heating in studio 2 is broken again."


@pytest.fixture(autouse=True)
def _short_streams(settings: Any) -> None:
    settings.FRONTDESK_LIVE_STREAM_SECONDS = 1
    settings.FRONTDESK_LIVE_HEARTBEAT_SECONDS = 0.2


def listen(client: Client, user: User, ticket: Ticket | None = None) -> Iterator[bytes]:
    client.force_login(user)
    response = client.get("/live/events" + (f"?ticket={ticket.pk}" if ticket else ""))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    return iter(response.streaming_content)  # type: ignore[attr-defined]


def events_of(stream: Iterator[bytes]) -> list[dict[str, Any]]:
    """Every event until the (shortened) stream ends."""
    found = []
    for chunk in stream:
        text = chunk.decode()
        if text.startswith("event:"):
            found.append(json.loads(text.split("data: ", 1)[1]))
    return found


@pytest.fixture
def act(django_capture_on_commit_callbacks: Any) -> Callable[[Callable[[], object]], None]:
    def run(action: Callable[[], object]) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            action()

    return run


def test_customer_hears_public_changes_but_not_internal_notes(
    client: Client, customer: User, agent: User, ticket: Ticket, act: Any
) -> None:
    stream = listen(client, customer, ticket)
    act(
        lambda: services.message_post(
            actor=agent, ticket_id=ticket.pk, body="Secret note here", internal=True
        )
    )
    act(lambda: services.message_post(actor=agent, ticket_id=ticket.pk, body="We are on our way"))
    act(
        lambda: services.ticket_update(
            actor=agent, ticket_id=ticket.pk, changes={"priority": "urgent"}
        )
    )
    act(
        lambda: services.ticket_change_status(
            actor=agent, ticket_id=ticket.pk, status=Status.PENDING
        )
    )
    heard = events_of(stream)
    assert {e["channel"] for e in heard} == {f"ticket:{ticket.pk}"}  # one channel, no echoes
    assert [e["type"] for e in heard] == [
        "change",  # the first answer moves the ticket from new to open...
        "message",  # ...and is the public reply (the note and the priority are staff-only)
        "change",  # pending
        "message",  # the system message "marked as Pending"
    ]
    # Ids only, never content: a message's event names the message, to fetch it alone.
    assert all(
        set(e)
        == {"type", "ticket", "staff_only", "channel"}
        | ({"message", "author"} if e["type"] == "message" else set())
        | ({"author"} if e["type"] == "change" else set())
        for e in heard
    )
    assert "Secret note here" not in json.dumps(heard)


@pytest.mark.parametrize("on_ticket", [True, False], ids=["ticket page", "home page"])
def test_customer_hears_of_a_resolution_only_when_it_shows(
    client: Client, customer: User, agent: User, ticket: Ticket, act: Any, on_ticket: bool
) -> None:
    def resolution(**changes: object) -> None:
        act(lambda: services.ticket_update(actor=agent, ticket_id=ticket.pk, changes=changes))

    resolution(resolution="Reset the thermostat.", resolution_public=False)
    stream = listen(client, customer, ticket if on_ticket else None)
    resolution(resolution="Reset the thermostat; replaced its battery.")  # still staff-only
    assert events_of(stream) == []
    stream = listen(client, customer, ticket if on_ticket else None)
    resolution(resolution_public=True)  # now it appears on their page
    resolution(resolution_public=False)  # and disappears again
    heard = events_of(stream)
    assert [(e["type"], e["staff_only"]) for e in heard] == [("change", False)] * 2
    assert "thermostat" not in json.dumps(heard)


def test_agent_hears_everything_on_the_ticket(
    client: Client, agent: User, ticket: Ticket, act: Any
) -> None:
    stream = listen(client, agent, ticket)
    act(
        lambda: services.message_post(
            actor=agent, ticket_id=ticket.pk, body="Note for the team", internal=True
        )
    )
    channel = f"ticket:{ticket.pk}"
    note = Message.objects.get(body="Note for the team")
    assert events_of(stream) == [
        {
            "type": "message",
            "ticket": ticket.pk,
            "staff_only": True,
            "channel": channel,
            "message": note.pk,
            "author": agent.pk,
        }
    ]


def test_agents_workspace_hears_of_new_tickets(
    client: Client, customer: User, agent: User, act: Any
) -> None:
    stream = listen(client, agent)
    act(lambda: services.ticket_open(actor=customer, title="Another problem", body=BODY))
    assert [(e["type"], e["channel"]) for e in events_of(stream)] == [
        ("message", "staff"),  # the first message is written first...
        ("new-ticket", "staff"),  # ...then the history's "created" entry
    ]


def test_customer_home_hears_only_their_own_tickets(
    client: Client, customer: User, other_customer: User, act: Any
) -> None:
    stream = listen(client, other_customer)
    act(lambda: services.ticket_open(actor=customer, title="Not your ticket", body=BODY))
    act(lambda: services.ticket_open(actor=other_customer, title="Your own ticket", body=BODY))
    heard = events_of(stream)
    assert [e["channel"] for e in heard] == [f"user:{other_customer.pk}"] * 2  # ticket + message


def test_nothing_is_announced_for_a_rolled_back_change(
    client: Client, customer: User, ticket: Ticket, act: Any
) -> None:
    stream = listen(client, customer, ticket)
    with pytest.raises(Exception, match="already open"):
        act(
            lambda: services.ticket_change_status(
                actor=customer, ticket_id=ticket.pk, status=Status.REOPENED
            )
        )
    assert events_of(stream) == []


def test_cannot_listen_to_unknown_tickets(client: Client, customer: User) -> None:
    client.force_login(customer)
    assert client.get("/live/events?ticket=999999").status_code == 404


@pytest.mark.parametrize("ticket", ["abc", "99999999999999999999999", "²", "٣", "-1", "0"])
def test_a_ticket_that_is_no_id_is_a_bad_request(
    client: Client, customer: User, ticket: str
) -> None:
    client.force_login(customer)
    assert client.get("/live/events", {"ticket": ticket}).status_code == 400


def test_cannot_listen_to_someone_elses_ticket(
    client: Client, other_customer: User, ticket: Ticket
) -> None:
    client.force_login(other_customer)
    assert client.get(f"/live/events?ticket={ticket.pk}").status_code == 404


def test_anonymous_cannot_listen(client: Client) -> None:
    response = client.get("/live/events")
    assert response.status_code == 302 and response["Location"].startswith("/login")


def test_stream_closes_its_subscription(client: Client, customer: User) -> None:
    before = broker().listener_count
    stream = listen(client, customer)
    assert broker().listener_count == before + 1
    events_of(stream)
    assert broker().listener_count == before


def test_broker_delivers_by_channel() -> None:
    local = LocalBroker()
    one, both = local.subscribe(["a"]), local.subscribe(["a", "b"])
    local.publish("b", {"type": "x"})
    assert one.get(timeout=0.01) is None
    assert both.get(timeout=0.01) == {"type": "x", "channel": "b"}
    one.close()
    assert local.listener_count == 1


@pytest.mark.django_db(transaction=True)  # outside a test transaction, as served
def test_a_stream_gives_its_database_connection_back_before_streaming(
    client: Client, customer: User, ticket: Ticket
) -> None:
    """On every backend, SQLite included: an open page holds no connection (three open files
    on SQLite) for the minutes its stream lasts."""
    client.force_login(customer)
    response = client.get(f"/live/events?ticket={ticket.pk}")
    stream = iter(response.streaming_content)  # type: ignore[attr-defined]
    assert next(stream).startswith(b"retry:")
    assert connection.connection is None
    response.close()
