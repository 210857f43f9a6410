"""Unread markers: what counts as new for whom, marking read, and lists that stay cheap."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frontdesk.accounts.models import User
from frontdesk.tickets import selectors, services
from frontdesk.tickets.models import Message, Status, Ticket, TicketRead
from tests.conftest import open_ticket
from tests.web.conftest import html, signed_in

pytestmark = pytest.mark.django_db


def unread(ticket: Ticket, user: User) -> bool:
    annotated = selectors.with_unread(Ticket.objects.filter(pk=ticket.pk), user).get()
    return bool(annotated.unread)


def test_own_messages_never_count(customer: User) -> None:
    ticket = open_ticket(customer)
    assert not unread(ticket, customer)
    services.message_post(actor=customer, ticket_id=ticket.pk, body="Any news on this?")
    assert not unread(ticket, customer)


def test_a_ticket_never_opened_is_unread_when_someone_else_wrote(
    customer: User, agent: User
) -> None:
    ticket = open_ticket(customer)
    assert unread(ticket, agent)
    services.ticket_mark_read(user=agent, ticket=ticket)
    assert not unread(ticket, agent)


def test_a_reply_after_reading_is_unread_until_read_again(customer: User, agent: User) -> None:
    ticket = open_ticket(customer)
    services.ticket_mark_read(user=customer, ticket=ticket)
    services.message_post(actor=agent, ticket_id=ticket.pk, body="On our way to fix it.")
    assert unread(ticket, customer)
    services.ticket_mark_read(user=customer, ticket=ticket)
    assert not unread(ticket, customer)


def test_internal_notes_never_count_for_customers(
    customer: User, agent: User, other_agent: User
) -> None:
    ticket = open_ticket(customer)
    for user in (customer, agent, other_agent):
        services.ticket_mark_read(user=user, ticket=ticket)
    services.message_post(
        actor=agent, ticket_id=ticket.pk, body="Internal: boiler is old.", internal=True
    )
    assert not unread(ticket, customer)
    assert unread(ticket, other_agent)  # a colleague's note is news to other agents
    assert not unread(ticket, agent)


def test_reading_marks_only_what_the_reader_may_see(customer: User, agent: User) -> None:
    ticket = open_ticket(customer)
    public = Message.objects.get(ticket=ticket)
    note = services.message_post(
        actor=agent, ticket_id=ticket.pk, body="Internal: boiler is old.", internal=True
    )
    services.ticket_mark_read(user=customer, ticket=ticket)
    services.ticket_mark_read(user=agent, ticket=ticket)
    reads = {read.user_id: read.last_read_message_id for read in TicketRead.objects.all()}
    assert reads == {customer.pk: public.pk, agent.pk: note.pk}


def test_system_messages_count(customer: User, agent: User) -> None:
    ticket = open_ticket(customer)
    services.ticket_mark_read(user=customer, ticket=ticket)
    services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.CLOSED)
    assert unread(ticket, customer)  # "This ticket has been closed by Alice"


def test_marking_read_never_moves_backwards(customer: User, agent: User) -> None:
    ticket = open_ticket(customer)
    services.message_post(actor=agent, ticket_id=ticket.pk, body="On our way to fix it.")
    services.ticket_mark_read(user=customer, ticket=ticket)
    reads = TicketRead.objects.filter(user=customer)
    newest = reads.get().last_read_message_id
    reads.update(last_read_message_id=newest + 1000)  # a later view got there first
    services.ticket_mark_read(user=customer, ticket=ticket)
    assert reads.get().last_read_message_id == newest + 1000
    assert reads.count() == 1


def test_the_ticket_page_marks_it_read(customer: User, agent: User) -> None:
    ticket = open_ticket(customer)
    services.message_post(actor=agent, ticket_id=ticket.pk, body="On our way to fix it.")
    client = signed_in(customer)
    home = html(client.get("/home"))
    assert '<span class="visually-hidden">New messages</span>' in home
    assert client.get(f"/ticket/{ticket.pk}").status_code == 200
    assert "New messages" not in html(client.get("/home"))


def _writes(queries: CaptureQueriesContext) -> list[str]:
    return [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))
        and "ticketread" in query["sql"].lower()
    ]


def test_a_page_shown_again_with_nothing_new_writes_no_marker(customer: User, agent: User) -> None:
    """Reading first: a view of a ticket read up to its newest message takes no write turn."""
    ticket = open_ticket(customer)
    services.message_post(actor=agent, ticket_id=ticket.pk, body="On our way to fix it.")
    with CaptureQueriesContext(connection) as first:
        services.ticket_mark_read(user=customer, ticket=ticket)
    with CaptureQueriesContext(connection) as again:
        services.ticket_mark_read(user=customer, ticket=ticket)
    assert len(_writes(first)) >= 1
    assert _writes(again) == []
    services.message_post(actor=agent, ticket_id=ticket.pk, body="Fixed, try it now.")
    with CaptureQueriesContext(connection) as newer:
        services.ticket_mark_read(user=customer, ticket=ticket)
    assert len(_writes(newer)) == 1  # the marker moves on, by its UPDATE
    newest = Message.objects.filter(ticket=ticket).latest("pk").pk
    assert TicketRead.objects.get(user=customer, ticket=ticket).last_read_message_id == newest


def test_a_page_the_user_may_not_see_marks_nothing(customer: User, other_customer: User) -> None:
    ticket = open_ticket(customer)
    assert signed_in(other_customer).get(f"/ticket/{ticket.pk}").status_code == 404
    assert not TicketRead.objects.exists()


def test_customer_home_shows_the_last_reply(customer: User, agent: User) -> None:
    ticket = open_ticket(customer)
    client = signed_in(customer)
    assert "Last reply from you" in html(client.get("/home"))
    services.message_post(actor=agent, ticket_id=ticket.pk, body="On our way to fix it.")
    services.message_post(
        actor=agent, ticket_id=ticket.pk, body="Internal: boiler is old.", internal=True
    )
    services.ticket_claim(actor=agent, ticket_id=ticket.pk)  # a system line is not a reply
    page = html(client.get("/home"))
    assert "Last reply from Alice <time" in page and "Last reply from you" not in page


# --- a fixed number of queries however long the list --------------------------------------


def _queries(action: object) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()  # type: ignore[operator]
    return len(captured)


@pytest.mark.parametrize("count", [3, 20])
def test_customer_home_queries_do_not_grow(
    customer: User,
    agent: User,
    count: int,
    django_assert_max_num_queries: object,
) -> None:
    tickets = [open_ticket(customer, f"Problem number {n}") for n in range(count)]
    for ticket in tickets[::2]:
        services.message_post(actor=agent, ticket_id=ticket.pk, body="On our way to fix it.")
    for ticket in tickets[::3]:
        services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.CLOSED)
    client = signed_in(customer)
    client.get("/home")  # the session is loaded and the user cached, as in real use
    # Session, user, the open list, the closed list, and the session's rolling save (3).
    with django_assert_max_num_queries(7):  # type: ignore[operator]
        page = html(client.get("/home"))
    assert page.count("New messages</span>") == len(tickets[::2] + tickets[::3]) - len(tickets[::6])


def test_list_annotations_are_one_query(customer: User, agent: User) -> None:
    few = [open_ticket(customer, f"Problem number {n}") for n in range(3)]
    small = _queries(lambda: list(selectors.with_unread(Ticket.objects.all(), agent)))
    more = [open_ticket(customer, f"Problem number {n}") for n in range(3, 20)]
    large = _queries(lambda: list(selectors.with_unread(Ticket.objects.all(), agent)))
    assert small == large == 1
    assert len(few) + len(more) == 20
    active = _queries(lambda: selectors.tickets_active_for(user=customer, reader=customer))
    done = _queries(lambda: selectors.tickets_done_for(user=customer, reader=customer))
    assert active == done == 1


def test_system_lines_from_your_own_action_do_not_count(customer: User, agent: User) -> None:
    ticket = open_ticket(customer)
    services.message_post(actor=customer, ticket_id=ticket.pk, body="!close")  # System writes
    assert not unread(ticket, customer)
    services.ticket_claim(actor=agent, ticket_id=ticket.pk)  # claimed and reopened: news
    assert unread(ticket, customer)
    assert not unread(ticket, agent)
