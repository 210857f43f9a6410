"""Rules on teams and custom fields: the conditions ``team`` and ``field:<key>`` checked against
the teams and the field's definition (a 400 naming the row and the field, nothing saved), the
same query in the engine and the dry-run; the actions "Set team" (routing follows, as for a
person's move) and "Set <custom field>", done as System through their use cases, a refusal
logged; the form offers the teams and the fields."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from frontdesk.accounts.models import SYSTEM_USER_ID, User
from frontdesk.automations import engine
from frontdesk.automations.models import Event, Rule, RuleChange
from frontdesk.automations.services import rule_create, rule_dry_run, rule_update
from frontdesk.core.errors import InvalidInput
from frontdesk.fields import services as field_services
from frontdesk.fields.models import FieldDefinition
from frontdesk.teams.models import Team
from frontdesk.teams.services import team_create, team_update, ticket_set_team
from frontdesk.tickets.models import Category, Ticket, TicketEvent
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db


def rule(admin: User, conditions: list[Any], actions: list[Any], **more: Any) -> Rule:
    return rule_create(
        actor=admin,
        values={
            "name": more.pop("name", f"Rule {Rule.objects.count() + 1}"),
            "event": more.pop("event", Event.TICKET_CREATED),
            "conditions": conditions,
            "actions": actions,
            "active": True,
            **more,
        },
    )


def define(admin: User, key: str, kind: str, **more: Any) -> FieldDefinition:
    values = {"key": key, "label": more.pop("label", key.replace("_", " ").title()), "type": kind}
    return field_services.field_define(actor=admin, values={**values, **more})


@pytest.fixture
def billing(admin: User, agent: User) -> Team:
    return team_create(actor=admin, values={"name": "Billing", "members": [agent.pk]})


@pytest.fixture
def online(admin: User, other_agent: User) -> Team:
    return team_create(actor=admin, values={"name": "Online", "members": [other_agent.pk]})


@pytest.fixture
def fields(admin: User) -> dict[str, FieldDefinition]:
    return {
        "style": define(admin, "dance_style", "choice", choices=["Salsa", "Tango"]),
        "levels": define(admin, "levels", "multi_choice", choices=["Beginner", "Advanced"]),
        "member": define(admin, "member_number", "text"),
        "age": define(admin, "age", "number"),
        "trial": define(admin, "trial_on", "date"),
        "vip": define(admin, "vip", "checkbox"),
    }


def set_fields(admin: User, ticket: Ticket, **values: Any) -> None:
    field_services.ticket_fields_set(actor=admin, ticket_id=ticket.pk, values=values)


def matched(admin: User, conditions: list[Any], match: str = "all") -> list[int]:
    found = rule_dry_run(
        actor=admin,
        values={
            "event": Event.TICKET_CREATED,
            "match": match,
            "conditions": conditions,
            "actions": [{"action": "add_tag", "value": "x"}],
        },
        limit=100,
    )
    return sorted(ticket.pk for ticket in found.tickets)


# --- checking ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("conditions", "actions", "field", "words"),
    [
        (
            [{"field": "team", "value": 987654}],
            None,
            "conditions",
            "Condition 1 (Team): choose a team",
        ),
        ([{"field": "team", "value": "Billing"}], None, "conditions", "choose a team"),
        (
            [{"field": "team", "operator": "contains", "value": "none"}],
            None,
            "conditions",
            "Team takes the operators is, is_not",
        ),
        (
            [{"field": "field:nope", "value": "x"}],
            None,
            "conditions",
            "Condition 1: there is no custom field 'nope'.",
        ),
        (
            [{"field": "field:dance_style", "value": "Waltz"}],
            None,
            "conditions",
            "Condition 1 (Dance Style): choose one of Salsa, Tango.",
        ),
        (
            [{"field": "field:age", "operator": "greater", "value": "old"}],
            None,
            "conditions",
            "Condition 1 (Age): use a number",
        ),
        (
            [{"field": "field:trial_on", "operator": "less", "value": "31/12"}],
            None,
            "conditions",
            "Condition 1 (Trial On): use a date like 2026-01-31.",
        ),
        (
            [{"field": "field:dance_style", "operator": "contains", "value": "Sal"}],
            None,
            "conditions",
            "Dance Style takes the operators is, is_not, is_set, is_not_set",
        ),
        (
            [{"field": "field:levels", "operator": "is", "value": "Beginner"}],
            None,
            "conditions",
            "Levels takes the operators has, has_not",
        ),
        (
            [{"field": "field:member_number", "operator": "is", "value": ""}],
            None,
            "conditions",
            "Condition 1 (Member Number): give the value",
        ),
        (
            None,
            [{"action": "set_team", "value": 987654}],
            "actions",
            "Action 1 (Set team): choose a team",
        ),
        (
            None,
            [{"action": "set_field:nope", "value": "x"}],
            "actions",
            "Action 1: there is no custom field 'nope'.",
        ),
        (
            None,
            [{"action": "set_field:levels", "value": ["Beginner", "Expert"]}],
            "actions",
            "Action 1 (Set Levels): choose one of Beginner, Advanced.",
        ),
        (
            None,
            [{"action": "set_field:vip", "value": "maybe"}],
            "actions",
            "Action 1 (Set Vip): use yes or no.",
        ),
    ],
)
def test_bad_team_and_field_rows_name_the_row_and_field(
    admin: User,
    fields: dict[str, FieldDefinition],
    conditions: list[Any] | None,
    actions: list[Any] | None,
    field: str,
    words: str,
) -> None:
    values = {
        "name": "Bad",
        "event": Event.TICKET_CREATED,
        "conditions": conditions or [],
        "actions": actions or [{"action": "add_tag", "value": "x"}],
    }
    with pytest.raises(InvalidInput) as refused:
        rule_create(actor=admin, values=values)
    assert refused.value.field == field
    assert words in refused.value.message
    assert not Rule.objects.exists() and not RuleChange.objects.exists()


def test_a_rule_cannot_move_tickets_to_a_team_turned_off(admin: User, billing: Team) -> None:
    team_update(actor=admin, team_id=billing.pk, values={"active": False})
    with pytest.raises(InvalidInput) as refused:
        rule(admin, [], [{"action": "set_team", "value": billing.pk}])
    assert refused.value.message == (
        "Action 1 (Set team): this team is turned off; choose an active team."
    )
    # As a condition it still names tickets that stayed in it.
    rule(admin, [{"field": "team", "value": billing.pk}], [{"action": "add_tag", "value": "x"}])


def test_an_inactive_field_cannot_be_used_in_a_new_rule(
    admin: User, fields: dict[str, FieldDefinition]
) -> None:
    field_services.field_change(actor=admin, field_id=fields["age"].pk, values={"active": False})
    with pytest.raises(InvalidInput, match="no custom field 'age'"):
        rule(
            admin,
            [{"field": "field:age", "operator": "is_set"}],
            [{"action": "add_tag", "value": "x"}],
        )


def test_values_are_kept_as_json_and_read_in_words(
    admin: User, billing: Team, fields: dict[str, FieldDefinition]
) -> None:
    saved = rule(
        admin,
        [
            {"field": "team", "operator": "is_not", "value": str(billing.pk)},
            {"field": "team", "operator": "is", "value": "none"},
            {"field": "field:age", "operator": "greater", "value": "17.50"},
            {"field": "field:trial_on", "operator": "less", "value": "2026-12-31"},
            {"field": "field:vip", "operator": "is", "value": "yes"},
            {"field": "field:member_number", "operator": "is_set", "value": "ignored"},
        ],
        [
            {"action": "set_team", "value": billing.pk},
            {"action": "set_field:levels", "value": "Advanced, Beginner"},
            {"action": "set_field:member_number", "value": ""},
        ],
        match="any",
    )
    saved.refresh_from_db()
    assert [c["value"] for c in saved.conditions] == [
        billing.pk,
        "none",
        "17.5",
        "2026-12-31",
        True,
        None,
    ]
    assert [a["value"] for a in saved.actions] == [billing.pk, ["Beginner", "Advanced"], None]
    page = Client()
    page.force_login(admin)
    html = page.get("/rules").content.decode()
    for words in (
        "Team is not Billing",
        "Team is none",
        "Age is greater than 17.5",
        "Trial On is less than 2026-12-31",
        "Vip is yes",
        "Member Number is set",
        "Set team Billing",
        "Set Levels to Beginner, Advanced",
        "Clear Member Number",
    ):
        assert words in html
    form = page.get(f"/rules/{saved.pk}").content.decode()
    assert 'value="Beginner, Advanced"' in form  # a multiple choice, typed back as written
    assert '<option value="True" selected>Yes</option>' in form
    assert f'<option value="{billing.pk}" selected>Billing</option>' in form


# --- matching: the dry-run and the engine -----------------------------------------------------


def test_team_conditions_match_in_the_dry_run(
    admin: User, customer: User, billing: Team, online: Team
) -> None:
    in_billing = open_ticket(customer)
    in_online = open_ticket(customer)
    nowhere = open_ticket(customer)
    ticket_set_team(actor=admin, ticket_id=in_billing.pk, team_id=billing.pk)
    ticket_set_team(actor=admin, ticket_id=in_online.pk, team_id=online.pk)
    assert matched(admin, [{"field": "team", "value": billing.pk}]) == [in_billing.pk]
    assert matched(admin, [{"field": "team", "value": "none"}]) == [nowhere.pk]
    assert matched(admin, [{"field": "team", "operator": "is_not", "value": billing.pk}]) == [
        in_online.pk,
        nowhere.pk,
    ]
    assert matched(admin, [{"field": "team", "operator": "is_not", "value": "none"}]) == [
        in_billing.pk,
        in_online.pk,
    ]


def test_field_conditions_match_in_the_dry_run(
    admin: User, customer: User, fields: dict[str, FieldDefinition]
) -> None:
    first = open_ticket(customer)
    second = open_ticket(customer)
    bare = open_ticket(customer)
    set_fields(
        admin,
        first,
        dance_style="Salsa",
        levels=["Beginner", "Advanced"],
        member_number="AB-123",
        age="30",
        trial_on="2026-12-01",
        vip=True,
    )
    set_fields(
        admin,
        second,
        dance_style="Tango",
        levels=["Beginner"],
        member_number="cd-9",
        age="12.5",
        trial_on="2027-01-15",
        vip=False,
    )
    cases = [
        ({"field": "field:dance_style", "operator": "is", "value": "Salsa"}, [first]),
        ({"field": "field:dance_style", "operator": "is_not", "value": "Salsa"}, [second, bare]),
        ({"field": "field:dance_style", "operator": "is_set"}, [first, second]),
        ({"field": "field:dance_style", "operator": "is_not_set"}, [bare]),
        ({"field": "field:levels", "operator": "has", "value": "Advanced"}, [first]),
        ({"field": "field:levels", "operator": "has", "value": "Beginner"}, [first, second]),
        ({"field": "field:levels", "operator": "has_not", "value": "Advanced"}, [second, bare]),
        ({"field": "field:member_number", "operator": "contains", "value": "ab-"}, [first]),
        ({"field": "field:member_number", "operator": "is", "value": "CD-9"}, [second]),
        ({"field": "field:member_number", "operator": "not_contains", "value": "-"}, [bare]),
        ({"field": "field:age", "operator": "greater", "value": "12.5"}, [first]),
        ({"field": "field:age", "operator": "less", "value": "30"}, [second]),
        ({"field": "field:age", "operator": "is", "value": "30.0"}, [first]),
        ({"field": "field:trial_on", "operator": "greater", "value": "2026-12-31"}, [second]),
        ({"field": "field:trial_on", "operator": "less", "value": "2026-12-31"}, [first]),
        ({"field": "field:vip", "operator": "is", "value": "yes"}, [first]),
        ({"field": "field:vip", "operator": "is", "value": "no"}, [second]),
        ({"field": "field:vip", "operator": "is_not", "value": "yes"}, [second, bare]),
    ]
    for condition, expected in cases:
        assert matched(admin, [condition]) == sorted(t.pk for t in expected), condition


def test_the_engine_checks_team_and_field_conditions(
    admin: User, customer: User, billing: Team, fields: dict[str, FieldDefinition]
) -> None:
    saved = rule(
        admin,
        [
            {"field": "team", "value": billing.pk},
            {"field": "field:dance_style", "value": "Tango"},
        ],
        [{"action": "add_tag", "value": "tango-billing"}],
        event=Event.PRIORITY_CHANGED,
    )
    ticket = open_ticket(customer)
    assert engine.rules_evaluate(ticket_id=ticket.pk, event=Event.PRIORITY_CHANGED) == []
    ticket_set_team(actor=admin, ticket_id=ticket.pk, team_id=billing.pk)
    assert engine.rules_evaluate(ticket_id=ticket.pk, event=Event.PRIORITY_CHANGED) == []
    set_fields(admin, ticket, dance_style="Tango")
    [run] = engine.rules_evaluate(ticket_id=ticket.pk, event=Event.PRIORITY_CHANGED)
    assert run.rule_id == saved.pk
    assert run.matched == ["Team is Billing", "Dance Style is Tango"]
    assert list(ticket.tags.values_list("name", flat=True)) == ["tango-billing"]


def test_a_deleted_field_holds_for_no_ticket(
    admin: User, customer: User, fields: dict[str, FieldDefinition]
) -> None:
    rule(
        admin,
        [{"field": "field:age", "operator": "is_not_set"}],
        [{"action": "add_tag", "value": "no-age"}],
    )
    ticket = open_ticket(customer)
    field_services.field_delete(actor=admin, field_id=fields["age"].pk)
    assert engine.rules_evaluate(ticket_id=ticket.pk, event=Event.TICKET_CREATED) == []


# --- the actions ------------------------------------------------------------------------------


def test_set_team_moves_as_system_and_routing_follows(
    admin: User,
    agent: User,
    customer: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    front = team_create(
        actor=admin,
        values={"name": "Front desk", "members": [agent.pk], "assignment": "round_robin"},
    )
    rule(
        admin,
        [{"field": "category", "value": Category.BILLING}],
        [{"action": "set_team", "value": front.pk}],
    )
    ticket = open_ticket(customer, staff=admin, category=Category.BILLING)
    with django_capture_on_commit_callbacks(execute=True):
        [run] = engine.rules_evaluate(ticket_id=ticket.pk, event=Event.TICKET_CREATED)
    assert (run.done, run.errors) == (["Set team Front desk"], [])
    ticket.refresh_from_db()
    assert (ticket.team_id, ticket.assignee_id) == (front.pk, agent.pk)
    moved = TicketEvent.objects.get(ticket=ticket, field=TicketEvent.Field.TEAM)
    assert moved.actor_id == SYSTEM_USER_ID
    again = engine.rule_fire(Rule.objects.get(), ticket_id=ticket.pk, event=Event.TICKET_CREATED)
    assert again is not None and again.done == ["Set team Front desk (already so)"]


def test_set_no_team_and_a_refused_move_is_logged(
    admin: User, customer: User, billing: Team, online: Team
) -> None:
    saved = rule(
        admin,
        [],
        [{"action": "set_team", "value": "none"}, {"action": "add_tag", "value": "moved"}],
        event=Event.STATUS_CHANGED,
    )
    ticket = open_ticket(customer)
    ticket_set_team(actor=admin, ticket_id=ticket.pk, team_id=billing.pk)
    [run] = engine.rules_evaluate(ticket_id=ticket.pk, event=Event.STATUS_CHANGED)
    ticket.refresh_from_db()
    assert ticket.team_id is None and run.done == ["Set team none", "Add tag moved"]

    rule_update(
        actor=admin,
        rule_id=saved.pk,
        changes={
            "actions": [
                {"action": "set_team", "value": online.pk},
                {"action": "remove_tag", "value": "moved"},
            ]
        },
    )
    team_update(actor=admin, team_id=online.pk, values={"active": False})
    [run] = engine.rules_evaluate(ticket_id=ticket.pk, event=Event.STATUS_CHANGED)
    ticket.refresh_from_db()
    assert run.errors == ["Set team Online: Choose an active team."]
    assert run.done == ["Remove tag moved"]
    assert ticket.team_id is None


def test_set_custom_fields_as_system(
    admin: User, customer: User, fields: dict[str, FieldDefinition]
) -> None:
    saved = rule(
        admin,
        [{"field": "title", "operator": "contains", "value": "tango"}],
        [
            {"action": "set_field:dance_style", "value": "Tango"},
            {"action": "set_field:levels", "value": ["Beginner"]},
            {"action": "set_field:age", "value": 40},
        ],
    )
    ticket = open_ticket(customer, title="Tango lessons")
    set_fields(admin, ticket, age="21")
    [run] = engine.rules_evaluate(ticket_id=ticket.pk, event=Event.TICKET_CREATED)
    assert run.errors == []
    assert run.done == [
        "Set Dance Style to Tango",
        "Set Levels to Beginner",
        "Set Age to 40",
    ]
    values = {v.field.key: v.value for v in ticket.field_values.select_related("field")}
    assert values == {"dance_style": "Tango", "levels": "Beginner", "age": 40}
    changes = TicketEvent.objects.filter(ticket=ticket, field=TicketEvent.Field.CUSTOM_FIELD)
    assert set(changes.filter(actor_id=SYSTEM_USER_ID).values_list("new_value", flat=True)) == {
        "Dance Style\nTango",
        "Levels\nBeginner",
        "Age\n40",
    }
    again = engine.rule_fire(saved, ticket_id=ticket.pk, event=Event.TICKET_CREATED)
    assert again is not None and all(done.endswith("(already so)") for done in again.done)

    field_services.field_change(actor=admin, field_id=fields["age"].pk, values={"active": False})
    last = engine.rule_fire(saved, ticket_id=ticket.pk, event=Event.TICKET_CREATED)
    assert last is not None and last.errors == ["Set Age to 40: There is no custom field 'age'."]


# --- the form ---------------------------------------------------------------------------------


def test_the_form_offers_teams_and_fields_and_saves_their_rows(
    admin: User, customer: User, billing: Team, fields: dict[str, FieldDefinition]
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    page = client.get("/rules/new").content.decode()
    for offered in (
        '<option value="team">Team</option>',
        '<option value="set_team">Set team</option>',
        f'<option value="{billing.pk}">Billing</option>',
        '<option value="none">No team</option>',
        '<option value="field:dance_style">Dance Style (custom field)</option>',
        '<option value="set_field:levels">Set Levels (custom field)</option>',
        '<optgroup label="Dance Style"><option value="Salsa">Salsa</option>',
        '<option value="is_set">is set</option>',
        '<option value="greater">is greater than</option>',
    ):
        assert offered in page, offered
    ticket = open_ticket(customer)
    set_fields(admin, ticket, dance_style="Salsa")
    form = {
        "name": "Salsa to Billing",
        "event": "ticket_created",
        "match": "all",
        "c-0-field": "field:dance_style",
        "c-0-operator": "is",
        "c-0-choice": "Salsa",
        "c-1-field": "team",
        "c-1-operator": "is",
        "c-1-choice": "none",
        "a-0-action": "set_team",
        "a-0-choice": str(billing.pk),
        "a-1-action": "set_field:age",
        "a-1-text": "5",
        "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
    }
    dry = client.post("/rules/new", {**form, "dry_run": "1"})
    assert "Dry-run: 1 ticket matches now" in dry.content.decode()
    bad = client.post("/rules/new", {**form, "c-0-choice": "", "c-0-text": "Waltz"})
    assert bad.status_code == 400
    assert "Condition 1 (Dance Style): choose one of Salsa, Tango." in bad.content.decode()
    assert not Rule.objects.exists()
    client.post("/rules/new", form)
    saved = Rule.objects.get()
    assert saved.conditions == [
        {"field": "field:dance_style", "operator": "is", "value": "Salsa"},
        {"field": "team", "operator": "is", "value": "none"},
    ]
    assert saved.actions == [
        {"action": "set_team", "value": billing.pk},
        {"action": "set_field:age", "value": "5"},
    ]
    shown = client.get(f"/rules/{saved.pk}").content.decode()
    assert '<option value="Salsa" selected>' in shown


def test_the_demo_sends_billing_tickets_to_its_billing_team(
    admin: User, agent: User, customer: User
) -> None:
    from frontdesk.automations.demo import demo_rules_create

    assert demo_rules_create() == "Added 2 automation rules (see /rules)."
    team = team_create(actor=admin, values={"name": "Billing", "members": [agent.pk]})
    assert demo_rules_create() == "Added 1 automation rules (see /rules)."
    ticket = open_ticket(customer, title="A refund for my pass")
    runs = engine.rules_evaluate(ticket_id=ticket.pk, event=Event.TICKET_CREATED)
    assert [run.done for run in runs] == [
        ["Set category Billing", "Set priority High"],
        ["Set team Billing"],
    ]
    ticket.refresh_from_db()
    assert (ticket.category, ticket.team_id) == (Category.BILLING, team.pk)
