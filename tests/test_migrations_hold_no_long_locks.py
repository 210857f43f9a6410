"""Big tables change without long locks (docs/decisions.md, "Big tables change without long
locks"): every migration newer than the baseline below is read as the SQL PostgreSQL would run,
and a rewrite or a scan of a big table under a lock that stops reads or writes fails here.

Migration 0006 rewrote the ticket and message tables under ACCESS EXCLUSIVE (a stored
generated column each), minutes of downtime at millions of rows; 0011 built an index while
writes waited. They stay as they are, for the desks that already ran them; what comes after
the baseline follows the rule. The SQL comes from PostgreSQL's schema editor, so the checks
over real migrations run when the suite does (CI's PostgreSQL pass); the rules themselves are
checked on every backend."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.contrib.postgres.functions import RandomUUID
from django.db import connection, migrations, models
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.migration import Migration
from django.db.models.functions import Lower

from tests.migration_locks import (
    big_tables,
    example_migration,
    long_locks,
    migration_sql,
    migrations_after,
    sql_of,
)

# The last migration of each app when the rule was written; everything after it is checked.
BASELINE = {
    "accounts": "0010_session_event_kinds",
    "mail": "0003_imap_poller",
    "notifications": "0002_preferences_and_digest",
    "replies": "0001_savedreply",
    "sla": "0002_created_at_from_the_clock",
    "supportme": "0001_initial",
    "tickets": "0011_ticket_done_idx",
}
# A migration after the baseline that needs a finding anyway, with the reason it is safe:
# {("app", "name"): "why"}. Empty so far.
REVIEWED: dict[tuple[str, str], str] = {}

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="reads PostgreSQL's SQL (CI's PostgreSQL pass)"
)


def _flags(statement: str) -> list[str]:
    return long_locks([statement], frozenset({"tickets_ticket", "tickets_message"}))


# --- the rules, on SQL text (every backend) -------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        'CREATE INDEX "ticket_x_idx" ON "tickets_ticket" ("priority", "created_at");',
        'CREATE UNIQUE INDEX "u" ON "tickets_message" ("ticket_id", "id");',
        'ALTER TABLE "tickets_ticket" ALTER COLUMN "title" TYPE varchar(300);',
        'ALTER TABLE "tickets_ticket" ALTER COLUMN "title" SET NOT NULL;',
        'ALTER TABLE "tickets_ticket" ADD COLUMN "token" uuid DEFAULT gen_random_uuid() NOT NULL;',
        'ALTER TABLE "tickets_ticket" ADD COLUMN "at" timestamp with time zone '
        "DEFAULT (clock_timestamp()) NULL;",
        "ALTER TABLE tickets_ticket ADD COLUMN IF NOT EXISTS title_search tsvector "
        "GENERATED ALWAYS AS (to_tsvector('simple', title)) STORED",
        'ALTER TABLE "tickets_ticket" ADD COLUMN "n" bigserial;',
        'ALTER TABLE "tickets_ticket" ADD CONSTRAINT "c" CHECK ("priority" <> \'\');',
        'ALTER TABLE "tickets_message" ADD CONSTRAINT "fk" FOREIGN KEY ("ticket_id") '
        'REFERENCES "tickets_ticket" ("id") DEFERRABLE INITIALLY DEFERRED;',
        'ALTER TABLE "tickets_ticket" ADD COLUMN "team_id" bigint NULL CONSTRAINT "t_fk" '
        'REFERENCES "accounts_team"("id") DEFERRABLE INITIALLY DEFERRED;',
        'UPDATE "tickets_ticket" SET "first_seen_at" = "created_at";',
        "VACUUM FULL tickets_ticket",
        "CLUSTER tickets_ticket USING ticket_created_idx",
        "LOCK TABLE tickets_message IN ACCESS EXCLUSIVE MODE",
        "-- THIS OPERATION CANNOT BE WRITTEN AS SQL",
    ],
)
def test_what_would_hold_a_big_table_is_found(statement: str) -> None:
    assert len(_flags(statement)) == 1


@pytest.mark.parametrize(
    "statement",
    [
        'CREATE INDEX CONCURRENTLY "ticket_x_idx" ON "tickets_ticket" ("priority");',
        'ALTER TABLE "tickets_ticket" ADD COLUMN "seen" timestamp with time zone NULL;',
        # A constant default is kept in the catalogue: no rewrite since PostgreSQL 11.
        'ALTER TABLE "tickets_ticket" ADD COLUMN "flag" boolean DEFAULT false NOT NULL;',
        # Stable, computed once when the column is added: no rewrite either.
        'ALTER TABLE "tickets_ticket" ADD COLUMN "seen" timestamp with time zone '
        "DEFAULT (STATEMENT_TIMESTAMP()) NULL;",
        'ALTER TABLE "tickets_ticket" ADD COLUMN "note" text DEFAULT \'(none) now()\' NOT NULL;',
        'ALTER TABLE "tickets_ticket" ALTER COLUMN "flag" DROP DEFAULT;',
        'ALTER TABLE "tickets_ticket" ADD CONSTRAINT "c" CHECK ("priority" <> \'\') NOT VALID;',
        'ALTER TABLE "tickets_ticket" VALIDATE CONSTRAINT "c";',
        'ALTER TABLE "tickets_ticket" ADD CONSTRAINT "u" UNIQUE USING INDEX "u_idx";',
        'CREATE INDEX "small_idx" ON "tickets_savedview" ("owner_id");',  # not a big table
        'CREATE INDEX "x" ON "tickets_ticketevent" ("at");',  # not in this test's list
        "-- Add field first_seen_at to ticket",
    ],
)
def test_what_keeps_a_big_table_open_passes(statement: str) -> None:
    assert _flags(statement) == []


def test_not_null_passes_after_a_validated_check() -> None:
    steps = [
        'ALTER TABLE "tickets_ticket" ADD CONSTRAINT "seen_nn" '
        'CHECK ("first_seen_at" IS NOT NULL) NOT VALID;',
        'ALTER TABLE "tickets_ticket" VALIDATE CONSTRAINT "seen_nn";',
        'ALTER TABLE "tickets_ticket" ALTER COLUMN "first_seen_at" SET NOT NULL;',
    ]
    assert long_locks(steps, frozenset({"tickets_ticket"})) == []
    assert len(long_locks([steps[0], steps[2]], frozenset({"tickets_ticket"}))) == 1


def test_the_big_tables_include_tickets_messages_and_history() -> None:
    assert {"tickets_ticket", "tickets_message", "tickets_ticketevent"} <= big_tables()


# --- Django's operations, as PostgreSQL's schema editor writes them -------------------------


def _migration(*operations: Any, atomic: bool = True) -> Migration:
    class Checked(Migration):
        pass

    checked = Checked("0001_checked", "tickets")
    checked.operations = list(operations)
    checked.atomic = atomic
    return checked


def _findings(migration: Migration) -> list[str]:
    state = MigrationLoader(None, ignore_no_migrations=True).project_state()
    return long_locks(migration_sql(migration, state), big_tables())


@on_postgresql
@pytest.mark.django_db(transaction=True)  # AddIndexConcurrently refuses a transaction
@pytest.mark.parametrize(
    "operation",
    [
        migrations.AddIndex("ticket", models.Index(fields=["priority"], name="p_idx")),
        migrations.AlterField("ticket", "title", models.CharField(max_length=300)),
        migrations.AddField("ticket", "token", models.UUIDField(db_default=RandomUUID())),
        migrations.AddField(
            "ticket",
            "title_lower",
            models.GeneratedField(
                expression=Lower("title"),
                output_field=models.CharField(max_length=200),
                db_persist=True,
            ),
        ),
        migrations.AddField(
            "message", "answer", models.ForeignKey("tickets.message", models.CASCADE, null=True)
        ),
        migrations.RunPython(migrations.RunPython.noop),
    ],
    ids=[
        "AddIndex",
        "AlterField type",
        "volatile db_default",
        "stored GeneratedField",
        "foreign key",
        "RunPython",
    ],
)
def test_a_migration_that_would_hold_a_big_table_is_found(operation: Any) -> None:
    assert _findings(_migration(operation))


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_example_migration_follows_the_rule() -> None:
    assert _findings(example_migration()) == []


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_migrations_after_the_baseline_hold_no_big_table_for_long() -> None:
    found = {
        node: findings
        for node, sql in sql_of(migrations_after(BASELINE)).items()
        if (findings := long_locks(sql, big_tables())) and node not in REVIEWED
    }
    assert found == {}, (
        "These migrations would hold a big table for long on PostgreSQL "
        "(docs/decisions.md, 'Big tables change without long locks'):\n"
        + "\n".join(
            f"{app}.{name}: {line}" for (app, name), lines in found.items() for line in lines
        )
    )


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_rule_would_have_caught_0006_and_0011() -> None:
    earlier = {"tickets": "0005_ticket_created_index"}  # other apps' baselines come after 0006
    caught = {
        name
        for (app, name), sql in sql_of(migrations_after(earlier)).items()
        if app == "tickets" and long_locks(sql, big_tables())
    }
    assert {"0006_postgresql_search_vectors", "0011_ticket_done_idx"} <= caught


def test_0006s_statements_are_the_rewrite_the_rule_forbids() -> None:
    forward = importlib.import_module(
        "frontdesk.tickets.migrations.0006_postgresql_search_vectors"
    ).POSTGRESQL_FORWARD
    findings = long_locks(forward, big_tables())
    assert sum("stored generated column" in finding for finding in findings) == 2
    assert sum("builds an index" in finding for finding in findings) == 2
