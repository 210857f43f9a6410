"""Merge, split and link (tickets/merging.py): a ticket's ``merged_into`` and the links
between tickets.

The ticket table is big, so nothing here holds it for long (docs/decisions.md 50): the column
is added nullable; on PostgreSQL its foreign key is added NOT VALID and validated after (which
lets reads and writes on), and its partial index is built CONCURRENTLY. The link table is
new and empty."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import frontdesk.core.clock
from frontdesk.core.migration_operations import OtherThanPostgreSQLSQL, PostgreSQLOnlySQL

POSTGRESQL_FORWARD = [
    """ALTER TABLE tickets_ticket ADD CONSTRAINT tickets_ticket_merged_into_fk
        FOREIGN KEY (merged_into_id) REFERENCES tickets_ticket (id)
        DEFERRABLE INITIALLY DEFERRED NOT VALID""",
    "ALTER TABLE tickets_ticket VALIDATE CONSTRAINT tickets_ticket_merged_into_fk",
    """CREATE INDEX CONCURRENTLY IF NOT EXISTS ticket_merged_into_idx
        ON tickets_ticket (merged_into_id) WHERE merged_into_id IS NOT NULL""",
]
POSTGRESQL_REVERSE = [
    "DROP INDEX CONCURRENTLY IF EXISTS ticket_merged_into_idx",
    "ALTER TABLE tickets_ticket DROP CONSTRAINT IF EXISTS tickets_ticket_merged_into_fk",
]
OTHER_FORWARD = """CREATE INDEX IF NOT EXISTS ticket_merged_into_idx
    ON tickets_ticket (merged_into_id) WHERE merged_into_id IS NOT NULL"""
OTHER_REVERSE = "DROP INDEX IF EXISTS ticket_merged_into_idx"


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ('accounts', '0010_session_event_kinds'),
        ('tickets', '0013_i15csat_event_fields'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='TicketLink',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('related', 'Related'), ('split', 'Split'), ('merged', 'Merged')], default='related', max_length=8)),
                ('created_at', models.DateTimeField(default=frontdesk.core.clock.now)),
            ],
        ),
        migrations.AddField(
            model_name='ticket',
            name='merged_into',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='merged_tickets', to='tickets.ticket'),
        ),
        migrations.AlterField(
            model_name='ticketevent',
            name='field',
            field=models.CharField(choices=[('status', 'Status'), ('assignee', 'Assignee'), ('priority', 'Priority'), ('category', 'Category'), ('tags', 'Tags'), ('title', 'Title'), ('due_at', 'Due date'), ('estimated_hours', 'Estimated hours'), ('actual_hours', 'Actual hours'), ('created', 'Created'), ('comment', 'Comment'), ('attachment', 'Attachment'), ('resolution', 'Resolution'), ('resolution_public', 'Resolution shown to the customer'), ('time', 'Time logged'), ('satisfaction', 'Satisfaction'), ('merged', 'Merged'), ('split', 'Split'), ('links', 'Linked tickets')], max_length=24),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name='ticket',
                    index=models.Index(condition=models.Q(('merged_into__isnull', False)), fields=['merged_into'], name='ticket_merged_into_idx'),
                ),
            ],
            database_operations=[
                PostgreSQLOnlySQL(POSTGRESQL_FORWARD, POSTGRESQL_REVERSE),
                OtherThanPostgreSQLSQL(OTHER_FORWARD, OTHER_REVERSE),
            ],
        ),
        migrations.AddField(
            model_name='ticketlink',
            name='created_by',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='ticketlink',
            name='other',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='links_in', to='tickets.ticket'),
        ),
        migrations.AddField(
            model_name='ticketlink',
            name='ticket',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='links_out', to='tickets.ticket'),
        ),
        migrations.AddConstraint(
            model_name='ticketlink',
            constraint=models.UniqueConstraint(fields=('ticket', 'other'), name='ticket_link_unique'),
        ),
        migrations.AddConstraint(
            model_name='ticketlink',
            constraint=models.CheckConstraint(condition=models.Q(('ticket__lt', models.F('other'))), name='ticket_link_older_first'),
        ),
    ]
