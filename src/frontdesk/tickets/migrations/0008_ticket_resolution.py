"""A ticket's resolution: how the problem was solved, and whether the requester may read it.
History rows name its changes (``resolution``, ``resolution_public``), a longer field name.

On SQLite, Django adds a NOT NULL column by copying the whole table, which drops
tickets_ticket's full-text triggers (decisions.md 14) and takes as long as the table is big.
SQLite can add such a column in place when its default is a constant, so the ticket's two
columns are added with ALTER TABLE ... ADD COLUMN and their database defaults there too. The
history table has no triggers: it is rebuilt as Django does (SQLite does not enforce the
length, PostgreSQL only widens the column)."""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


class AddFieldInPlace(migrations.AddField):
    """AddField that on SQLite too adds the column with ALTER TABLE ... ADD COLUMN, which
    needs a field with a constant ``db_default``. Undoing it drops the column in place."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor != "sqlite":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
            return
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            field = model._meta.get_field(self.name)
            assert field.has_db_default(), "SQLite adds a NOT NULL column in place only so"
            # The generic ALTER TABLE ... ADD COLUMN, not SQLite's copy of the table.
            BaseDatabaseSchemaEditor.add_field(schema_editor, model, field)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0007_event_staff_only"),
    ]

    operations = [
        AddFieldInPlace(
            model_name="ticket",
            name="resolution",
            field=models.TextField(blank=True, db_default="", default=""),
        ),
        AddFieldInPlace(
            model_name="ticket",
            name="resolution_public",
            field=models.BooleanField(db_default=True, default=True),
        ),
        migrations.AlterField(
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
                ],
                max_length=24,
            ),
        ),
    ]
