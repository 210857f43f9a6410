"""Full-text search (tickets/search.py): FTS5 tables and their triggers on SQLite, GIN
indexes on the tsvector expressions on PostgreSQL. Other backends get nothing."""

from django.db import migrations

_TOKENIZE = "tokenize = 'unicode61 remove_diacritics 2'"

SQLITE_FORWARD = [
    f"""CREATE VIRTUAL TABLE tickets_ticket_fts USING fts5(
        title, content = 'tickets_ticket', content_rowid = 'id', {_TOKENIZE})""",
    """CREATE TRIGGER tickets_ticket_fts_insert AFTER INSERT ON tickets_ticket BEGIN
        INSERT INTO tickets_ticket_fts (rowid, title) VALUES (new.id, new.title);
    END""",
    """CREATE TRIGGER tickets_ticket_fts_delete AFTER DELETE ON tickets_ticket BEGIN
        INSERT INTO tickets_ticket_fts (tickets_ticket_fts, rowid, title)
        VALUES ('delete', old.id, old.title);
    END""",
    """CREATE TRIGGER tickets_ticket_fts_update AFTER UPDATE OF id, title ON tickets_ticket
    BEGIN
        INSERT INTO tickets_ticket_fts (tickets_ticket_fts, rowid, title)
        VALUES ('delete', old.id, old.title);
        INSERT INTO tickets_ticket_fts (rowid, title) VALUES (new.id, new.title);
    END""",
    f"""CREATE VIRTUAL TABLE tickets_message_fts USING fts5(
        body, kind UNINDEXED, ticket_id UNINDEXED,
        content = 'tickets_message', content_rowid = 'id', {_TOKENIZE})""",
    """CREATE TRIGGER tickets_message_fts_insert AFTER INSERT ON tickets_message BEGIN
        INSERT INTO tickets_message_fts (rowid, body, kind, ticket_id)
        VALUES (new.id, new.body, new.kind, new.ticket_id);
    END""",
    """CREATE TRIGGER tickets_message_fts_delete AFTER DELETE ON tickets_message BEGIN
        INSERT INTO tickets_message_fts (tickets_message_fts, rowid, body, kind, ticket_id)
        VALUES ('delete', old.id, old.body, old.kind, old.ticket_id);
    END""",
    """CREATE TRIGGER tickets_message_fts_update
    AFTER UPDATE OF id, body, kind, ticket_id ON tickets_message BEGIN
        INSERT INTO tickets_message_fts (tickets_message_fts, rowid, body, kind, ticket_id)
        VALUES ('delete', old.id, old.body, old.kind, old.ticket_id);
        INSERT INTO tickets_message_fts (rowid, body, kind, ticket_id)
        VALUES (new.id, new.body, new.kind, new.ticket_id);
    END""",
    # Index the rows that are already there.
    "INSERT INTO tickets_ticket_fts (tickets_ticket_fts) VALUES ('rebuild')",
    "INSERT INTO tickets_message_fts (tickets_message_fts) VALUES ('rebuild')",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS tickets_ticket_fts_insert",
    "DROP TRIGGER IF EXISTS tickets_ticket_fts_delete",
    "DROP TRIGGER IF EXISTS tickets_ticket_fts_update",
    "DROP TRIGGER IF EXISTS tickets_message_fts_insert",
    "DROP TRIGGER IF EXISTS tickets_message_fts_delete",
    "DROP TRIGGER IF EXISTS tickets_message_fts_update",
    "DROP TABLE IF EXISTS tickets_ticket_fts",
    "DROP TABLE IF EXISTS tickets_message_fts",
]
# The same expressions as tickets/search.py, so that its queries use these indexes.
POSTGRESQL_FORWARD = [
    """CREATE INDEX IF NOT EXISTS ticket_title_fts_idx
        ON tickets_ticket USING gin (to_tsvector('simple', title))""",
    """CREATE INDEX IF NOT EXISTS message_body_fts_idx
        ON tickets_message USING gin (to_tsvector('simple', body))""",
]
POSTGRESQL_REVERSE = [
    "DROP INDEX IF EXISTS ticket_title_fts_idx",
    "DROP INDEX IF EXISTS message_body_fts_idx",
]


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0003_ticket_read"),
    ]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRESQL_FORWARD}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}),
        ),
    ]
