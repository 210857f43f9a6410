"""Merge, split and link (tickets/merging.py): every rule, for every member of the cast."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from frontdesk.accounts.models import User
from frontdesk.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from frontdesk.live.announce import ticket_channel
from frontdesk.live.broker import broker
from frontdesk.tickets import access, search, services
from frontdesk.tickets.merging import (
    message_split,
    ticket_links,
    ticket_redirect_for,
    ticket_survivor,
    tickets_link,
    tickets_merge,
    tickets_merged_into,
    tickets_unlink,
)
from frontdesk.tickets.models import (
    Message,
    MessageKind,
    Status,
    Ticket,
    TicketEvent,
    TicketLink,
    TicketRead,
)
from tests.conftest import Clock, open_ticket

pytestmark = pytest.mark.django_db


def _conversation(ticket: Ticket) -> list[tuple[str, str]]:
    return [(m.kind, m.body) for m in Message.objects.filter(ticket=ticket).order_by("id")]


def _events(ticket: Ticket, field: str) -> list[tuple[str, str]]:
    rows = TicketEvent.objects.filter(ticket=ticket, field=field).order_by("id")
    return [(e.old_value, e.new_value) for e in rows]


@pytest.fixture
def pair(customer: User, agent: User, clock: Clock) -> tuple[Ticket, Ticket]:
    """Two tickets of one customer whose conversations interleave in time."""
    target = open_ticket(customer, title="Heating", body="T1 heating broken")
    clock.advance(60)
    source = open_ticket(customer, title="Heating again", body="S1 still cold")
    clock.advance(60)
    services.message_post(actor=agent, ticket_id=target.pk, body="T2 we are on it")
    clock.advance(60)
    services.message_post(
        actor=customer,
        ticket_id=source.pk,
        body="S2 photo",
        files=[SimpleUploadedFile("radiator.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20, "image/png")],
    )
    services.message_post(actor=agent, ticket_id=source.pk, body="S3 note", internal=True)
    clock.advance(60)
    return source, target


# --- merge ----------------------------------------------------------------------------------


def test_merge_moves_the_conversation_in_the_order_it_was_written(
    pair: tuple[Ticket, Ticket], agent: User
) -> None:
    source, target = pair
    merged = tickets_merge(actor=agent, source_id=source.pk, target=target.number)
    assert merged.target.pk == target.pk and merged.moved == 3
    bodies = [body for _, body in _conversation(target)]
    assert bodies[:5] == [
        "T1 heating broken",
        "S1 still cold",
        "T2 we are on it",
        "S2 photo",
        "S3 note",
    ]
    assert f"{source.number} (Heating again) has been merged into this ticket" in bodies[5]
    # The files went with their message.
    photo = Message.objects.get(body="S2 photo")
    assert photo.ticket_id == target.pk and photo.attachments.get().original_name == "radiator.png"
    # The source keeps only what was said about the merge, is closed and points at the survivor.
    source.refresh_from_db()
    assert source.status == Status.CLOSED and source.closed_at is not None
    assert source.merged_into_id == target.pk
    assert _conversation(source) == [
        (
            MessageKind.SYSTEM,
            f"This ticket has been merged into {target.number} by Alice (ID: {agent.pk}).",
        )
    ]
    # History on both, the ticket's own history (its creation) stays with it.
    assert _events(source, TicketEvent.Field.MERGED) == [("", target.number)]
    assert _events(target, TicketEvent.Field.MERGED) == [(source.number, target.number)]
    assert _events(source, TicketEvent.Field.CREATED) == [("", source.number)]
    assert _events(source, TicketEvent.Field.STATUS)[-1][1] == Status.CLOSED
    target.refresh_from_db()
    assert target.status != Status.CLOSED and target.merged_into_id is None
    assert [t.pk for t in tickets_merged_into(user=agent, ticket=target)] == [source.pk]


def test_the_survivors_requester_reads_the_moved_public_messages_not_the_note(
    pair: tuple[Ticket, Ticket], agent: User, customer: User
) -> None:
    source, target = pair
    tickets_merge(actor=agent, source_id=source.pk, target=target.pk)
    seen = [m.body for m in access.messages_on(customer, target)]
    assert "S2 photo" in seen and "S3 note" not in seen


def test_merged_messages_are_found_in_the_survivor(
    pair: tuple[Ticket, Ticket], agent: User
) -> None:
    source, target = pair
    tickets_merge(actor=agent, source_id=source.pk, target=target.pk)
    found = search.ticket_ids_matching(query="photo", include_internal=True, limit=10)
    assert found == [target.pk]
    notes = search.ticket_ids_matching(query="note", include_internal=False, limit=10)
    assert notes == []


def test_merge_announces_on_both_tickets(
    pair: tuple[Ticket, Ticket], agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    source, target = pair
    heard = broker().subscribe({ticket_channel(source.pk), ticket_channel(target.pk)})
    try:
        with django_capture_on_commit_callbacks(execute=True):
            tickets_merge(actor=agent, source_id=source.pk, target=target.pk)
        events = []
        while (event := heard.get(timeout=0)) is not None:
            events.append(event)
    finally:
        heard.close()
    assert {e["ticket"] for e in events} == {source.pk, target.pk}
    assert {e["type"] for e in events} == {"change", "message"}


@pytest.mark.parametrize("who", ["customer", "other_customer"])
def test_customers_cannot_merge(
    pair: tuple[Ticket, Ticket], who: str, request: pytest.FixtureRequest
) -> None:
    source, target = pair
    with pytest.raises(NotAllowed):
        tickets_merge(actor=request.getfixturevalue(who), source_id=source.pk, target=target.pk)
    assert Ticket.objects.get(pk=source.pk).merged_into_id is None


def test_an_inactive_agent_cannot_merge(pair: tuple[Ticket, Ticket], other_agent: User) -> None:
    source, target = pair
    User.objects.filter(pk=other_agent.pk).update(is_active=False)
    other_agent.refresh_from_db()
    with pytest.raises(NotAllowed):
        tickets_merge(actor=other_agent, source_id=source.pk, target=target.pk)


@pytest.mark.parametrize("who", ["agent", "other_agent", "admin"])
def test_every_staff_member_may_merge(
    pair: tuple[Ticket, Ticket], who: str, request: pytest.FixtureRequest
) -> None:
    source, target = pair
    tickets_merge(actor=request.getfixturevalue(who), source_id=source.pk, target=target.pk)
    assert Ticket.objects.get(pk=source.pk).merged_into_id == target.pk


def test_refusals_change_nothing(pair: tuple[Ticket, Ticket], agent: User) -> None:
    source, target = pair
    before = _conversation(source), _conversation(target)
    with pytest.raises(InvalidInput, match="into itself") as into_itself:
        tickets_merge(actor=agent, source_id=source.pk, target=source.number)
    assert into_itself.value.field == "target"
    with pytest.raises(InvalidInput, match="There is no ticket TKT-999999"):
        tickets_merge(actor=agent, source_id=source.pk, target="TKT-999999")
    for bad in ("", "twelve", "TKT-", "²", True, -3, "TKT-0"):
        with pytest.raises(InvalidInput):
            tickets_merge(actor=agent, source_id=source.pk, target=bad)
    with pytest.raises(NotFound):
        tickets_merge(actor=agent, source_id=999_999, target=target.pk)
    assert (_conversation(source), _conversation(target)) == before
    assert not TicketEvent.objects.filter(field=TicketEvent.Field.MERGED).exists()


def test_not_twice_and_not_into_a_merged_ticket(
    pair: tuple[Ticket, Ticket], agent: User, customer: User
) -> None:
    source, target = pair
    third = open_ticket(customer, title="Third")
    tickets_merge(actor=agent, source_id=source.pk, target=target.pk)
    with pytest.raises(Conflict, match="already been merged"):
        tickets_merge(actor=agent, source_id=source.pk, target=third.pk)
    with pytest.raises(InvalidInput, match="merge into that one instead"):
        tickets_merge(actor=agent, source_id=third.pk, target=source.pk)
    # A chain: the survivor itself merged further; the first one leads to the last.
    tickets_merge(actor=agent, source_id=target.pk, target=third.pk)
    assert ticket_survivor(Ticket.objects.get(pk=source.pk)).pk == third.pk


def test_tickets_of_two_customers_may_be_merged_with_a_note_of_whose(
    agent: User, customer: User, other_customer: User
) -> None:
    target = open_ticket(customer, title="Wifi down")
    source = open_ticket(other_customer, title="Wifi down too")
    tickets_merge(actor=agent, source_id=source.pk, target=target.pk)
    target.refresh_from_db()
    assert target.requester_id == customer.pk
    note = Message.objects.filter(ticket=target, kind=MessageKind.INTERNAL).get()
    assert "requested by Jane (jane@example.com)" in note.body
    # The merged ticket's requester keeps seeing their (closed) ticket, and is not sent on.
    merged = Ticket.objects.get(pk=source.pk)
    assert ticket_redirect_for(user=other_customer, ticket=merged) is None
    assert ticket_redirect_for(user=agent, ticket=merged) == target.pk
    assert ticket_redirect_for(user=customer, ticket=target) is None


def test_the_requester_is_told_the_merged_ticket_closed(
    pair: tuple[Ticket, Ticket], agent: User
) -> None:
    from frontdesk.notifications.models import OutboxMail

    source, target = pair
    before = OutboxMail.objects.count()
    tickets_merge(actor=agent, source_id=source.pk, target=target.pk)
    told = OutboxMail.objects.filter(ticket_id=source.pk).order_by("-id").first()
    assert OutboxMail.objects.count() > before and told is not None


def test_read_markers_keep_their_place(pair: tuple[Ticket, Ticket], agent: User) -> None:
    source, target = pair
    marker = TicketRead.objects.get(user=agent, ticket=target).last_read_message_id
    tickets_merge(actor=agent, source_id=source.pk, target=target.pk)
    # The merging agent has read the survivor to its newest message, which they wrote.
    newest = Message.objects.filter(ticket=target).order_by("-id").first()
    assert newest is not None
    assert (
        TicketRead.objects.get(user=agent, ticket=target).last_read_message_id == newest.pk > marker
    )


@pytest.mark.django_db(transaction=True)
def test_two_crossing_merges_end_with_one_merge(
    customer: User, agent: User, other_agent: User
) -> None:
    a = open_ticket(customer, title="A")
    b = open_ticket(customer, title="B")
    outcomes: list[object] = []
    barrier = threading.Barrier(2)

    def run(actor: User, source: Ticket, target: Ticket) -> None:
        barrier.wait()
        try:
            tickets_merge(actor=actor, source_id=source.pk, target=target.pk)
            outcomes.append("merged")
        except (Conflict, InvalidInput) as exc:
            outcomes.append(type(exc).__name__)
        except Exception as exc:  # SQLite's writers queue, PostgreSQL's locks: no other outcome
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(agent, a, b)),
        threading.Thread(target=run, args=(other_agent, b, a)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["InvalidInput", "merged"] or sorted(outcomes) == [
        "Conflict",
        "merged",
    ]
    merged = Ticket.objects.filter(merged_into__isnull=False)
    assert merged.count() == 1


# --- split ----------------------------------------------------------------------------------


def test_split_makes_a_public_message_a_new_ticket(
    agent: User, customer: User, clock: Clock
) -> None:
    ticket = open_ticket(customer, title="Heating", body="Heating broken")
    services.message_post(actor=agent, ticket_id=ticket.pk, body="On it")
    question = services.message_post(actor=customer, ticket_id=ticket.pk, body="Also: my invoice?")
    new = message_split(actor=agent, message_id=question.pk)
    assert new.title == "Heating (split)" and new.requester_id == customer.pk
    assert _conversation(new)[0] == (MessageKind.PUBLIC, "Also: my invoice?")
    assert "split from " + ticket.number in _conversation(new)[1][1]
    assert "Also: my invoice?" not in [body for _, body in _conversation(ticket)]
    assert f"moved to a new ticket, {new.number}" in _conversation(ticket)[-1][1]
    assert _events(ticket, TicketEvent.Field.SPLIT) == [("", new.number)]
    assert _events(new, TicketEvent.Field.SPLIT) == [(ticket.number, new.number)]
    assert _events(new, TicketEvent.Field.CREATED) == [("", new.number)]
    assert [
        (linked.ticket.pk, linked.how) for linked in ticket_links(user=agent, ticket=ticket)
    ] == [(new.pk, "split into")]
    assert [(linked.ticket.pk, linked.how) for linked in ticket_links(user=agent, ticket=new)] == [
        (ticket.pk, "split from")
    ]
    named = message_split(
        actor=agent,
        message_id=services.message_post(actor=customer, ticket_id=ticket.pk, body="Third").pk,
        title="  Invoice question ",
    )
    assert named.title == "Invoice question"


def test_split_refusals(agent: User, customer: User, other_customer: User) -> None:
    ticket = open_ticket(customer, title="Heating", body="First")
    first = Message.objects.get(ticket=ticket)
    note = services.message_post(actor=agent, ticket_id=ticket.pk, body="Note", internal=True)
    system = services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status="pending")
    reply = services.message_post(actor=customer, ticket_id=ticket.pk, body="Later")
    with pytest.raises(InvalidInput, match="first message"):
        message_split(actor=agent, message_id=first.pk)
    for message in (note, system):
        with pytest.raises(InvalidInput, match="Only a public message"):
            message_split(actor=agent, message_id=message.pk)
    with pytest.raises(NotAllowed):
        message_split(actor=customer, message_id=reply.pk)
    with pytest.raises(NotAllowed):
        message_split(actor=other_customer, message_id=reply.pk)
    with pytest.raises(NotFound):
        message_split(actor=agent, message_id=999_999)
    with pytest.raises(InvalidInput, match="at most 200"):
        message_split(actor=agent, message_id=reply.pk, title="x" * 201)
    assert Ticket.objects.count() == 1 and reply.ticket_id == ticket.pk


# --- link -----------------------------------------------------------------------------------


def test_link_and_unlink_show_on_both_with_history(agent: User, customer: User) -> None:
    one = open_ticket(customer, title="One")
    two = open_ticket(customer, title="Two")
    link = tickets_link(actor=agent, ticket_id=two.pk, other=one.number)
    assert (link.ticket_id, link.other_id) == (one.pk, two.pk)  # stored older first
    assert [x.ticket.pk for x in ticket_links(user=agent, ticket=one)] == [two.pk]
    assert [x.how for x in ticket_links(user=agent, ticket=two)] == ["related"]
    assert _events(one, TicketEvent.Field.LINKS) == [("", two.number)]
    assert _events(two, TicketEvent.Field.LINKS) == [("", one.number)]
    assert TicketEvent.objects.filter(field=TicketEvent.Field.LINKS, staff_only=False).count() == 0
    # Customers never see links, not even between two tickets of their own.
    assert ticket_links(user=customer, ticket=one) == []
    with pytest.raises(Conflict, match="already linked"):
        tickets_link(actor=agent, ticket_id=one.pk, other=two.pk)
    with pytest.raises(InvalidInput, match="itself"):
        tickets_link(actor=agent, ticket_id=one.pk, other=one.pk)
    with pytest.raises(InvalidInput, match="There is no ticket"):
        tickets_link(actor=agent, ticket_id=one.pk, other=987_654)
    with pytest.raises(NotAllowed):
        tickets_link(actor=customer, ticket_id=one.pk, other=two.pk)
    with pytest.raises(NotAllowed):
        tickets_unlink(actor=customer, ticket_id=one.pk, other=two.pk)
    tickets_unlink(actor=agent, ticket_id=one.pk, other=two.pk)
    assert not TicketLink.objects.exists()
    assert _events(two, TicketEvent.Field.LINKS)[-1] == (one.number, "")
    with pytest.raises(NotFound, match="not linked"):
        tickets_unlink(actor=agent, ticket_id=one.pk, other=two.pk)


def test_a_merge_is_a_link_that_stays(agent: User, customer: User) -> None:
    one = open_ticket(customer, title="One")
    two = open_ticket(customer, title="Two")
    tickets_link(actor=agent, ticket_id=one.pk, other=two.pk)
    tickets_merge(actor=agent, source_id=two.pk, target=one.pk)
    link = TicketLink.objects.get()  # the related link turned into the merge's
    assert link.kind == TicketLink.Kind.MERGED
    assert [(x.ticket.pk, x.how, x.removable) for x in ticket_links(user=agent, ticket=one)] == [
        (two.pk, "merged into this ticket", False)
    ]
    assert [x.how for x in ticket_links(user=agent, ticket=Ticket.objects.get(pk=two.pk))] == [
        "merged into"
    ]
    with pytest.raises(InvalidInput, match="cannot be undone"):
        tickets_unlink(actor=agent, ticket_id=one.pk, other=two.pk)
    assert TicketLink.objects.count() == 1


# --- the demo -------------------------------------------------------------------------------


def test_the_demo_merges_links_and_splits_a_few_tickets() -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("demo", "--tickets", "60", stdout=out, stderr=StringIO())
    assert "Merged 3 tickets, linked 3 pairs and split 1 message." in out.getvalue()
    merged = Ticket.objects.filter(merged_into__isnull=False)
    assert merged.count() == 3 and all(t.status == Status.CLOSED for t in merged)
    assert all(t.requester_id == t.merged_into.requester_id for t in merged)  # type: ignore[union-attr]
    kinds = sorted(TicketLink.objects.values_list("kind", flat=True))
    assert kinds == ["merged"] * 3 + ["related"] * 3 + ["split"]
    again = StringIO()
    call_command("demo", "--tickets", "5", stdout=again, stderr=StringIO())
    assert "already there" in again.getvalue() and TicketLink.objects.count() == 7


def test_a_merged_ticket_stays_closed(
    pair: tuple[Ticket, Ticket], agent: User, customer: User
) -> None:
    source, target = pair
    tickets_merge(actor=agent, source_id=source.pk, target=target.pk)
    attempts = [
        lambda: services.message_post(actor=customer, ticket_id=source.pk, body="Hello?"),
        lambda: services.message_post(actor=agent, ticket_id=source.pk, body="Note", internal=True),
        lambda: services.message_post(actor=customer, ticket_id=source.pk, body="!open"),
        lambda: services.ticket_change_status(actor=agent, ticket_id=source.pk, status="reopened"),
        lambda: services.ticket_claim(actor=agent, ticket_id=source.pk),
    ]
    for attempt in attempts:
        with pytest.raises(Conflict, match=f"merged into {target.number}; continue there"):
            attempt()
    source.refresh_from_db()
    assert source.status == Status.CLOSED and len(_conversation(source)) == 1
