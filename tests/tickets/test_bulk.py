"""Changes to many tickets at once (tickets/bulk.py): each ticket through the ticket services,
in its own savepoint, so one refusal leaves the others changed, with history and live events
exactly as for single changes."""

from __future__ import annotations

from typing import Any

import pytest

from frontdesk.accounts.models import User
from frontdesk.core.errors import InvalidInput, NotAllowed
from frontdesk.live.announce import STAFF_CHANNEL, user_channel
from frontdesk.live.broker import broker
from frontdesk.tickets import access, services
from frontdesk.tickets.bulk import BULK_LIMIT, Refusal, tickets_bulk_change
from frontdesk.tickets.models import Message, Priority, Status, Ticket, TicketEvent
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(customer: User) -> list[Ticket]:
    return [open_ticket(customer, f"Studio issue {n}") for n in range(3)]


def _events(ticket: Ticket, field: str) -> list[tuple[str, str]]:
    return list(
        TicketEvent.objects.filter(ticket=ticket, field=field).values_list("old_value", "new_value")
    )


def test_every_ticket_changes_with_its_history(
    three: list[Ticket], agent: User, other_agent: User
) -> None:
    summary = tickets_bulk_change(
        actor=agent,
        ticket_ids=[t.pk for t in three],
        changes={
            "assignee": other_agent.pk,
            "priority": Priority.HIGH,
            "category": "billing",
            "add_tag": " Front  Desk ",
        },
    )
    assert summary.changed == [t.pk for t in three]
    assert summary.unchanged == [] and summary.refused == []
    for ticket in three:
        ticket.refresh_from_db()
        assert (ticket.assignee_id, ticket.priority, ticket.category) == (
            other_agent.pk,
            "high",
            "billing",
        )
        assert ticket.status == Status.OPEN  # assigning takes a new ticket into work
        assert list(ticket.tags.values_list("name", flat=True)) == ["front desk"]
        assert _events(ticket, "priority") == [("medium", "high")]
        assert _events(ticket, "assignee") == [("", str(other_agent.pk))]
        assert _events(ticket, "tags") == [("", "front desk")]
        assert Message.objects.filter(ticket=ticket, body__contains="assigned").exists()


def test_tags_are_added_and_removed_one_at_a_time(customer: User, agent: User) -> None:
    tagged = open_ticket(customer, "Tagged ticket", staff=agent, tags=["mirror", "vip"])
    plain = open_ticket(customer, "Plain ticket")
    summary = tickets_bulk_change(
        actor=agent, ticket_ids=[tagged.pk, plain.pk], changes={"remove_tag": "VIP"}
    )
    assert (summary.changed, summary.unchanged) == ([tagged.pk], [plain.pk])
    assert list(tagged.tags.values_list("name", flat=True)) == ["mirror"]
    assert _events(tagged, "tags")[-1] == ("mirror, vip", "mirror")
    assert not TicketEvent.objects.filter(ticket=plain, field="tags").exists()


def test_one_refusal_leaves_the_others_changed(
    three: list[Ticket], agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    done = three[1]
    services.ticket_change_status(actor=agent, ticket_id=done.pk, status=Status.CLOSED)
    staff = broker().subscribe({STAFF_CHANNEL})
    try:
        with django_capture_on_commit_callbacks(execute=True):
            summary = tickets_bulk_change(
                actor=agent,
                ticket_ids=[three[0].pk, done.pk, 987654, three[2].pk, three[0].pk],
                changes={"status": Status.PENDING, "priority": Priority.URGENT},
            )
        heard = []
        while (event := staff.get(timeout=0)) is not None:
            heard.append(event["ticket"])
    finally:
        staff.close()
    assert summary.changed == [three[0].pk, three[2].pk]
    assert summary.refused == [
        Refusal(done.pk, "A ticket that is closed cannot become pending."),
        Refusal(987654, access.TICKET_NOT_FOUND),
    ]
    # The refused ticket kept everything, its priority too (its savepoint rolled back).
    done.refresh_from_db()
    assert (done.status, done.priority) == (Status.CLOSED, Priority.MEDIUM)
    assert not TicketEvent.objects.filter(ticket=done, field="priority").exists()
    # Live events for the changed tickets only, after the commit.
    assert set(heard) == {three[0].pk, three[2].pk}
    assert heard.count(three[0].pk) >= 2  # priority and status, each as a single change


def test_the_requester_hears_only_what_they_may_see(
    three: list[Ticket], agent: User, customer: User, django_capture_on_commit_callbacks: Any
) -> None:
    own = broker().subscribe({user_channel(customer.pk)})
    try:
        with django_capture_on_commit_callbacks(execute=True):
            tickets_bulk_change(
                actor=agent, ticket_ids=[three[0].pk], changes={"priority": Priority.HIGH}
            )
        assert own.get(timeout=0) is None  # a priority is staff-only
        with django_capture_on_commit_callbacks(execute=True):
            tickets_bulk_change(actor=agent, ticket_ids=[three[0].pk], changes={"status": "closed"})
        assert own.get(timeout=0) is not None
    finally:
        own.close()


def test_nothing_to_do_is_said(three: list[Ticket], agent: User) -> None:
    summary = tickets_bulk_change(
        actor=agent, ticket_ids=[three[0].pk], changes={"priority": Priority.MEDIUM}
    )
    assert (summary.changed, summary.unchanged) == ([], [three[0].pk])
    assert not TicketEvent.objects.filter(field="priority").exists()


@pytest.mark.parametrize(
    ("ids", "changes", "field", "words"),
    [
        ([], {"priority": "high"}, "tickets", "at least one"),
        (list(range(1, BULK_LIMIT + 2)), {"priority": "high"}, "tickets", f"at most {BULK_LIMIT}"),
        (["1"], {"priority": "high"}, "tickets", "ids"),
        ([True], {"priority": "high"}, "tickets", "ids"),
        ([1], {}, "changes", "Choose a change"),
        ([1], {"title": "New"}, "title", "no bulk change"),
        ([1], {"priority": "extreme"}, "priority", "Unknown priority"),
        ([1], {"status": "sleeping"}, "status", "Unknown status"),
        ([1], {"assignee": "Bob"}, "assignee", "by id"),
        ([1], {"add_tag": "no/slashes"}, "add_tag", "not valid"),
        ([1], {"add_tag": "  "}, "add_tag", "one tag"),
        ([1], {"add_tag": "vip", "remove_tag": "VIP"}, "remove_tag", "not both"),
    ],
)
def test_the_request_itself_is_checked_first(
    three: list[Ticket],
    agent: User,
    ids: list[Any],
    changes: dict[str, Any],
    field: str,
    words: str,
) -> None:
    with pytest.raises(InvalidInput, match=words) as refused:
        tickets_bulk_change(actor=agent, ticket_ids=ids, changes=changes)
    assert refused.value.field == field
    assert not TicketEvent.objects.exclude(field="created").exists()


def test_an_unknown_agent_is_refused_per_ticket(three: list[Ticket], agent: User) -> None:
    summary = tickets_bulk_change(
        actor=agent, ticket_ids=[three[0].pk], changes={"assignee": 987654}
    )
    assert summary.refused == [Refusal(three[0].pk, "Choose an agent from the list.")]


def test_customers_change_nothing_in_bulk(three: list[Ticket], customer: User) -> None:
    with pytest.raises(NotAllowed):
        tickets_bulk_change(actor=customer, ticket_ids=[three[0].pk], changes={"status": "closed"})
    assert Ticket.objects.filter(status=Status.CLOSED).count() == 0
