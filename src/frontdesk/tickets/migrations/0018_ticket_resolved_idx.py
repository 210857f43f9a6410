"""Tickets by when they were resolved, for the reports (docs/decisions.md, 65), without long
locks (decision 50): built CONCURRENTLY on PostgreSQL, the plain way elsewhere."""

from django.db import migrations, models

from frontdesk.core.migration_operations import AddIndexElsewhere, PostgreSQLOnlySQL

INDEX = models.Index(fields=["resolved_at", "created_at"], name="ticket_resolved_idx")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("tickets", "0017_teams_ticket_team"),
    ]

    operations = [
        PostgreSQLOnlySQL(
            [
                'CREATE INDEX CONCURRENTLY IF NOT EXISTS "ticket_resolved_idx" '
                'ON "tickets_ticket" ("resolved_at", "created_at")',
            ],
            ['DROP INDEX CONCURRENTLY IF EXISTS "ticket_resolved_idx"'],
        ),
        AddIndexElsewhere(model_name="ticket", index=INDEX),
    ]
