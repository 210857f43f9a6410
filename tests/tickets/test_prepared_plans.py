"""On PostgreSQL, a list read on every request keeps its prepared plan (decision 85) instead
of being planned again each time (core/postgresql/planning.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from frontdesk.accounts.models import User
from frontdesk.core.bulk import insert_rows, next_free_id, reset_id_sequences
from frontdesk.tickets import api_selectors, demo
from frontdesk.tickets.models import Ticket
from tests.conftest import open_ticket

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared plans"),
    pytest.mark.django_db,
]


def _tickets_mostly_overdue(customer: User, count: int) -> list[int]:
    """``count`` active tickets, nine in ten of them overdue (as on the demo desk, where a
    plan for the values sees that and a generic plan guesses a third), their due dates in
    no order of their ids; the overdue ones' ids by due date."""
    template = open_ticket(customer, "Overdue template")
    now = timezone.now()
    first = next_free_id(Ticket)
    rows = []
    db_time = connection.ops.adapt_datetimefield_value
    for n in range(count):
        template.pk = first + n
        hours = n * 7919 % count  # every hour once, shuffled
        template.due_at = now + timedelta(days=1) if n % 10 == 0 else now - timedelta(hours=hours)
        rows.append((first + n, *demo._ticket_values(template, db_time)))
    insert_rows(Ticket, demo.TICKET_COLUMNS, rows)
    reset_id_sequences(Ticket)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_ticket")
    overdue = Ticket.objects.filter(pk__gte=first, due_at__lt=now).order_by("due_at", "id")
    return list(overdue.values_list("pk", flat=True))


def _plans_of(fragment: str) -> list[tuple[int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE %s",
            [f"%{fragment}%"],
        )
        return cursor.fetchall()


def test_the_overdue_list_keeps_its_generic_plan(customer: User, admin: User) -> None:
    """Its ids, read with a new time each request: without the time hidden from the planner
    PostgreSQL priced the generic plan at twice the one made for the values, and planned the
    statement again on every request."""
    overdue = _tickets_mostly_overdue(customer, 20_000)
    for _ in range(12):  # psycopg prepares at the 5th run, PostgreSQL weighs 5 custom plans
        page = api_selectors.tickets_list_for_api(
            user=admin, filters={"overdue": "true"}, ordering="due_date"
        )
        assert [row.pk for row in page.items] == overdue[: api_selectors.API_LIMIT]
    plans = _plans_of('"tickets_ticket"."due_at" ASC')
    assert len(plans) == 1
    generic, custom = plans[0]
    assert generic >= 1, f"planned for its values every time ({custom} custom plans)"
