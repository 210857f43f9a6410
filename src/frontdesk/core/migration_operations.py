"""Migration operations of the project's own.

``PostgreSQLOnlySQL`` is ``RunSQL`` that runs on PostgreSQL and does nothing elsewhere. Written
as SQL rather than as ``RunPython`` because ``sqlmigrate`` shows it, so the guard on big
tables (docs/decisions.md, 50) can read what a migration does to them. Its counterparts for the
other backends: ``OtherThanPostgreSQLSQL``, and ``AddIndexElsewhere`` for an index PostgreSQL
builds CONCURRENTLY in a ``PostgreSQLOnlySQL`` of the same migration.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


class PostgreSQLOnlySQL(migrations.RunSQL):
    def database_forwards(self, app_label: str, schema_editor: Any, *args: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, *args)

    def database_backwards(self, app_label: str, schema_editor: Any, *args: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, *args)


class OtherThanPostgreSQLSQL(migrations.RunSQL):
    def database_forwards(self, app_label: str, schema_editor: Any, *args: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            super().database_forwards(app_label, schema_editor, *args)

    def database_backwards(self, app_label: str, schema_editor: Any, *args: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            super().database_backwards(app_label, schema_editor, *args)


class AddIndexElsewhere(migrations.AddIndex):
    """The index on every backend but PostgreSQL; the model's state gets it everywhere."""

    def database_forwards(self, app_label: str, schema_editor: Any, *args: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            super().database_forwards(app_label, schema_editor, *args)

    def database_backwards(self, app_label: str, schema_editor: Any, *args: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            super().database_backwards(app_label, schema_editor, *args)
