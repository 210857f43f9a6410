"""A ticket's team, without long locks (docs/decisions.md, 50): a nullable column with no
constraint (instant), then on PostgreSQL the foreign key NOT VALID and validated (reads and
writes go on while it is checked), and the index built CONCURRENTLY. Other backends get the
index the plain way."""

import django.db.models.deletion
from django.db import migrations, models

from frontdesk.core.migration_operations import AddIndexElsewhere, PostgreSQLOnlySQL

INDEX = models.Index(fields=["team", "created_at"], name="ticket_team_idx")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("teams", "0001_initial"),
        ("tickets", "0016_fields_event_choice"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="team",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="tickets",
                to="teams.team",
            ),
        ),
        PostgreSQLOnlySQL(
            [
                'ALTER TABLE "tickets_ticket" ADD CONSTRAINT "ticket_team_fk" FOREIGN KEY '
                '("team_id") REFERENCES "teams_team" ("id") ON DELETE SET NULL NOT VALID',
                'ALTER TABLE "tickets_ticket" VALIDATE CONSTRAINT "ticket_team_fk"',
                'CREATE INDEX CONCURRENTLY IF NOT EXISTS "ticket_team_idx" '
                'ON "tickets_ticket" ("team_id", "created_at")',
            ],
            [
                'DROP INDEX CONCURRENTLY IF EXISTS "ticket_team_idx"',
                'ALTER TABLE "tickets_ticket" DROP CONSTRAINT IF EXISTS "ticket_team_fk"',
            ],
        ),
        AddIndexElsewhere(model_name="ticket", index=INDEX),
        migrations.AlterField(  # a new choice of history field: no SQL
            model_name="ticketevent",
            name="field",
            field=models.CharField(
                choices=[
                    ("status", "Status"),
                    ("assignee", "Assignee"),
                    ("priority", "Priority"),
                    ("category", "Category"),
                    ("tags", "Tags"),
                    ("title", "Title"),
                    ("due_at", "Due date"),
                    ("estimated_hours", "Estimated hours"),
                    ("actual_hours", "Actual hours"),
                    ("created", "Created"),
                    ("comment", "Comment"),
                    ("attachment", "Attachment"),
                    ("resolution", "Resolution"),
                    ("resolution_public", "Resolution shown to the customer"),
                    ("time", "Time logged"),
                    ("satisfaction", "Satisfaction"),
                    ("merged", "Merged"),
                    ("split", "Split"),
                    ("links", "Linked tickets"),
                    ("followers", "Followers"),
                    ("cc", "CC"),
                    ("custom_field", "Custom field"),
                    ("team", "Team"),
                ],
                max_length=24,
            ),
        ),
    ]
