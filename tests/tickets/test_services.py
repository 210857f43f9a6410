"""Ticket use cases: rules, permissions (the fixed cast on every action) and concurrency."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from frontdesk.accounts.models import SYSTEM_USER_ID, User
from frontdesk.core.errors import Conflict, InvalidInput, NotAllowed, NotFound, NotVisible
from frontdesk.tickets import access, selectors, services
from frontdesk.tickets.models import Message, MessageKind, Status, Ticket, TicketEvent
from tests.conftest import open_ticket

BODY = "The fans in studio 1 are not working at all."


def bodies(ticket: Ticket) -> list[str]:
    return list(Message.objects.filter(ticket=ticket).order_by("id").values_list("body", flat=True))


# --- opening ------------------------------------------------------------------------------


def test_customer_opens_ticket_with_first_message(customer: User) -> None:
    opened = services.ticket_open(actor=customer, title="Fans not working", body=BODY)
    ticket = opened.ticket
    assert ticket.requester == customer and ticket.created_by == customer
    assert ticket.status == Status.NEW and ticket.assignee is None
    assert ticket.number == f"TKT-{ticket.pk:06d}"
    assert opened.message.body == BODY and opened.message.kind == MessageKind.PUBLIC
    assert TicketEvent.objects.filter(ticket=ticket, field="created").count() == 1


def test_agent_cannot_open_ticket_for_themselves(agent: User) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.ticket_open(actor=agent, title="Fans not working", body=BODY)
    assert refused.value.field == "requester"
    assert not Ticket.objects.exists()


def test_agent_opens_ticket_on_behalf_of_customer(agent: User, customer: User) -> None:
    ticket = services.ticket_open(
        actor=agent, title="Phoned about fans", body=BODY, requester=customer
    ).ticket
    assert ticket.requester == customer and ticket.created_by == agent


def test_agent_opens_ticket_for_a_caller_without_an_account(agent: User) -> None:
    opened = services.ticket_open_for_caller(
        actor=agent, name="María López", email="maria@example.org", title="Lost bottle", body=BODY
    )
    person = opened.ticket.requester
    assert (person.username, person.email) == ("MariaLopez", "maria@example.org")
    assert not person.has_usable_password() and opened.ticket.created_by == agent


@pytest.mark.parametrize(
    ("who", "title", "refusal"),
    [("agent", "", InvalidInput), ("customer", "Lost bottle", NotAllowed)],
)
def test_a_caller_whose_ticket_is_refused_gets_no_account(
    request: pytest.FixtureRequest, who: str, title: str, refusal: type[Exception]
) -> None:
    with pytest.raises(refusal):
        services.ticket_open_for_caller(
            actor=request.getfixturevalue(who),
            name="María López",
            email="maria@example.org",
            title=title,
            body=BODY,
        )
    assert not User.objects.filter(email="maria@example.org").exists()
    assert not Ticket.objects.exists()


def test_agent_naming_themselves_as_requester_is_told_why(agent: User) -> None:
    with pytest.raises(InvalidInput, match=r"Tickets can only be opened for a customer\."):
        services.ticket_open(actor=agent, title="Fans not working", body=BODY, requester=agent)


def test_agent_cannot_open_ticket_on_behalf_of_another_agent(
    agent: User, other_agent: User
) -> None:
    with pytest.raises(InvalidInput):
        services.ticket_open(
            actor=agent, title="Phoned about fans", body=BODY, requester=other_agent
        )


def test_customer_cannot_open_ticket_for_someone_else(customer: User, other_customer: User) -> None:
    with pytest.raises(NotAllowed):
        services.ticket_open(
            actor=customer, title="Fans not working", body=BODY, requester=other_customer
        )


@pytest.mark.parametrize(
    ("title", "body", "error"),
    [
        ("   ", BODY, "Give the ticket a title."),
        ("x" * 201, BODY, "A title can be at most 200 characters; this one has 201."),
        ("Fans\u202ebroken", BODY, "A title can't contain line breaks, control characters"),
        ("Fans\nbroken", BODY, "A title can't contain line breaks, control characters"),
        ("Fans not working", " \n\t ", "Write a message: it can't be empty."),
        (
            "Fans not working",
            "x" * 65_537,
            "A message can be at most 65,536 characters; this one has 65,537.",
        ),
        (
            "Fans not working",
            "bad \x00 byte here",
            "The message contains control characters that cannot be stored.",
        ),
    ],
)
def test_invalid_ticket_changes_nothing(customer: User, title: str, body: str, error: str) -> None:
    with pytest.raises(InvalidInput, match="^" + error.replace("(", r"\(").replace(")", r"\)")):
        services.ticket_open(actor=customer, title=title, body=body)
    assert not Ticket.objects.exists() and not Message.objects.exists()


# --- messages and commands ----------------------------------------------------------------


def test_customer_reply_into_closed_ticket_reopens_it_with_system_message_first(
    customer: User, agent: User
) -> None:
    ticket = open_ticket(customer)
    services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.CLOSED)
    services.message_post(actor=customer, ticket_id=ticket.pk, body="It is still broken today.")
    ticket.refresh_from_db()
    assert ticket.status == Status.REOPENED and ticket.closed_at is None
    assert bodies(ticket)[-2:] == [
        f"This ticket has been reopened by John (ID: {customer.pk}).",
        "It is still broken today.",
    ]


def test_commands_write_the_seed_system_messages(customer: User, agent: User) -> None:
    ticket = open_ticket(customer)
    claim = services.message_post(actor=agent, ticket_id=ticket.pk, body="!claim")
    close = services.message_post(actor=agent, ticket_id=ticket.pk, body="!close")
    reopen = services.message_post(actor=customer, ticket_id=ticket.pk, body="!open")
    assert [claim.body, close.body, reopen.body] == [
        f"This ticket has been claimed by Alice (ID: {agent.pk}).",
        f"This ticket has been closed by Alice (ID: {agent.pk}).",
        f"This ticket has been reopened by John (ID: {customer.pk}).",
    ]
    assert {claim.author_id, close.author_id, reopen.author_id} == {SYSTEM_USER_ID}
    assert {claim.kind, close.kind, reopen.kind} == {MessageKind.SYSTEM}


def test_claiming_a_closed_ticket_reopens_it(customer: User, agent: User) -> None:
    ticket = open_ticket(customer)
    services.message_post(actor=customer, ticket_id=ticket.pk, body="!close")
    message = services.ticket_claim(actor=agent, ticket_id=ticket.pk)
    ticket.refresh_from_db()
    assert message.body == f"This ticket has been claimed and reopened by Alice (ID: {agent.pk})."
    assert ticket.status == Status.REOPENED and ticket.assignee == agent


def test_first_agent_reply_sets_first_response_and_opens(customer: User, agent: User) -> None:
    ticket = open_ticket(customer)
    services.message_post(actor=customer, ticket_id=ticket.pk, body="Any news on this one?")
    ticket.refresh_from_db()
    assert ticket.first_response_at is None and ticket.status == Status.NEW
    services.message_post(actor=agent, ticket_id=ticket.pk, body="Looking into it right now.")
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None and ticket.status == Status.OPEN


def test_internal_note_is_staff_only_and_hidden_from_customer(customer: User, agent: User) -> None:
    ticket = open_ticket(customer)
    services.message_post(
        actor=agent, ticket_id=ticket.pk, body="Customer owes us money.", internal=True
    )
    with pytest.raises(NotAllowed):
        services.message_post(
            actor=customer, ticket_id=ticket.pk, body="Sneaky internal note", internal=True
        )
    seen_by_customer = selectors.conversation(user=customer, ticket=ticket)
    seen_by_agent = selectors.conversation(user=agent, ticket=ticket)
    assert "Customer owes us money." not in [m.body for m in seen_by_customer]
    assert "Customer owes us money." in [m.body for m in seen_by_agent]


def test_internal_note_does_not_reopen_or_count_as_response(customer: User, agent: User) -> None:
    ticket = open_ticket(customer)
    services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.CLOSED)
    services.message_post(actor=agent, ticket_id=ticket.pk, body="Note for later.", internal=True)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.first_response_at is None


def test_message_order_is_the_insert_order(customer: User, agent: User) -> None:
    ticket = open_ticket(customer)
    for n in range(5):
        services.message_post(actor=customer, ticket_id=ticket.pk, body=f"Message number {n}")
    assert bodies(ticket)[1:] == [f"Message number {n}" for n in range(5)]


# --- permission matrix --------------------------------------------------------------------

CAST = ["admin", "agent", "other_agent", "customer", "other_customer"]


@pytest.mark.parametrize(
    ("who", "may"),
    [
        ("admin", True),
        ("agent", True),
        ("other_agent", True),
        ("customer", True),
        ("other_customer", False),
    ],
)
def test_who_may_read_and_write_a_ticket(
    request: pytest.FixtureRequest, customer: User, who: str, may: bool
) -> None:
    ticket = open_ticket(customer)
    actor = request.getfixturevalue(who)
    if may:
        assert access.ticket_get(user=actor, ticket_id=ticket.pk) == ticket
        services.message_post(actor=actor, ticket_id=ticket.pk, body="A reply from someone.")
    else:
        with pytest.raises(NotVisible):
            access.ticket_get(user=actor, ticket_id=ticket.pk)
        with pytest.raises(NotVisible):
            services.message_post(actor=actor, ticket_id=ticket.pk, body="A reply from someone.")
        with pytest.raises(NotVisible):
            services.ticket_change_status(actor=actor, ticket_id=ticket.pk, status=Status.CLOSED)
        assert len(bodies(ticket)) == 1


@pytest.mark.parametrize(("who", "may"), [("admin", True), ("agent", True), ("customer", False)])
def test_who_may_claim_and_assign(
    request: pytest.FixtureRequest, customer: User, other_agent: User, who: str, may: bool
) -> None:
    ticket = open_ticket(customer)
    actor = request.getfixturevalue(who)
    if may:
        services.ticket_claim(actor=actor, ticket_id=ticket.pk)
        services.ticket_assign(actor=actor, ticket_id=ticket.pk, assignee_id=other_agent.pk)
        ticket.refresh_from_db()
        assert ticket.assignee == other_agent
    else:
        with pytest.raises(NotAllowed):
            services.ticket_claim(actor=actor, ticket_id=ticket.pk)
        with pytest.raises(NotAllowed):
            services.ticket_assign(actor=actor, ticket_id=ticket.pk, assignee_id=other_agent.pk)
        ticket.refresh_from_db()
        assert ticket.assignee is None


def test_claimable_queue_is_staff_only_oldest_first_and_excludes_closed(
    customer: User, agent: User
) -> None:
    first, second, third = (open_ticket(customer, f"Studio problem number {n}") for n in range(3))
    services.ticket_change_status(actor=agent, ticket_id=second.pk, status=Status.CLOSED)
    assert list(selectors.tickets_claimable(user=agent)) == [first, third]
    # SupportMe's rows of the same queue (compiled once): the same tickets, in the same order.
    rows = selectors.ticket_rows_claimable(user=agent)
    assert [(row.pk, row.title, row.status) for row in rows] == [
        (ticket.pk, ticket.title, ticket.status) for ticket in (first, third)
    ]
    with pytest.raises(NotAllowed):
        selectors.tickets_claimable(user=customer)
    with pytest.raises(NotAllowed):
        selectors.ticket_rows_claimable(user=customer)


def test_assign_only_to_agents(customer: User, agent: User, other_customer: User) -> None:
    ticket = open_ticket(customer)
    with pytest.raises(InvalidInput):
        services.ticket_assign(actor=agent, ticket_id=ticket.pk, assignee_id=other_customer.pk)


def test_unknown_ticket_is_not_found(agent: User) -> None:
    with pytest.raises(NotFound):
        services.message_post(actor=agent, ticket_id=424242, body="Hello there everyone")
    with pytest.raises(NotFound):
        access.ticket_get(user=agent, ticket_id=2**70)


# --- status workflow ----------------------------------------------------------------------


@pytest.mark.parametrize("target", [s for s in Status if s not in (Status.CLOSED, Status.REOPENED)])
def test_customer_may_only_close_and_reopen(customer: User, agent: User, target: str) -> None:
    # Never already at the target (that answers "already new"): the customer rule refuses it.
    ticket = open_ticket(
        customer, staff=agent, status=Status.OPEN if target == Status.NEW else None
    )
    with pytest.raises(NotAllowed, match="Customers can only close and reopen"):
        services.ticket_change_status(actor=customer, ticket_id=ticket.pk, status=target)
    assert Ticket.objects.get(pk=ticket.pk).status == ticket.status


def test_invalid_transitions_are_refused(customer: User, agent: User) -> None:
    ticket = open_ticket(customer)
    with pytest.raises(InvalidInput, match="already open"):
        services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.REOPENED)
    services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.CLOSED)
    with pytest.raises(InvalidInput, match="already closed"):
        services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.CLOSED)
    with pytest.raises(InvalidInput, match="cannot become"):
        services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.PENDING)
    with pytest.raises(InvalidInput, match="Unknown status"):
        services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status="lost")


def test_status_timestamps_and_history(customer: User, agent: User) -> None:
    ticket = open_ticket(customer)
    for status in (Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED, Status.REOPENED):
        services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=status)
        ticket.refresh_from_db()
        if status == Status.RESOLVED:
            assert ticket.resolved_at is not None and ticket.closed_at is None
        if status == Status.CLOSED:
            assert ticket.closed_at is not None and ticket.resolved_at is not None
    assert ticket.resolved_at is None and ticket.closed_at is None
    history = list(
        TicketEvent.objects.filter(ticket=ticket, field="status")
        .order_by("id")
        .values_list("old_value", "new_value")
    )
    assert history == [
        ("new", "in_progress"),
        ("in_progress", "resolved"),
        ("resolved", "closed"),
        ("closed", "reopened"),
    ]
    assert bodies(ticket)[-1] == f"This ticket has been reopened by Alice (ID: {agent.pk})."


# --- concurrency --------------------------------------------------------------------------


def _race(*calls: object) -> list[object]:
    """Run each callable in its own thread, released at the same moment."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int, call: object) -> None:
        try:
            barrier.wait()
            results[index] = call()  # type: ignore[operator]
        except Exception as exc:  # the result is the exception
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_two_agents_claiming_at_once_exactly_one_wins(
    customer: User, agent: User, other_agent: User, attempt: int
) -> None:
    ticket = open_ticket(customer)
    results = _race(
        lambda: services.ticket_claim(actor=agent, ticket_id=ticket.pk),
        lambda: services.ticket_claim(actor=other_agent, ticket_id=ticket.pk),
    )
    winners = [r for r in results if isinstance(r, Message)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    ticket.refresh_from_db()
    assert ticket.assignee_id in (agent.pk, other_agent.pk)
    assert losers[0].message.startswith("This ticket has already been claimed by ")
    assert Message.objects.filter(ticket=ticket, kind=MessageKind.SYSTEM).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_ticket_creation_gives_unique_numbers(customer: User) -> None:
    results = _race(
        *[lambda n=n: open_ticket(customer, f"Parallel ticket {n:02d}") for n in range(8)]
    )
    assert all(isinstance(r, services.Opened | Ticket) for r in results), results
    numbers = [t.number for t in Ticket.objects.all()]  # type: ignore[attr-defined]
    assert len(numbers) == 8 and len(set(numbers)) == 8


def test_changes_a_customer_cannot_see_do_not_move_updated_at(customer: User, agent: User) -> None:
    ticket = open_ticket(customer)
    seen = Ticket.objects.get(pk=ticket.pk).updated_at
    services.message_post(
        actor=agent, ticket_id=ticket.pk, body="Internal only note.", internal=True
    )
    services.ticket_update(actor=agent, ticket_id=ticket.pk, changes={"priority": "urgent"})
    after = Ticket.objects.get(pk=ticket.pk)
    assert after.updated_at == seen  # nothing the customer can see has changed
    assert after.last_activity_at > seen  # but the agents' view moved
    services.message_post(actor=agent, ticket_id=ticket.pk, body="A public answer now.")
    assert Ticket.objects.get(pk=ticket.pk).updated_at > seen
