"""History (staff only) and statistics (over what the caller may see)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from frontdesk.accounts.models import User
from frontdesk.tickets import services
from frontdesk.tickets.models import TicketEvent
from tests.api.helpers import Api, ids
from tests.conftest import open_ticket, time_at

pytestmark = pytest.mark.django_db


def test_history_is_staff_only(
    as_agent: Api, as_admin: Api, as_customer: Api, customer: User, agent: User
) -> None:
    ticket = open_ticket(customer)
    services.ticket_update(actor=agent, ticket_id=ticket.pk, changes={"priority": "high"})
    events = list(TicketEvent.objects.order_by("-id").values_list("id", flat=True))
    assert ids(as_agent.get("/history/")) == events
    assert ids(as_admin.get("/history/", ticket=str(ticket.pk))) == events
    assert ids(as_customer.get("/history/")) == []
    assert as_customer.get(f"/history/{events[0]}/").status_code == 404
    data = as_agent.get(f"/history/{events[0]}/").json()
    assert (data["field"], data["old_value"], data["new_value"]) == ("priority", "medium", "high")
    assert (data["ticket"], data["user"], data["staff_only"]) == (ticket.pk, agent.pk, True)
    assert as_agent.get("/history/999999/").status_code == 404


def test_history_pages(as_agent: Api, customer: User) -> None:
    for number in range(5):
        open_ticket(customer, f"History ticket {number}")
    first = as_agent.get("/history/", limit="2")
    seen = ids(first)
    while first.json()["next"]:
        first = as_agent.client.get(first.json()["next"], headers=as_agent.headers)
        seen += ids(first)
    assert seen == list(TicketEvent.objects.order_by("-id").values_list("id", flat=True))


@pytest.fixture
def desk(customer: User, other_customer: User, agent: User) -> None:
    now = timezone.now()
    start = now - timedelta(days=2)
    first = open_ticket(customer, "First one here", at=start)
    with time_at(start + timedelta(hours=1)):  # answered in an hour, resolved in four
        services.message_post(actor=agent, ticket_id=first.pk, body="An engineer is coming.")
    with time_at(start + timedelta(hours=4)):
        services.ticket_update(
            actor=agent, ticket_id=first.pk, changes={"assignee": agent.pk, "status": "resolved"}
        )
    second = open_ticket(
        customer,
        "Second one here",
        staff=agent,
        priority="high",
        category="bug",
        due_at=now - timedelta(hours=1),
    )
    services.message_post(actor=agent, ticket_id=second.pk, body="An internal note", internal=True)
    open_ticket(other_customer, "Someone elses", staff=agent, priority="critical")


def test_statistics_for_staff(as_agent: Api, desk: None) -> None:
    data = as_agent.get("/tickets/statistics/").json()
    assert data["total_tickets"] == 3
    assert data["by_status"]["new"] == 2
    assert data["by_status"]["resolved"] == 1
    assert data["by_status"]["closed"] == 0
    assert data["by_priority"] == {
        "low": 0,
        "medium": 1,
        "high": 1,
        "urgent": 0,
        "critical": 1,
    }
    assert data["by_category"]["bug"] == 1
    assert data["overdue_count"] == 1
    assert data["unassigned_count"] == 2
    assert data["my_tickets_count"] == 1
    assert data["avg_resolution_time_hours"] == 4.0
    assert data["avg_first_response_time_hours"] == 1.0  # internal notes are no response


def test_statistics_for_customer_cover_only_their_tickets(
    as_customer: Api, as_other_customer: Api, desk: None
) -> None:
    data = as_customer.get("/tickets/statistics/").json()
    assert data["total_tickets"] == 2
    assert data["my_tickets_count"] == 2
    # How staff work the tickets is not theirs to read (tests/api/test_customer_fields.py).
    assert (data["by_priority"], data["by_category"], data["overdue_count"]) == ({}, {}, None)
    assert as_other_customer.get("/tickets/statistics/").json()["total_tickets"] == 1


def test_statistics_query_count(as_agent: Api, as_customer: Api, desk: None) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        as_agent.get("/tickets/statistics/")
    # The user, the desk summary (one grouped scan), "mine", the satisfaction answers.
    assert len(queries) == 4
    with CaptureQueriesContext(connection) as queries:
        as_agent.get("/tickets/statistics/")
    assert len(queries) == 3  # the summary is cached
    with CaptureQueriesContext(connection) as queries:
        as_customer.get("/tickets/statistics/")
    assert len(queries) == 2  # the user, their own tickets summarized


def test_a_small_desks_statistics_are_exact_after_every_change(
    as_agent: Api, customer: User, agent: User, desk: None, django_capture_on_commit_callbacks: Any
) -> None:
    assert as_agent.get("/tickets/statistics/").json()["total_tickets"] == 3
    with django_capture_on_commit_callbacks(execute=True):
        open_ticket(customer, "One more ticket")
    assert as_agent.get("/tickets/statistics/").json()["total_tickets"] == 4


def test_a_large_desks_statistics_are_at_most_a_minute_old(
    as_agent: Api,
    as_customer: Api,
    customer: User,
    agent: User,
    desk: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    import time

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("frontdesk.tickets.statistics.SUMMARY_CHEAP_SECONDS", 0)  # "slow" to count
        assert as_agent.get("/tickets/statistics/").json()["total_tickets"] == 3
        with django_capture_on_commit_callbacks(execute=True):
            ticket = open_ticket(customer, "One more ticket")
            services.ticket_claim(actor=agent, ticket_id=ticket.pk)
        cached = as_agent.get("/tickets/statistics/").json()
        assert cached["total_tickets"] == 3  # the desk-wide counts come from the cache...
        assert cached["my_tickets_count"] == 2  # ...but "mine" is counted now
        assert as_customer.get("/tickets/statistics/").json()["total_tickets"] == 3  # own only
        later = time.time() + 61
        patch.setattr("django.core.cache.backends.locmem.time.time", lambda: later)
        assert as_agent.get("/tickets/statistics/").json()["total_tickets"] == 4


def test_the_refresh_job_counts_again(as_agent: Api, customer: User, desk: None) -> None:
    from frontdesk.tickets.tasks import desk_summary_refresh

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("frontdesk.tickets.statistics.SUMMARY_CHEAP_SECONDS", 0)
        assert as_agent.get("/tickets/statistics/").json()["total_tickets"] == 3
        open_ticket(customer, "One more ticket")
        assert as_agent.get("/tickets/statistics/").json()["total_tickets"] == 3
        desk_summary_refresh.call_local()
        assert as_agent.get("/tickets/statistics/").json()["total_tickets"] == 4


def test_changes_to_comments_and_files_are_in_the_history(
    as_agent: Api, customer: User, agent: User
) -> None:
    ticket = open_ticket(customer)
    note = as_agent.post(
        f"/tickets/{ticket.pk}/add_comment/", {"content": "Check the boiler.", "is_internal": True}
    ).json()
    as_agent.call("PUT", f"/comments/{note['id']}/", {"content": "Check the boiler first."})
    as_agent.call("DELETE", f"/comments/{note['id']}/")
    rows = as_agent.get("/history/", ticket=str(ticket.pk)).json()["results"]
    changes = [
        (row["field"], row["old_value"], row["new_value"], row["staff_only"]) for row in rows
    ]
    note_id = str(note["id"])
    assert changes[:2] == [
        ("comment", note_id, "", True),
        ("comment", note_id, note_id, True),
    ]
