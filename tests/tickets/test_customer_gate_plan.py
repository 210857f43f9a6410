"""On PostgreSQL, a customer's tickets are read the way their number calls for (decision 90):
the planner estimates the gate from the requester's statistics, so a customer with thousands
of tickets is not probed by primary key ticket by ticket, in a plan made for the values or in
the generic plan a prepared statement keeps (decision 85); and the few tickets they are
copied on are read by the primary key."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.models import QuerySet

from frontdesk.accounts.models import User
from frontdesk.core.bulk import insert_rows, next_free_id, reset_id_sequences
from frontdesk.following.services import ticket_cc_add
from frontdesk.tickets import access, demo, selectors
from frontdesk.tickets.models import Ticket
from tests.conftest import make_user, open_ticket

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans"),
    pytest.mark.django_db,
]

MANY = 2_000  # the customer's tickets
OTHERS = 30_000  # everyone else's


@pytest.fixture
def heavy_customer(customer: User, other_customer: User) -> User:
    """``customer`` with MANY active tickets among OTHERS of ``other_customer``, analysed."""
    template = open_ticket(customer, "Many")
    first = next_free_id(Ticket)
    db_time = connection.ops.adapt_datetimefield_value
    rows = []
    for n in range(MANY + OTHERS):
        template.requester_id = customer.pk if n % 16 == 0 and n < 16 * MANY else other_customer.pk
        rows.append((first + n, *demo._ticket_values(template, db_time)))
    insert_rows(Ticket, demo.TICKET_COLUMNS, rows)
    reset_id_sequences(Ticket)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_ticket")
    return customer


def _plan(query: QuerySet[Any], *, generic: bool) -> dict[str, Any]:
    """The executed plan of ``query`` (EXPLAIN ANALYZE) as a prepared statement, planned for
    its values or generic."""
    sql, params = query.query.sql_with_params()
    assert all(isinstance(value, int) for value in params), params
    numbers = itertools.count(1)
    prepared = re.sub("%s", lambda _: f"${next(numbers)}", sql)
    mode = "force_generic_plan" if generic else "force_custom_plan"
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL plan_cache_mode = {mode}")
        cursor.execute(f"PREPARE gate_read AS {prepared}")
        try:
            values = ", ".join(str(value) for value in params)
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE gate_read({values})")
            (plan,) = cursor.fetchone()
        finally:
            cursor.execute("DEALLOCATE gate_read")
    return plan[0]["Plan"]  # type: ignore[no-any-return]


def _nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def _pk_probes(plan: dict[str, Any]) -> list[int]:
    """How many times each read of the tickets' primary key ran: more than once is a probe
    per row of something else."""
    return [
        node["Actual Loops"]
        for node in _nodes(plan)
        if node.get("Index Name") == "tickets_ticket_pkey" and node["Actual Loops"] > 1
    ]


@pytest.mark.parametrize("generic", [False, True], ids=["for-the-values", "generic"])
def test_supportmes_open_tickets_of_a_heavy_customer_probe_no_primary_key(
    heavy_customer: User, generic: bool
) -> None:
    """As ``id IN (requested UNION ALL copied)`` PostgreSQL guessed 200 tickets and probed
    the primary key once for each of the customer's (loops=2001)."""
    read = selectors._active_for(heavy_customer, None).values_list(*selectors.ROW_FIELDS)
    plan = _plan(read, generic=generic)
    assert plan["Actual Rows"] == MANY + 1
    assert _pk_probes(plan) == []


@pytest.mark.parametrize("generic", [False, True], ids=["for-the-values", "generic"])
def test_a_heavy_customers_newest_tickets_probe_no_primary_key(
    heavy_customer: User, generic: bool
) -> None:
    """Their pages' list: the newest 26 of every ticket they may see."""
    read = access.tickets_visible_to(heavy_customer).order_by("-created_at", "-id")[:26]
    plan = _plan(read.values_list("pk"), generic=generic)
    assert plan["Actual Rows"] == 26
    assert _pk_probes(plan) == []


def test_the_tickets_a_customer_is_copied_on_are_read_by_the_primary_key(
    heavy_customer: User, other_customer: User
) -> None:
    """Not through a BRIN index on the id (migration 0022 dropped the tickets' one): priced
    by reading the index alone it looked cheaper, and every 128-page range holding one of
    the ids was then read row by row."""
    light = make_user("Max")
    own = open_ticket(light, "Mine")
    copied = [open_ticket(other_customer, f"Copied {n}") for n in range(3)]
    for ticket in copied:
        ticket_cc_add(actor=other_customer, ticket_id=ticket.pk, emails=[light.email])
    read = access.tickets_visible_to(light).order_by("-created_at", "-id")[:26]
    assert set(read.values_list("pk", flat=True)) == {own.pk, *(ticket.pk for ticket in copied)}
    plan = _plan(read.values_list("pk"), generic=False)
    scans = [node for node in _nodes(plan) if "ANY" in node.get("Index Cond", "")]
    assert [node["Index Name"] for node in scans] == ["tickets_ticket_pkey"]
    assert all(node.get("Lossy Heap Blocks", 0) == 0 for node in _nodes(plan))
