"""Time entries: staff who see a ticket log time; an agent changes their own entries, an admin
anyone's; customers never see them. ``actual_hours`` is always the sum, each change is in the
history (staff-only) and announced."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.core.errors import InvalidInput, NotAllowed, NotFound
from frontdesk.tickets.models import Ticket, TicketEvent
from frontdesk.timelog import selectors, services
from frontdesk.timelog.models import TimeEntry
from tests.api.helpers import Api, error_of
from tests.conftest import Clock, open_ticket
from tests.web.conftest import html, signed_in

pytestmark = pytest.mark.django_db

START = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def _hours(ticket: Ticket) -> Decimal | None:
    ticket.refresh_from_db()
    return ticket.actual_hours


def test_actual_hours_is_the_sum_through_log_edit_and_delete(
    ticket: Ticket, agent: User, other_agent: User, clock: Clock
) -> None:
    clock.current = START
    first = services.time_entry_log(actor=agent, ticket_id=ticket.pk, duration="1h 30m")
    assert first.work_date == date(2026, 12, 3)
    assert _hours(ticket) == Decimal("1.50")
    second = services.time_entry_log(
        actor=other_agent,
        ticket_id=ticket.pk,
        duration="20",
        note="Called back",
        work_date="2026-12-02",
    )
    assert _hours(ticket) == Decimal("1.83")
    services.time_entry_edit(actor=agent, entry_id=first.pk, duration="2h")
    assert _hours(ticket) == Decimal("2.33")
    services.time_entry_delete(actor=other_agent, entry_id=second.pk)
    assert _hours(ticket) == Decimal("2.00")
    services.time_entry_delete(actor=agent, entry_id=first.pk)
    assert _hours(ticket) is None
    events = list(
        TicketEvent.objects.filter(ticket=ticket, field__in=["time", "actual_hours"]).order_by("pk")
    )
    assert [(e.field, e.old_value, e.new_value) for e in events] == [
        ("time", "", "1h 30m on 2026-12-03"),
        ("actual_hours", "", "1.50"),
        ("time", "", "20m on 2026-12-02"),
        ("actual_hours", "1.50", "1.83"),
        ("time", "1h 30m on 2026-12-03", "2h on 2026-12-03"),
        ("actual_hours", "1.83", "2.33"),
        ("time", "20m on 2026-12-02", ""),
        ("actual_hours", "2.33", "2.00"),
        ("time", "2h on 2026-12-03", ""),
        ("actual_hours", "2.00", ""),
    ]
    assert all(event.staff_only for event in events)


def test_a_note_only_edit_is_recorded_and_keeps_the_sum(ticket: Ticket, agent: User) -> None:
    entry = services.time_entry_log(actor=agent, ticket_id=ticket.pk, duration="45m")
    count = TicketEvent.objects.filter(ticket=ticket).count()
    services.time_entry_edit(actor=agent, entry_id=entry.pk, note="Replaced the valve")
    entry.refresh_from_db()
    assert entry.note == "Replaced the valve"
    assert TicketEvent.objects.filter(ticket=ticket).count() == count + 1
    assert _hours(ticket) == Decimal("0.75")


def test_who_may_do_what(
    ticket: Ticket,
    agent: User,
    other_agent: User,
    admin: User,
    customer: User,
    other_customer: User,
) -> None:
    entry = services.time_entry_log(actor=agent, ticket_id=ticket.pk, duration="30m")
    with pytest.raises(NotAllowed):
        services.time_entry_log(actor=customer, ticket_id=ticket.pk, duration="30m")
    with pytest.raises(NotAllowed):
        services.time_entry_edit(actor=other_agent, entry_id=entry.pk, duration="1h")
    with pytest.raises(NotAllowed):
        services.time_entry_delete(actor=other_agent, entry_id=entry.pk)
    with pytest.raises(NotAllowed):
        services.time_entry_delete(actor=customer, entry_id=entry.pk)
    with pytest.raises(NotAllowed):
        selectors.time_entries_get(user=customer, ticket_id=ticket.pk)
    with pytest.raises(NotFound):
        selectors.time_entries_get(user=other_customer, ticket_id=ticket.pk)
    with pytest.raises(NotFound):
        services.time_entry_delete(actor=agent, entry_id=entry.pk + 1000)
    services.time_entry_edit(actor=admin, entry_id=entry.pk, duration="40m")
    services.time_entry_delete(actor=admin, entry_id=entry.pk)
    assert not TimeEntry.objects.exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"duration": "soon"}, "duration"),
        ({"duration": "0"}, "duration"),
        ({"duration": "25h"}, "duration"),
        ({"duration": "1h", "work_date": "yesterday"}, "work_date"),
        ({"duration": "1h", "work_date": "2027-01-05"}, "work_date"),
        ({"duration": "1h", "note": "x" * 501}, "note"),
    ],
)
def test_bad_input_changes_nothing(
    ticket: Ticket, agent: User, clock: Clock, values: dict[str, str], field: str
) -> None:
    clock.current = START
    events = TicketEvent.objects.filter(ticket=ticket).count()
    with pytest.raises(InvalidInput) as refused:
        services.time_entry_log(actor=agent, ticket_id=ticket.pk, **values)
    assert refused.value.field == field
    assert not TimeEntry.objects.exists()
    assert TicketEvent.objects.filter(ticket=ticket).count() == events
    assert _hours(ticket) is None


# --- the page -------------------------------------------------------------------------------


def _token(client: Client, ticket: Ticket) -> str:
    client.get(f"/ticket/{ticket.pk}")
    return str(client.cookies["csrftoken"].value)


def test_the_time_card_logs_and_lists_for_staff_only(
    ticket: Ticket, agent: User, customer: User
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    refused = client.post(f"/ticket/{ticket.pk}/time", {"duration": "1h"})
    assert refused.status_code == 403
    assert not TimeEntry.objects.exists()
    token = _token(client, ticket)
    done = client.post(
        f"/ticket/{ticket.pk}/time",
        {"duration": "1h 15m", "note": "Checked the boiler", "csrfmiddlewaretoken": token},
    )
    assert done.status_code == 302 and done["Location"] == f"/ticket/{ticket.pk}"
    page = html(client.get(f"/ticket/{ticket.pk}"))
    assert "Logged 1h 15m." in page
    assert 'id="time-total">1h 15m logged' in page
    assert "Checked the boiler" in page
    assert _hours(ticket) == Decimal("1.25")
    customer_page = html(signed_in(customer).get(f"/ticket/{ticket.pk}"))
    assert "time-card" not in customer_page and "Checked the boiler" not in customer_page
    assert signed_in(customer).post(
        f"/ticket/{ticket.pk}/time", {"duration": "1h", "csrfmiddlewaretoken": "x" * 64}
    ).status_code in (403, 404)


def test_the_card_answers_htmx_in_place_and_keeps_what_was_typed(
    ticket: Ticket, agent: User
) -> None:
    client = signed_in(agent)
    answer = client.post(
        f"/ticket/{ticket.pk}/time",
        {"duration": "a while", "note": "Boiler", "csrfmiddlewaretoken": "x" * 64},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 400
    card = html(answer)
    assert "Write a duration such as 1h 30m" in card
    assert 'value="a while"' in card and 'value="Boiler"' in card
    entry = services.time_entry_log(actor=agent, ticket_id=ticket.pk, duration="5m")
    gone = client.post(
        f"/ticket/{ticket.pk}/time/{entry.pk}/delete",
        {"csrfmiddlewaretoken": "x" * 64},
        headers={"HX-Request": "true"},
    )
    assert gone.status_code == 200 and "Time entry deleted." in html(gone)
    assert not TimeEntry.objects.exists()


def test_the_page_offers_delete_only_for_what_one_may_delete(
    ticket: Ticket, agent: User, other_agent: User, admin: User
) -> None:
    entry = services.time_entry_log(actor=agent, ticket_id=ticket.pk, duration="5m")
    delete = f"/ticket/{ticket.pk}/time/{entry.pk}/delete"
    assert delete in html(signed_in(agent).get(f"/ticket/{ticket.pk}"))
    assert delete in html(signed_in(admin).get(f"/ticket/{ticket.pk}"))
    assert delete not in html(signed_in(other_agent).get(f"/ticket/{ticket.pk}"))
    refused = signed_in(other_agent).post(delete, {"csrfmiddlewaretoken": "x" * 64})
    assert refused.status_code == 403
    assert TimeEntry.objects.filter(pk=entry.pk).exists()


# --- the REST API ---------------------------------------------------------------------------


def test_the_api_lists_logs_edits_and_deletes(
    ticket: Ticket, agent: User, other_agent: User, customer: User, other_customer: User
) -> None:
    as_agent, as_other = Api(agent), Api(other_agent)
    as_customer, as_other_customer = Api(customer), Api(other_customer)
    path = f"/tickets/{ticket.pk}/time/"
    made = as_agent.post(path, {"duration": "1.5h", "note": "Diagnosis"})
    assert made.status_code == 201, made.content
    entry = made.json()
    assert entry["minutes"] == 90 and entry["duration"] == "1h 30m"
    assert entry["agent"] == agent.pk and entry["ticket"] == ticket.pk
    listed = as_other.get(path).json()
    assert listed["total_minutes"] == 90 and [e["id"] for e in listed["entries"]] == [entry["id"]]
    assert as_agent.get(f"/tickets/{ticket.pk}/").json()["actual_hours"] == 1.5
    bad = as_agent.post(path, {"duration": "later"})
    assert bad.status_code == 400 and error_of(bad)["fields"]
    assert as_other.patch(f"{path}{entry['id']}/", {"duration": "2h"}).status_code == 403
    changed = as_agent.patch(f"{path}{entry['id']}/", {"duration": "2h"})
    assert changed.status_code == 200 and changed.json()["minutes"] == 120
    assert as_customer.get(path).status_code == 403
    assert as_other_customer.get(path).status_code == 404
    assert as_customer.post(path, {"duration": "1h"}).status_code == 403
    assert as_other.delete(f"{path}{entry['id']}/").status_code == 403
    assert as_agent.delete(f"/tickets/{ticket.pk}/time/{entry['id'] + 99}/").status_code == 404
    assert as_agent.delete(f"{path}{entry['id']}/").status_code == 204
    assert as_agent.get(path).json() == {"ticket": ticket.pk, "total_minutes": 0, "entries": []}


def test_the_api_documents_time_entries(agent: User) -> None:
    document = Api(agent).get("/openapi.json").json()
    paths = document["paths"]
    assert set(paths["/api/ticketing/tickets/{ticket_id}/time/"]) == {"get", "post"}
    assert set(paths["/api/ticketing/tickets/{ticket_id}/time/{entry_id}/"]) == {"patch", "delete"}


def test_an_entry_of_another_ticket_is_not_found(customer: User, agent: User) -> None:
    one, two = open_ticket(customer), open_ticket(customer, "Another")
    entry = services.time_entry_log(actor=agent, ticket_id=one.pk, duration="5m")
    assert Api(agent).delete(f"/tickets/{two.pk}/time/{entry.pk}/").status_code == 404
    assert TimeEntry.objects.filter(pk=entry.pk).exists()
