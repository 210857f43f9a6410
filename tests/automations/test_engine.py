"""Rules in the worker: each event runs its rules in order through the ticket use cases (a
history row by System, the run logged); refused actions are logged and the rest still run;
the loop guard; rules on passing time fire once per window."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from frontdesk.accounts.models import SYSTEM_USER_ID, User
from frontdesk.automations import engine
from frontdesk.automations.models import Event, Rule, RuleRun
from frontdesk.automations.services import rule_create
from frontdesk.notifications import kinds
from frontdesk.notifications.models import OutboxMail
from frontdesk.replies.services import saved_reply_create
from frontdesk.sla.policies import sla_policy_create
from frontdesk.sla.services import sla_check
from frontdesk.tickets import services
from frontdesk.tickets.models import (
    Category,
    Message,
    MessageKind,
    Priority,
    Status,
    Ticket,
    TicketEvent,
)
from tests.conftest import Clock, open_ticket

pytestmark = pytest.mark.django_db

START = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
HOUR = 3600


def rule(admin: User, event: str, conditions: list[Any], actions: list[Any], **more: Any) -> Rule:
    more.setdefault("name", f"Rule {Rule.objects.count() + 1}")
    return rule_create(
        actor=admin,
        values={
            "event": event,
            "conditions": conditions,
            "actions": actions,
            "active": True,
            **more,
        },
    )


def billing(admin: User) -> Rule:
    return rule(
        admin,
        Event.TICKET_CREATED,
        [{"field": "title", "operator": "contains", "value": "invoice"}],
        [
            {"action": "set_category", "value": "billing"},
            {"action": "set_priority", "value": "high"},
        ],
        name="Billing mails",
    )


def test_a_rule_sets_fields_through_the_use_cases_as_system(admin: User, customer: User) -> None:
    billing(admin)
    ticket = open_ticket(customer, title="My invoice is wrong")
    [run] = engine.rules_evaluate(ticket_id=ticket.pk, event=Event.TICKET_CREATED)
    ticket.refresh_from_db()
    assert (ticket.category, ticket.priority) == (Category.BILLING, Priority.HIGH)
    events = TicketEvent.objects.filter(ticket=ticket, field__in=["category", "priority"])
    assert {(e.field, e.actor_id, e.new_value) for e in events} == {
        ("category", SYSTEM_USER_ID, "billing"),
        ("priority", SYSTEM_USER_ID, "high"),
    }
    assert run.matched == ["Title contains invoice"]
    assert run.done == ["Set category Billing", "Set priority High"]
    assert run.errors == [] and run.event == Event.TICKET_CREATED


def test_conditions_that_do_not_hold_fire_nothing(admin: User, customer: User) -> None:
    billing(admin)
    ticket = open_ticket(customer, title="The heating")
    assert engine.rules_evaluate(ticket_id=ticket.pk, event=Event.TICKET_CREATED) == []
    assert not RuleRun.objects.exists()


def test_inactive_rules_and_other_events_do_not_run(admin: User, customer: User) -> None:
    billing(admin)
    Rule.objects.update(active=False)
    ticket = open_ticket(customer, title="invoice")
    assert engine.rules_evaluate(ticket_id=ticket.pk, event=Event.TICKET_CREATED) == []
    Rule.objects.update(active=True)
    assert engine.rules_evaluate(ticket_id=ticket.pk, event=Event.STATUS_CHANGED) == []


def test_any_of_and_the_conditions_logged(admin: User, customer: User, agent: User) -> None:
    rule(
        admin,
        Event.TICKET_CREATED,
        [
            {"field": "title", "operator": "contains", "value": "refund"},
            {"field": "requester_domain", "operator": "is", "value": "studio.test"},
            {"field": "assignee", "operator": "is", "value": "unassigned"},
        ],
        [{"action": "add_tag", "value": "vip"}],
        match="any",
    )
    ticket = open_ticket(customer, title="Hello")
    [run] = engine.rules_evaluate(ticket_id=ticket.pk, event=Event.TICKET_CREATED)
    assert run.matched == ["Assignee is nobody"]
    assert list(ticket.tags.values_list("name", flat=True)) == ["vip"]


def test_rules_run_in_order_each_seeing_the_last(admin: User, customer: User) -> None:
    rule(admin, Event.TICKET_CREATED, [], [{"action": "set_priority", "value": "urgent"}])
    rule(
        admin,
        Event.TICKET_CREATED,
        [{"field": "priority", "operator": "is", "value": "urgent"}],
        [{"action": "add_tag", "value": "hot"}],
    )
    ticket = open_ticket(customer)
    runs = engine.rules_evaluate(ticket_id=ticket.pk, event=Event.TICKET_CREATED)
    assert [r.rule_name for r in runs] == ["Rule 1", "Rule 2"]
    assert list(ticket.tags.values_list("name", flat=True)) == ["hot"]


def test_a_refused_action_is_logged_and_the_others_run(admin: User, customer: User) -> None:
    # New -> Pending is allowed; Closed -> In progress only after reopening: refused.
    rule(
        admin,
        Event.STATUS_CHANGED,
        [],
        [{"action": "set_status", "value": "in_progress"}, {"action": "add_tag", "value": "x"}],
    )
    ticket = open_ticket(customer)
    services.ticket_change_status(actor=customer, ticket_id=ticket.pk, status=Status.CLOSED)
    [run] = engine.rules_evaluate(ticket_id=ticket.pk, event=Event.STATUS_CHANGED)
    assert run.done == ["Add tag x"]
    [error] = run.errors
    assert error.startswith("Set status In progress: ")
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_assign_note_reply_and_notify(admin: User, customer: User, agent: User) -> None:
    shared = saved_reply_create(
        actor=admin,
        name="Thanks",
        body="Hello {{ customer.name }}, about {{ ticket.number }}.",
        shared=True,
    )
    rule(
        admin,
        Event.TICKET_CREATED,
        [],
        [
            {"action": "assign", "value": agent.pk},
            {"action": "add_note", "value": "Routed for {{ ticket.number }}."},
            {"action": "send_reply", "value": shared.pk},
            {"action": "notify", "value": "assignee"},
        ],
    )
    ticket = open_ticket(customer)
    [run] = engine.rules_evaluate(ticket_id=ticket.pk, event=Event.TICKET_CREATED)
    assert run.errors == []
    ticket.refresh_from_db()
    assert ticket.assignee_id == agent.pk
    bodies = dict(
        Message.objects.filter(ticket=ticket, author_id=SYSTEM_USER_ID)
        .exclude(kind=MessageKind.SYSTEM)
        .values_list("kind", "body")
    )
    assert bodies[MessageKind.INTERNAL] == f"Routed for {ticket.number}."
    assert bodies[MessageKind.PUBLIC] == f"Hello {customer.username}, about {ticket.number}."
    told = OutboxMail.objects.filter(ticket=ticket, kind=kinds.RULE_NOTICE)
    assert [m.recipient_id for m in told] == [agent.pk]


def test_notify_nobody_is_an_error(admin: User, customer: User) -> None:
    rule(admin, Event.TICKET_CREATED, [], [{"action": "notify", "value": "assignee"}])
    ticket = open_ticket(customer)
    [run] = engine.rules_evaluate(ticket_id=ticket.pk, event=Event.TICKET_CREATED)
    assert run.errors == ["Notify the assignee: nobody has the ticket to be told."]


# --- events, from the changes -------------------------------------------------------------------


def test_events_are_queued_after_commit_from_every_change(
    admin: User, customer: User, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    for event in (
        Event.TICKET_CREATED,
        Event.CUSTOMER_REPLIED,
        Event.AGENT_REPLIED,
        Event.STATUS_CHANGED,
        Event.PRIORITY_CHANGED,
    ):
        rule(
            admin, event, [], [{"action": "add_tag", "value": event.replace("_", "-")}], name=event
        )
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket(customer)
    assert [r.event for r in RuleRun.objects.all()] == [Event.TICKET_CREATED]
    with django_capture_on_commit_callbacks(execute=True):
        services.message_post(actor=agent, ticket_id=ticket.pk, body="Hi")
        services.message_post(actor=customer, ticket_id=ticket.pk, body="Thanks")
        services.ticket_update(actor=agent, ticket_id=ticket.pk, changes={"priority": "low"})
        services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.PENDING)
    fired = set(RuleRun.objects.values_list("event", flat=True))
    assert fired == {
        Event.TICKET_CREATED,
        Event.AGENT_REPLIED,
        Event.CUSTOMER_REPLIED,
        Event.PRIORITY_CHANGED,
        Event.STATUS_CHANGED,
    }
    # The tags the rules added were changes by System, not events of their own.
    assert (
        TicketEvent.objects.filter(ticket=ticket, field="tags", actor_id=SYSTEM_USER_ID).count()
        == 5
    )


def test_sla_warning_and_breach_are_events(
    admin: User,
    customer: User,
    agent: User,
    clock: Clock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    clock.current = START
    targets = {p: {"first_response_minutes": 60} for p in Priority.values}
    sla_policy_create(actor=admin, values={"name": "Standard", "targets": targets})
    rule(admin, Event.SLA_WARNING, [], [{"action": "add_tag", "value": "warned"}])
    rule(admin, Event.SLA_BREACH, [], [{"action": "set_priority", "value": "urgent"}])
    ticket = open_ticket(customer)
    clock.advance(50 * 60)
    with django_capture_on_commit_callbacks(execute=True):
        sla_check(ticket_id=ticket.pk)
    clock.advance(20 * 60)
    with django_capture_on_commit_callbacks(execute=True):
        sla_check(ticket_id=ticket.pk)
    ticket.refresh_from_db()
    assert list(ticket.tags.values_list("name", flat=True)) == ["warned"]
    assert ticket.priority == Priority.URGENT
    assert sorted(RuleRun.objects.values_list("event", flat=True)) == [
        Event.SLA_BREACH,
        Event.SLA_WARNING,
    ]


# --- the loop guard -----------------------------------------------------------------------------


def test_a_rule_never_fires_on_its_own_change(
    admin: User, customer: User, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    # On every status change, move the ticket to In progress: would loop on its own change.
    rule(admin, Event.STATUS_CHANGED, [], [{"action": "set_status", "value": "in_progress"}])
    ticket = open_ticket(customer)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.OPEN)
    [run] = RuleRun.objects.all()
    assert run.chain == []
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS


def test_two_rules_that_undo_each_other_stop(
    admin: User, customer: User, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    a = rule(
        admin,
        Event.PRIORITY_CHANGED,
        [{"field": "priority", "operator": "is", "value": "high"}],
        [{"action": "set_priority", "value": "low"}],
    )
    b = rule(
        admin,
        Event.PRIORITY_CHANGED,
        [{"field": "priority", "operator": "is", "value": "low"}],
        [{"action": "set_priority", "value": "high"}],
    )
    ticket = open_ticket(customer)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_update(actor=agent, ticket_id=ticket.pk, changes={"priority": "high"})
    chains = list(RuleRun.objects.order_by("id").values_list("rule_id", "chain"))
    # A answers the agent, B (after it, in the same run) answers A; A's own change then
    # sets off only B's... which is in the chain: it stops.
    assert chains == [(a.pk, []), (b.pk, []), (a.pk, [b.pk])]
    ticket.refresh_from_db()
    assert ticket.priority == Priority.LOW


def test_the_chain_is_bounded(admin: User, customer: User) -> None:
    rule(admin, Event.TICKET_CREATED, [], [{"action": "add_tag", "value": "x"}])
    ticket = open_ticket(customer)
    chain = tuple(range(1000, 1000 + engine.CHAIN_MAX))
    assert engine.rules_evaluate(ticket_id=ticket.pk, event=Event.TICKET_CREATED, chain=chain) == []
    assert engine.rules_evaluate(ticket_id=ticket.pk, event=Event.TICKET_CREATED, chain=chain[:-1])


def test_the_opening_message_is_not_a_customer_reply(admin: User, customer: User) -> None:
    rule(admin, Event.CUSTOMER_REPLIED, [], [{"action": "add_tag", "value": "x"}])
    ticket = open_ticket(customer)
    first = Message.objects.filter(ticket=ticket).order_by("id").first()
    assert first is not None
    assert (
        engine.rules_evaluate(
            ticket_id=ticket.pk, event=Event.CUSTOMER_REPLIED, message_id=first.pk
        )
        == []
    )


# --- passing time -------------------------------------------------------------------------------


def pending_rule(admin: User) -> Rule:
    return rule(
        admin,
        Event.TIME,
        [{"field": "hours_since_pending", "operator": "at_least", "value": 72}],
        [{"action": "add_note", "value": "Still waiting."}],
        name="Pending three days",
    )


def test_a_time_rule_fires_once_per_window(
    admin: User, customer: User, agent: User, clock: Clock
) -> None:
    clock.current = START
    pending_rule(admin)
    ticket = open_ticket(customer, staff=agent, status=Status.PENDING)
    other = open_ticket(customer)  # not pending: never
    clock.advance(71 * HOUR)
    assert engine.rules_sweep() == 0
    clock.advance(HOUR)
    assert engine.rules_sweep() == 1
    assert engine.rules_sweep() == 0  # once in this window
    clock.advance(24 * HOUR)
    assert engine.rules_sweep() == 0
    # The customer replies (Pending ends), then the agent sets Pending again: a new window.
    services.message_post(actor=customer, ticket_id=ticket.pk, body="Here it is")
    services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.PENDING)
    clock.advance(72 * HOUR)
    assert engine.rules_sweep() == 1
    runs = list(RuleRun.objects.filter(ticket=ticket).values_list("window_at", flat=True))
    assert len(set(runs)) == 2
    assert not RuleRun.objects.filter(ticket=other).exists()


def test_time_since_created_and_customer_reply(
    admin: User, customer: User, agent: User, clock: Clock
) -> None:
    clock.current = START
    rule(
        admin,
        Event.TIME,
        [
            {"field": "hours_since_created", "operator": "at_least", "value": 24},
            {"field": "hours_since_customer_reply", "operator": "at_least", "value": 10},
        ],
        [{"action": "set_priority", "value": "high"}],
    )
    ticket = open_ticket(customer)
    clock.advance(20 * HOUR)
    services.message_post(actor=customer, ticket_id=ticket.pk, body="Anyone?")
    clock.advance(5 * HOUR)  # 25 h since created, 5 h since the reply
    assert engine.rules_sweep() == 0
    clock.advance(5 * HOUR)
    assert engine.rules_sweep() == 1
    ticket.refresh_from_db()
    assert ticket.priority == Priority.HIGH


def test_a_time_rule_leaves_closed_tickets(admin: User, customer: User, clock: Clock) -> None:
    clock.current = START
    rule(
        admin,
        Event.TIME,
        [{"field": "hours_since_created", "operator": "at_least", "value": 1}],
        [{"action": "add_tag", "value": "old"}],
    )
    ticket = open_ticket(customer)
    services.ticket_change_status(actor=customer, ticket_id=ticket.pk, status=Status.CLOSED)
    clock.advance(2 * HOUR)
    assert engine.rules_sweep() == 0
    assert Ticket.objects.get(pk=ticket.pk).status == Status.CLOSED


def test_a_deleted_ticket_is_passed_over(admin: User, customer: User) -> None:
    billing(admin)
    assert engine.rules_evaluate(ticket_id=987654, event=Event.TICKET_CREATED) == []


def test_a_rule_acts_on_a_ticket_of_a_team_it_is_not_in(
    admin: User, agent: User, customer: User
) -> None:
    """System acting for a rule is in no team, yet works every team's tickets (the gate,
    tickets/access.sees_every_ticket): a desk with teams keeps its rules."""
    from frontdesk.teams.services import team_create, ticket_set_team

    team = team_create(actor=admin, values={"name": "Online", "members": [agent.pk]})
    billing(admin)
    ticket = open_ticket(customer, title="My invoice is wrong")
    ticket_set_team(actor=admin, ticket_id=ticket.pk, team_id=team.pk)
    [run] = engine.rules_evaluate(ticket_id=ticket.pk, event=Event.TICKET_CREATED)
    ticket.refresh_from_db()
    assert run.errors == []
    assert (ticket.team_id, ticket.category, ticket.priority) == (
        team.pk,
        Category.BILLING,
        Priority.HIGH,
    )
