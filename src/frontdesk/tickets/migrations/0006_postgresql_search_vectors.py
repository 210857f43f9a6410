"""PostgreSQL: keep each title's and message's tsvector in a stored generated column, indexed
with GIN, instead of GIN indexes on the to_tsvector() expressions (migration 0004).

Ranking and checking matches then read the stored vector rather than parse the text again:
a common word at a million tickets spent 300 ms in to_tsvector() alone. The columns are
unknown to the models on purpose: PostgreSQL fills them on every insert and update, and
only tickets/search.py reads them. SQLite (FTS5) and other backends get nothing."""

from django.db import migrations

POSTGRESQL_FORWARD = [
    """ALTER TABLE tickets_ticket ADD COLUMN IF NOT EXISTS title_search tsvector
        GENERATED ALWAYS AS (to_tsvector('simple', title)) STORED""",
    """ALTER TABLE tickets_message ADD COLUMN IF NOT EXISTS body_search tsvector
        GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED""",
    "CREATE INDEX IF NOT EXISTS ticket_title_search_idx ON tickets_ticket USING gin (title_search)",
    "CREATE INDEX IF NOT EXISTS message_body_search_idx ON tickets_message USING gin (body_search)",
    "DROP INDEX IF EXISTS ticket_title_fts_idx",
    "DROP INDEX IF EXISTS message_body_fts_idx",
]
POSTGRESQL_REVERSE = [
    """CREATE INDEX IF NOT EXISTS ticket_title_fts_idx
        ON tickets_ticket USING gin (to_tsvector('simple', title))""",
    """CREATE INDEX IF NOT EXISTS message_body_fts_idx
        ON tickets_message USING gin (to_tsvector('simple', body))""",
    "ALTER TABLE tickets_ticket DROP COLUMN IF EXISTS title_search",
    "ALTER TABLE tickets_message DROP COLUMN IF EXISTS body_search",
]


def _run(statements: list[str]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0005_ticket_created_index"),
    ]

    operations = [
        migrations.RunPython(_run(POSTGRESQL_FORWARD), _run(POSTGRESQL_REVERSE)),
    ]
