"""Calendars and policies in the admin: saved through the use cases (a refused value shows
beside its field, nothing saved); policies are ordered by actions."""

from __future__ import annotations

import pytest

from frontdesk.accounts.models import User
from frontdesk.sla.models import BusinessCalendar, SlaPolicy
from frontdesk.sla.policies import sla_calendar_create, sla_policy_create
from tests.admin_forms import admin_browser, change_form, form_errors, post_form

pytestmark = pytest.mark.django_db

CALENDARS = "/admin/sla/businesscalendar/"
POLICIES = "/admin/sla/slapolicy/"


def test_an_admin_adds_a_calendar_with_hours_and_holidays(admin: User) -> None:
    client = admin_browser(admin)
    response = change_form(
        client,
        f"{CALENDARS}add/",
        "businesscalendar_form",
        name="Online support",
        time_zone="Europe/London",
        hours_0="09:00-12:30, 13:30-17:00",
        hours_4="09:00-15:00",
        holidays_text="2026-12-25 yearly Christmas Day\n2027-04-02 Good Friday",
    )
    assert response.status_code == 302, form_errors(response)
    calendar = BusinessCalendar.objects.get()
    assert calendar.hours == {
        "0": [["09:00", "12:30"], ["13:30", "17:00"]],
        "4": [["09:00", "15:00"]],
    }
    assert [(h.name, h.yearly) for h in calendar.holidays.all()] == [
        ("Christmas Day", True),
        ("Good Friday", False),
    ]
    page = client.get(f"{CALENDARS}{calendar.pk}/change/").content.decode()
    assert "09:00-12:30, 13:30-17:00" in page and "2026-12-25 yearly Christmas Day" in page


def test_a_calendar_without_hours_is_refused_beside_the_field(admin: User) -> None:
    client = admin_browser(admin)
    response = change_form(
        client, f"{CALENDARS}add/", "businesscalendar_form", name="Closed", time_zone="UTC"
    )
    assert "at least one day" in str(form_errors(response))
    response = change_form(
        client, f"{CALENDARS}add/", "businesscalendar_form", name="Mars", time_zone="Mars/Base",
        hours_0="09:00-17:00",
    )  # fmt: skip
    assert form_errors(response)["time_zone"] == ["Unknown time zone 'Mars/Base'."]
    assert not BusinessCalendar.objects.exists()


def test_an_admin_edits_a_policy_and_its_targets(admin: User) -> None:
    policy = sla_policy_create(actor=admin, values={"name": "Standard"})
    client = admin_browser(admin)
    path = f"{POLICIES}{policy.pk}/change/"
    response = change_form(
        client,
        path,
        "slapolicy_form",
        categories=["billing"],
        high__first_response_minutes="30",
        high__resolution_minutes="240",
        warn_percent="75",
    )
    assert response.status_code == 302, form_errors(response)
    policy.refresh_from_db()
    assert policy.categories == ["billing"] and policy.warn_percent == 75
    [target] = policy.targets.all()
    assert (target.priority, target.first_response_minutes) == ("high", 30)
    refused = change_form(client, path, "slapolicy_form", warn_percent="100")
    assert "percentage" in str(form_errors(refused)["warn_percent"])


def test_actions_move_policies_in_the_order(admin: User) -> None:
    first = sla_policy_create(actor=admin, values={"name": "First"})
    second = sla_policy_create(actor=admin, values={"name": "Second"})
    client = admin_browser(admin)
    listing = client.get(POLICIES)
    response = post_form(
        client,
        listing,
        POLICIES,
        "changelist-form",
        action="move_up",
        _selected_action=[str(second.pk)],
    )
    assert response.status_code == 302
    assert list(SlaPolicy.objects.values_list("name", flat=True)) == ["Second", "First"]
    assert first.pk != second.pk


def test_an_agent_cannot_reach_the_policies(agent: User) -> None:
    client = admin_browser(agent)
    assert client.get(POLICIES).status_code in (302, 403)


def test_sla_alerts_are_neither_changed_nor_deleted(
    customer: User, agent: User, admin: User
) -> None:
    from frontdesk.sla.models import SlaAlert
    from tests.conftest import open_ticket

    ticket = open_ticket(customer)
    alert = SlaAlert.objects.create(
        ticket=ticket, metric="first_response", level="breach", due_at=ticket.created_at
    )
    client = admin_browser(admin)
    path = f"/admin/sla/slaalert/{alert.pk}/"
    assert change_form(client, f"{path}change/", "slaalert_form").status_code == 403
    assert client.get(f"{path}delete/").status_code == 403
    listing = client.get("/admin/sla/slaalert/")
    assert listing.status_code == 200 and b"delete_selected" not in listing.content
    assert SlaAlert.objects.filter(pk=alert.pk).exists()


def test_calendars_are_deleted_in_bulk_through_the_use_case(admin: User) -> None:
    hours = {"0": [["09:00", "17:00"]]}
    kept = sla_calendar_create(actor=admin, name="Front desk", time_zone="UTC", hours=hours)
    sla_policy_create(actor=admin, values={"name": "Standard", "calendar": kept.pk})
    gone = [
        sla_calendar_create(actor=admin, name=name, time_zone="UTC", hours=hours)
        for name in ("Online", "Summer school")
    ]
    client = admin_browser(admin)
    # The confirmation page's "Yes, I'm sure" posts the same action with ``post``.
    response = post_form(
        client, client.get(CALENDARS), CALENDARS, "changelist-form",
        action="delete_selected", _selected_action=[str(c.pk) for c in gone], post="yes",
    )  # fmt: skip
    assert response.status_code == 302
    assert list(BusinessCalendar.objects.values_list("name", flat=True)) == ["Front desk"]
