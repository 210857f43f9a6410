"""The admins' use cases for rules: every value checked with an error naming the field and
nothing changed; admins only; each edit in the rule's history; the order; the dry-run through
the gate."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from frontdesk.accounts.models import User
from frontdesk.automations import selectors
from frontdesk.automations.models import Event, Rule, RuleChange
from frontdesk.automations.services import (
    rule_create,
    rule_delete,
    rule_dry_run,
    rule_move,
    rule_update,
)
from frontdesk.core.errors import InvalidInput, NotAllowed, NotFound
from frontdesk.tickets.models import Status
from tests.conftest import Clock, open_ticket

pytestmark = pytest.mark.django_db

GOOD: dict[str, Any] = {
    "name": "Billing mails",
    "event": "ticket_created",
    "conditions": [{"field": "title", "operator": "contains", "value": "invoice"}],
    "actions": [{"action": "set_category", "value": "billing"}],
}


def test_create_checks_and_records(admin: User) -> None:
    rule = rule_create(actor=admin, values=GOOD)
    assert rule.active is False  # off until turned on
    assert (rule.created_by, rule.position) == (admin, 0)
    [change] = RuleChange.objects.all()
    assert (change.kind, change.actor, change.after["name"]) == ("created", admin, "Billing mails")
    second = rule_create(actor=admin, values={**GOOD, "name": "Second"})
    assert second.position == 1


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"name": " "}, "name", "Give the rule a name"),
        ({"event": "sunrise"}, "event", "Choose the event"),
        ({"match": "most"}, "match", "all or any"),
        ({"active": "yes"}, "active", "true or false"),
        ({"colour": "red"}, "colour", "Unknown fields"),
        ({"conditions": "title"}, "conditions", "list of rows"),
        (
            {"conditions": [{"field": "mood", "value": 1}]},
            "conditions",
            "Condition 1: choose a field",
        ),
        (
            {"conditions": [{"field": "status", "operator": "contains", "value": "open"}]},
            "conditions",
            "Condition 1: Status takes the operators is, is_not",
        ),
        (
            {"conditions": [{"field": "status", "operator": "is", "value": "lost"}]},
            "conditions",
            "unknown value 'lost'",
        ),
        (
            {"conditions": [{"field": "assignee", "operator": "is", "value": 99999}]},
            "conditions",
            "choose an active agent",
        ),
        (
            {"conditions": [{"field": "requester_domain", "operator": "is", "value": "x y"}]},
            "conditions",
            "mail domain",
        ),
        (
            {"conditions": [{"field": "hours_since_created", "operator": "at_least", "value": 0}]},
            "conditions",
            "whole number of hours",
        ),
        ({"event": "time"}, "conditions", "needs a condition on hours"),
        ({"actions": []}, "actions", "at least one action"),
        ({"actions": [{"action": "explode"}]}, "actions", "Action 1: choose an action"),
        ({"actions": [{"action": "add_tag", "value": "no!"}]}, "actions", "a tag is letters"),
        ({"actions": [{"action": "send_reply", "value": 5}]}, "actions", "shared saved reply"),
        ({"actions": [{"action": "notify", "value": "everyone"}]}, "actions", "active agent"),
        ({"actions": [{"action": "add_note", "value": ""}]}, "actions", "write the note"),
    ],
)
def test_bad_values_name_the_field_and_change_nothing(
    admin: User, values: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        rule_create(actor=admin, values={**GOOD, **values})
    assert refused.value.field == field
    assert words in refused.value.message
    assert not Rule.objects.exists() and not RuleChange.objects.exists()


def test_names_are_unique(admin: User) -> None:
    rule_create(actor=admin, values=GOOD)
    with pytest.raises(InvalidInput, match="Another rule"):
        rule_create(actor=admin, values={**GOOD, "name": "billing MAILS"})


def test_only_admins_change_rules_staff_read_them(admin: User, agent: User, customer: User) -> None:
    rule = rule_create(actor=admin, values=GOOD)
    for who in (agent, customer):
        with pytest.raises(NotAllowed):
            rule_create(actor=who, values={**GOOD, "name": "Other"})
        with pytest.raises(NotAllowed):
            rule_update(actor=who, rule_id=rule.pk, changes={"active": True})
        with pytest.raises(NotAllowed):
            rule_delete(actor=who, rule_id=rule.pk)
        with pytest.raises(NotAllowed):
            rule_dry_run(actor=who, rule_id=rule.pk)
    assert [r.pk for r in selectors.rules_list(user=agent)] == [rule.pk]
    with pytest.raises(NotAllowed):
        selectors.rules_list(user=customer)
    with pytest.raises(NotFound):
        selectors.rule_get(user=agent, rule_id=rule.pk + 1)


def test_update_records_before_and_after(admin: User) -> None:
    rule = rule_create(actor=admin, values=GOOD)
    rule_update(actor=admin, rule_id=rule.pk, changes={"active": True})
    rule_update(actor=admin, rule_id=rule.pk, changes={"active": True})  # nothing new
    change = RuleChange.objects.filter(kind="changed").get()
    assert (change.before["active"], change.after["active"]) == (False, True)
    with pytest.raises(InvalidInput):
        rule_update(actor=admin, rule_id=rule.pk, changes={"actions": []})
    rule.refresh_from_db()
    assert rule.actions == GOOD["actions"]


def test_delete_keeps_the_history(admin: User) -> None:
    rule = rule_create(actor=admin, values=GOOD)
    rule_delete(actor=admin, rule_id=rule.pk)
    assert not Rule.objects.exists()
    assert list(RuleChange.objects.values_list("kind", "rule_name")) == [
        ("deleted", "Billing mails"),
        ("created", "Billing mails"),
    ]
    with pytest.raises(NotFound):
        rule_delete(actor=admin, rule_id=rule.pk)


def test_move_up_and_down(admin: User) -> None:
    a, b, c = (rule_create(actor=admin, values={**GOOD, "name": n}) for n in "ABC")
    rule_move(actor=admin, rule_id=c.pk, step=-1)
    assert [r.name for r in selectors.rules_list(user=admin)] == ["A", "C", "B"]
    rule_move(actor=admin, rule_id=a.pk, step=-1)  # first already: stays
    rule_move(actor=admin, rule_id=a.pk, step=1)
    assert [r.name for r in selectors.rules_list(user=admin)] == ["C", "A", "B"]
    assert RuleChange.objects.filter(kind="moved").count() == 4
    with pytest.raises(InvalidInput):
        rule_move(actor=admin, rule_id=b.pk, step=3)


def test_dry_run_of_an_unsaved_and_a_saved_rule(admin: User, customer: User, agent: User) -> None:
    invoice = open_ticket(customer, title="Invoice twice")
    open_ticket(customer, title="Heating")
    found = rule_dry_run(actor=admin, values={**GOOD, "name": ""})
    assert (found.count, [t.pk for t in found.tickets]) == (1, [invoice.pk])
    assert found.conditions == ["Title contains invoice"]
    rule = rule_create(actor=admin, values=GOOD)
    assert rule_dry_run(actor=admin, rule_id=rule.pk).count == 1
    wider = rule_dry_run(
        actor=admin, rule_id=rule.pk, values={"conditions": [], "actions": GOOD["actions"]}
    )
    assert wider.count == 2
    assert not rule.runs.exists()


def test_dry_run_of_a_time_rule(admin: User, customer: User, agent: User, clock: Clock) -> None:
    clock.current = datetime(2026, 12, 1, 10, tzinfo=UTC)
    pending = open_ticket(customer, staff=agent, status=Status.PENDING)
    open_ticket(customer)
    clock.advance(73 * 3600)
    values = {
        **GOOD,
        "event": Event.TIME,
        "conditions": [{"field": "hours_since_pending", "operator": "at_least", "value": 72}],
    }
    found = rule_dry_run(actor=admin, values=values)
    assert [t.pk for t in found.tickets] == [pending.pk]


def test_the_demo_adds_its_rules_once(admin: User) -> None:
    from frontdesk.automations.demo import demo_rules_create
    from frontdesk.replies.demo import demo_saved_replies_create

    demo_saved_replies_create()
    assert demo_rules_create() == "Added 3 automation rules (see /rules)."
    assert demo_rules_create() == "Added 0 automation rules (see /rules)."
    assert list(Rule.objects.filter(active=False).values_list("event", flat=True)) == ["time"]
