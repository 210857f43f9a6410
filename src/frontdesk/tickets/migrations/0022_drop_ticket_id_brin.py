"""PostgreSQL: the BRIN index on the tickets' ids (migration 0012) goes.

The search stopped reading ticket titles by id ranges (tickets/search.py, ``ranges_by_id``),
so nothing asks for it, and it misled the planner about a customer's tickets (decision 90):
for the few tickets a customer is copied on (``id = ANY(...)``, one arm of the gate's
BitmapOr) PostgreSQL prices each index by what reading the index costs, and a BRIN index is
nearly free to read, so it chose BRIN over the primary key and then checked every row of
each 128-page range the ids fell in (4,790 rows for one ticket, 200,000 tickets). The
messages' BRIN index stays: the search reads messages by id ranges."""

from django.db import migrations

from frontdesk.core.migration_operations import PostgreSQLOnlySQL


class Migration(migrations.Migration):
    atomic = False  # DROP INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("tickets", "0021_ticket_requester_gate_idx"),
    ]

    operations = [
        PostgreSQLOnlySQL(
            ["DROP INDEX CONCURRENTLY IF EXISTS ticket_id_brin"],
            ["CREATE INDEX CONCURRENTLY IF NOT EXISTS ticket_id_brin ON tickets_ticket USING brin (id)"],
        ),
    ]
