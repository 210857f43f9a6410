"""Full-text search over published articles (kb/search.py). SQLite: an FTS5 external-content
table on the published title and body, kept in sync by triggers. PostgreSQL: a stored
generated tsvector, the title weighted A and the body B, with a GIN index."""

from django.db import migrations

from frontdesk.core.migration_operations import OtherThanPostgreSQLSQL, PostgreSQLOnlySQL

_TOKENIZE = "tokenize = 'unicode61 remove_diacritics 2'"
_COLUMNS = "published_title, published_body"

SQLITE_FORWARD = [
    f"""CREATE VIRTUAL TABLE kb_article_fts USING fts5(
        {_COLUMNS}, content = 'kb_article', content_rowid = 'id', {_TOKENIZE})""",
    f"""CREATE TRIGGER kb_article_fts_insert AFTER INSERT ON kb_article BEGIN
        INSERT INTO kb_article_fts (rowid, {_COLUMNS})
        VALUES (new.id, new.published_title, new.published_body);
    END""",
    f"""CREATE TRIGGER kb_article_fts_delete AFTER DELETE ON kb_article BEGIN
        INSERT INTO kb_article_fts (kb_article_fts, rowid, {_COLUMNS})
        VALUES ('delete', old.id, old.published_title, old.published_body);
    END""",
    f"""CREATE TRIGGER kb_article_fts_update
    AFTER UPDATE OF id, {_COLUMNS} ON kb_article BEGIN
        INSERT INTO kb_article_fts (kb_article_fts, rowid, {_COLUMNS})
        VALUES ('delete', old.id, old.published_title, old.published_body);
        INSERT INTO kb_article_fts (rowid, {_COLUMNS})
        VALUES (new.id, new.published_title, new.published_body);
    END""",
    "INSERT INTO kb_article_fts (kb_article_fts) VALUES ('rebuild')",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS kb_article_fts_insert",
    "DROP TRIGGER IF EXISTS kb_article_fts_delete",
    "DROP TRIGGER IF EXISTS kb_article_fts_update",
    "DROP TABLE IF EXISTS kb_article_fts",
]
POSTGRESQL_FORWARD = [
    """ALTER TABLE kb_article ADD COLUMN search tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', published_title), 'A')
        || setweight(to_tsvector('simple', published_body), 'B')) STORED""",
    "CREATE INDEX kb_article_search_idx ON kb_article USING gin (search)",
]
POSTGRESQL_REVERSE = [
    "DROP INDEX IF EXISTS kb_article_search_idx",
    "ALTER TABLE kb_article DROP COLUMN IF EXISTS search",
]


class Migration(migrations.Migration):
    dependencies = [("kb", "0001_initial")]

    operations = [
        OtherThanPostgreSQLSQL(SQLITE_FORWARD, SQLITE_REVERSE),
        PostgreSQLOnlySQL(POSTGRESQL_FORWARD, POSTGRESQL_REVERSE),
    ]
