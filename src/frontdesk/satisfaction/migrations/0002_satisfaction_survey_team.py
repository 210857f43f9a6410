"""A survey's team, without long locks (docs/decisions.md, 50), as tickets' own team was
added (tickets/migrations/0017): a nullable column with no constraint (instant), then on
PostgreSQL the foreign key NOT VALID and validated, and the index built CONCURRENTLY. Other
backends get the index the plain way. Surveys answered before have no team (null)."""

import django.db.models.deletion
from django.db import migrations, models

from frontdesk.core.migration_operations import AddIndexElsewhere, PostgreSQLOnlySQL

INDEX = models.Index(
    fields=["team", "rating"],
    condition=models.Q(rated_at__isnull=False),
    name="survey_team_idx",
)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("teams", "0001_initial"),
        ("satisfaction", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="survey",
            name="team",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="teams.team",
            ),
        ),
        PostgreSQLOnlySQL(
            [
                'ALTER TABLE "satisfaction_survey" ADD CONSTRAINT "survey_team_fk" FOREIGN KEY '
                '("team_id") REFERENCES "teams_team" ("id") ON DELETE SET NULL NOT VALID',
                'ALTER TABLE "satisfaction_survey" VALIDATE CONSTRAINT "survey_team_fk"',
                'CREATE INDEX CONCURRENTLY IF NOT EXISTS "survey_team_idx" '
                'ON "satisfaction_survey" ("team_id", "rating") WHERE "rated_at" IS NOT NULL',
            ],
            [
                'DROP INDEX CONCURRENTLY IF EXISTS "survey_team_idx"',
                'ALTER TABLE "satisfaction_survey" DROP CONSTRAINT IF EXISTS "survey_team_fk"',
            ],
        ),
        AddIndexElsewhere(model_name="survey", index=INDEX),
    ]
