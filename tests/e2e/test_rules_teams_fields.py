"""Rules on teams and custom fields in a real browser: an admin picks a custom field and a team
from the rows' selects, tries the rule with the dry-run and saves it. Desktop and phone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from frontdesk.accounts.models import User
from frontdesk.automations.models import Rule
from frontdesk.fields.services import field_define, ticket_fields_set
from frontdesk.teams.services import team_create
from tests.conftest import PASSWORD, open_ticket
from tests.e2e.conftest import PHONE, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_admin_writes_a_rule_on_a_field_that_moves_to_a_team(
    admin: User,
    agent: User,
    customer: User,
    new_page: Callable[..., Page],
    screenshot: Callable[..., Path],
) -> None:
    team = team_create(actor=admin, values={"name": "Billing", "members": [agent.pk]})
    field_define(
        actor=admin,
        values={
            "key": "dance_style",
            "label": "Dance style",
            "type": "choice",
            "choices": ["Salsa", "Tango"],
        },
    )
    salsa = open_ticket(customer, "Salsa pass", "Which days?")
    ticket_fields_set(actor=admin, ticket_id=salsa.pk, values={"dance_style": "Salsa"})
    open_ticket(customer, "Heating not working", "Studio 2 is cold.")

    page = new_page()
    sign_in(page, admin.username, PASSWORD)
    page.goto("/rules/new")
    page.get_by_label("Name").fill("Salsa to Billing")
    page.get_by_label("Condition 1 field").select_option("field:dance_style")
    page.get_by_label("Condition 1 operator").select_option("is")
    page.get_by_label("Condition 1 value").select_option("Salsa")
    page.get_by_label("Condition 2 field").select_option("team")
    page.get_by_label("Condition 2 operator").select_option("is")
    page.get_by_label("Condition 2 value").select_option("none")
    page.get_by_label("Action 1", exact=True).select_option("set_team")
    page.get_by_label("Action 1 value").select_option(str(team.pk))
    page.get_by_role("button", name="Dry-run: which tickets match now?").click()
    expect(page.get_by_role("heading", name="Dry-run: 1 ticket matches now")).to_be_visible()
    expect(page.get_by_role("link", name="Salsa pass")).to_be_visible()
    page.wait_for_timeout(800)
    screenshot(page, "rule-team-field-desktop")
    page.get_by_role("button", name="Save rule").click()
    expect(page.get_by_text("Rule “Salsa to Billing” saved (off).")).to_be_visible()
    assert Rule.objects.get().actions == [{"action": "set_team", "value": team.pk}]

    phone = new_page(viewport=PHONE)
    sign_in(phone, admin.username, PASSWORD)
    phone.goto("/rules")
    expect(phone.get_by_text("Dance style is Salsa; Team is none")).to_be_visible()
    expect(phone.get_by_text("Set team Billing")).to_be_visible()
    phone.wait_for_timeout(800)
    screenshot(phone, "rules-team-field-phone")
