"""Tickets by their last change, for the reports' aggregates (docs/decisions.md, 65), without
long locks (decision 50): built CONCURRENTLY on PostgreSQL, the plain way elsewhere."""

from django.db import migrations, models

from frontdesk.core.migration_operations import AddIndexElsewhere, PostgreSQLOnlySQL

INDEX = models.Index(fields=["last_activity_at"], name="ticket_activity_idx")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("tickets", "0018_ticket_resolved_idx"),
    ]

    operations = [
        PostgreSQLOnlySQL(
            [
                'CREATE INDEX CONCURRENTLY IF NOT EXISTS "ticket_activity_idx" '
                'ON "tickets_ticket" ("last_activity_at")',
            ],
            ['DROP INDEX CONCURRENTLY IF EXISTS "ticket_activity_idx"'],
        ),
        AddIndexElsewhere(model_name="ticket", index=INDEX),
    ]
