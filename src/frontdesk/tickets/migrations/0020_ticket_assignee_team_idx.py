"""An agent's tickets in teams, for their counts (tickets/statistics.py), without long locks
(decision 50): built CONCURRENTLY on PostgreSQL, the plain way elsewhere."""

from django.db import migrations, models

from frontdesk.core.migration_operations import AddIndexElsewhere, PostgreSQLOnlySQL

INDEX = models.Index(
    fields=["assignee", "team"],
    condition=models.Q(team__isnull=False),
    name="ticket_assignee_team_idx",
)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("tickets", "0019_ticket_activity_idx"),
    ]

    operations = [
        PostgreSQLOnlySQL(
            [
                'CREATE INDEX CONCURRENTLY IF NOT EXISTS "ticket_assignee_team_idx" '
                'ON "tickets_ticket" ("assignee_id", "team_id") WHERE "team_id" IS NOT NULL',
            ],
            ['DROP INDEX CONCURRENTLY IF EXISTS "ticket_assignee_team_idx"'],
        ),
        AddIndexElsewhere(model_name="ticket", index=INDEX),
    ]
