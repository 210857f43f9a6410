"""SQLite uses the partial indexes on active tickets: their condition is written into queries
as constants (tickets/models.py, InConstants), where a bound parameter would never match."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from frontdesk.accounts.models import User
from frontdesk.teams.services import team_create
from frontdesk.tickets import access, customers
from frontdesk.tickets.filters import overdue_at
from frontdesk.tickets.models import Ticket


@pytest.mark.django_db
def test_the_overdue_queue_can_read_the_due_date_index() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("partial-index matching is SQLite's rule; PostgreSQL plans with values")
    query = Ticket.objects.filter(overdue_at(timezone.now())).order_by("due_at", "id")
    sql, params = query.values("pk")[:51].query.sql_with_params()
    assert "'new', 'open', 'in_progress', 'pending', 'reopened'" in sql
    # INDEXED BY fails ("no query solution") when the index cannot serve the query, as it
    # cannot when the statuses are bound parameters. Whether the planner then picks it
    # depends on the statistics (it does at a million tickets: 0.9 s became 9 ms).
    forced = sql.replace('FROM "tickets_ticket"', 'FROM "tickets_ticket" INDEXED BY ticket_due_idx')
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + forced, params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "ticket_due_idx" in plan
    assert "TEMP B-TREE" not in plan  # no sort: the index gives the order


def test_only_fixed_codes_are_written_into_sql() -> None:
    query = Ticket.objects.filter(status__in_constants=["open", "x') OR 1=1 --"])
    with pytest.raises(ValueError, match="fixed codes only"):
        str(query.query)


@pytest.mark.django_db
def test_an_agents_tickets_beyond_their_teams_are_read_on_the_assignee_team_index(
    admin: User, agent: User
) -> None:
    """statistics.summary_for counts them on every page of an agent's: through the assignee
    index alone that read every ticket ever assigned to them."""
    if connection.vendor != "sqlite":
        pytest.skip("the plan asked is SQLite's; PostgreSQL plans with its statistics")
    team_create(actor=admin, values={"name": "Front desk", "members": [agent.pk]})
    scope = access.team_scope(agent)
    assert scope is not None
    query = Ticket.objects.filter(scope.beyond).values("pk")
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "ticket_assignee_team_idx" in plan


@pytest.mark.django_db
def test_the_customer_panels_count_reads_the_requester_gate_index_alone(
    admin: User, agent: User, customer: User
) -> None:
    """Every agent's ticket page counts the requester's other tickets through the agent's
    gate (the team, the assignee): from the index alone, not each ticket's row."""
    if connection.vendor != "sqlite":
        pytest.skip("the plan asked is SQLite's; PostgreSQL plans with its statistics")
    team_create(actor=admin, values={"name": "Front desk", "members": [agent.pk]})
    shape = access.gate_shape(agent)
    query = customers._person(shape, agent.pk, customer.pk, 1)
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "COVERING INDEX ticket_requester_gate_idx" in plan
