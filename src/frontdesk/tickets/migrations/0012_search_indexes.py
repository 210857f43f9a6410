"""PostgreSQL: BRIN indexes on the ids of tickets and messages, so that a search can read
only the matches in a range of recent ids (tickets/search.py, _newest_matches): the planner
intersects the GIN index of the words with the id range, instead of reading every match.
And a B-tree on (requester_id, id), so that the newest tickets of the person a search names
(_person_part) are read newest first from the index; with only the requester_id index, the
tickets of a customer with 6,783 of them were all read from the table and sorted (100-240
ms, 300,000 tickets, load average 10). SQLite's index on requester_id holds the rowid
already.

A BRIN index keeps the lowest and highest id of every 128 pages: tiny (about 100 kB for 5.2
million messages), and rows are appended in id order, so the ranges stay narrow. Built
CONCURRENTLY, outside a transaction: writes to the tables go on while it is built.
SQLite (FTS5 reads its matches newest first by itself) and other backends get nothing."""

from django.db import migrations

from frontdesk.core.migration_operations import PostgreSQLOnlySQL

POSTGRESQL_FORWARD = [
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS ticket_id_brin ON tickets_ticket USING brin (id)",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS message_id_brin ON tickets_message USING brin (id)",
    """CREATE INDEX CONCURRENTLY IF NOT EXISTS ticket_requester_newest_idx
        ON tickets_ticket (requester_id, id)""",
]
POSTGRESQL_REVERSE = [
    "DROP INDEX CONCURRENTLY IF EXISTS ticket_id_brin",
    "DROP INDEX CONCURRENTLY IF EXISTS message_id_brin",
    "DROP INDEX CONCURRENTLY IF EXISTS ticket_requester_newest_idx",
]


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("tickets", "0011_ticket_done_idx"),
    ]

    operations = [
        PostgreSQLOnlySQL(POSTGRESQL_FORWARD, POSTGRESQL_REVERSE),
    ]
