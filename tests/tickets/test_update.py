"""ticket_update: an agent changes a ticket's details; every change is in the history."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from frontdesk.accounts.models import User
from frontdesk.core.errors import InvalidInput, NotAllowed, NotFound
from frontdesk.tickets import services
from frontdesk.tickets.models import Ticket, TicketEvent
from tests.conftest import open_ticket

DUE = datetime(2027, 1, 15, 17, 0, tzinfo=UTC)


def history(ticket: Ticket) -> list[tuple[str, str, str]]:
    return list(
        TicketEvent.objects.filter(ticket=ticket)
        .exclude(field="created")
        .order_by("id")
        .values_list("field", "old_value", "new_value")
    )


def test_agent_changes_details_and_each_change_is_recorded(agent: User, ticket: Ticket) -> None:
    services.ticket_update(
        actor=agent,
        ticket_id=ticket.pk,
        changes={
            "priority": "urgent",
            "category": "technical",
            "tags": ["Heating", "studio 2", "heating"],
            "due_at": DUE,
            "estimated_hours": "1.5",
            "title": "Heating broken in studio 2",
        },
    )
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.category, ticket.title) == (
        "urgent",
        "technical",
        "Heating broken in studio 2",
    )
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["heating", "studio 2"]
    assert ticket.due_at == DUE and ticket.estimated_hours == Decimal("1.50")
    assert history(ticket) == [
        ("priority", "medium", "urgent"),
        ("category", "general", "technical"),
        ("tags", "", "heating, studio 2"),
        ("due_at", "", str(DUE)),
        ("estimated_hours", "", "1.50"),
        ("title", "Heating not working", "Heating broken in studio 2"),
    ]


def test_unchanged_values_record_nothing(agent: User, ticket: Ticket) -> None:
    services.ticket_update(actor=agent, ticket_id=ticket.pk, changes={"priority": "medium"})
    assert history(ticket) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"priority": "whenever"}, "Unknown priority 'whenever'"),
        ({"category": 3}, "Unknown category 3"),
        ({"tags": "heating"}, "Tags must be a list of words."),
        ({"tags": ["<script>"]}, "Tag '<script>' is not valid"),
        ({"tags": [f"tag{n}" for n in range(21)]}, "at most 20 tags"),
        ({"due_at": datetime(2027, 1, 15)}, "with a time zone"),
        ({"estimated_hours": "-1"}, "Hours must be a number"),
        ({"actual_hours": "NaN"}, "Hours must be a number"),
        ({"title": "Bad\u2066title"}, "A title can't contain line breaks"),
        ({"title": " "}, "Give the ticket a title."),
        ({"status": "sleeping"}, "Unknown status 'sleeping'"),
        ({"assignee": 99999}, "Choose an agent from the list."),
        ({"assignee": "3"}, "Choose an agent by id."),
        ({"assignee": 3, "requester": 4}, "These fields cannot be changed this way: requester."),
        ({"priority": "high", "tags": "oops"}, "Tags must be a list"),
    ],
)
def test_invalid_changes_are_refused_and_change_nothing(
    agent: User, ticket: Ticket, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace("?", r"\?")):
        services.ticket_update(actor=agent, ticket_id=ticket.pk, changes=changes)
    ticket.refresh_from_db()
    assert ticket.priority == "medium" and not ticket.tags.exists() and history(ticket) == []


@pytest.mark.parametrize(
    ("who", "refusal"), [("customer", NotAllowed), ("other_customer", NotFound)]
)
def test_customers_cannot_change_details(
    request: pytest.FixtureRequest, ticket: Ticket, who: str, refusal: type[Exception]
) -> None:
    with pytest.raises(refusal):
        services.ticket_update(
            actor=request.getfixturevalue(who), ticket_id=ticket.pk, changes={"priority": "high"}
        )
    ticket.refresh_from_db()
    assert ticket.priority == "medium"


def test_tags_are_shared_between_tickets(agent: User, customer: User, ticket: Ticket) -> None:
    other = open_ticket(customer, "Heating again", "Cold again today")
    for t in (ticket, other):
        services.ticket_update(actor=agent, ticket_id=t.pk, changes={"tags": ["heating"]})
    services.ticket_update(actor=agent, ticket_id=ticket.pk, changes={"tags": []})
    assert list(other.tags.values_list("name", flat=True)) == ["heating"]
    assert history(ticket)[-1] == ("tags", "heating", "")


def test_assigning_and_opening_together_is_one_change(
    agent: User, other_agent: User, ticket: Ticket
) -> None:
    """Assigning takes a new ticket to Open: asking for Open as well is not a second move."""
    services.ticket_update(
        actor=agent, ticket_id=ticket.pk, changes={"assignee": other_agent.pk, "status": "open"}
    )
    ticket.refresh_from_db()
    assert (ticket.assignee_id, ticket.status) == (other_agent.pk, "open")
    assert [row[0] for row in history(ticket)] == ["assignee", "status"]
