"""A requester's tickets with the columns an agent's gate reads (and the id, which
PostgreSQL's index-only scan needs; SQLite's indexes hold it), for the customer panel's count
(tickets/customers.py), without long locks (decision 50): built CONCURRENTLY on
PostgreSQL, the plain way elsewhere."""

from django.db import migrations, models

from frontdesk.core.migration_operations import AddIndexElsewhere, PostgreSQLOnlySQL

INDEX = models.Index(
    fields=["requester", "team", "assignee"], include=["id"], name="ticket_requester_gate_idx"
)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("tickets", "0020_ticket_assignee_team_idx"),
    ]

    operations = [
        PostgreSQLOnlySQL(
            [
                'CREATE INDEX CONCURRENTLY IF NOT EXISTS "ticket_requester_gate_idx" '
                'ON "tickets_ticket" ("requester_id", "team_id", "assignee_id") INCLUDE ("id")',
            ],
            ['DROP INDEX CONCURRENTLY IF EXISTS "ticket_requester_gate_idx"'],
        ),
        AddIndexElsewhere(model_name="ticket", index=INDEX),
    ]
