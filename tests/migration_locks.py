"""Which SQL statements of a migration would hold a big table for long on PostgreSQL: a
rewrite, or a scan of every row, under a lock that stops reads or writes (docs/decisions.md,
"Big tables change without long locks"). Used by tests/test_migrations_hold_no_long_locks.py
and tests/faults/test_migrate_a_million_tickets.py.

The check reads the SQL Django would run (``sqlmigrate``), as text: conservative, so a finding
may be a false alarm; a migration that needs one anyway is reviewed and listed by name."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.migration import Migration
from django.db.migrations.state import ProjectState

NOT_SQL = "-- THIS OPERATION CANNOT BE WRITTEN AS SQL"

_QUOTED_TEXT = re.compile(r"'(?:[^']|'')*'")
_NAME = r'(?:ONLY\s+)?(?:IF\s+EXISTS\s+)?"?(\w+)"?'
_TARGETS = [
    re.compile(r"^ALTER\s+TABLE\s+" + _NAME, re.I),
    re.compile(r"^CREATE\s+(?:UNIQUE\s+)?INDEX\b.*?\bON\s+" + _NAME, re.I | re.S),
    re.compile(r"^(?:UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+" + _NAME, re.I),
    re.compile(r"^(?:VACUUM\b.*?\bFULL|CLUSTER|LOCK(?:\s+TABLE)?)\s+" + _NAME, re.I | re.S),
    re.compile(r"^REINDEX\s+TABLE\s+" + _NAME, re.I),
]
# (what in the statement, what it does on a big table, what to do instead)
_ALTER_TABLE_RULES = [
    (
        r"\bALTER\s+COLUMN\b.*\bTYPE\b",
        "changes a column's type: the table is rewritten (or scanned) under ACCESS EXCLUSIVE",
        "add a new nullable column, backfill it in batches in a job, switch over",
    ),
    (
        r"\bGENERATED\s+ALWAYS\s+AS\b.*\bSTORED\b",
        "adds a stored generated column: the table is rewritten under ACCESS EXCLUSIVE",
        "add a plain nullable column and fill it in batches in a job (or index an expression)",
    ),
    (
        r"\bADD\s+COLUMN\b.*\b(?:SMALLSERIAL|BIGSERIAL|SERIAL|AS\s+IDENTITY)\b",
        "adds a column every row must be given a value of: a rewrite",
        "add it nullable, backfill in batches in a job",
    ),
    (
        r"\bSET\s+(?:LOGGED|UNLOGGED|TABLESPACE)\b",
        "rewrites the table under ACCESS EXCLUSIVE",
        "leave it, or do it in a maintenance window",
    ),
]
_DEFAULT = re.compile(
    r"\bADD\s+COLUMN\b.*?\bDEFAULT\s+(.*?)(?:\s+(?:NOT\s+NULL|NULL|CONSTRAINT|CHECK|REFERENCES)\b|$)",
    re.I | re.S,
)
# A default PostgreSQL computes once, when the column is added (stable, not volatile), is kept
# in the catalogue: no row is written. Any other function call is taken as volatile.
_STABLE = {"now", "statement_timestamp", "transaction_timestamp"}
_NOT_NULL_CHECK = re.compile(r'\bCHECK\s*\(\s*"?(\w+)"?\s+IS\s+NOT\s+NULL\s*\)\s*NOT\s+VALID', re.I)
_SET_NOT_NULL = re.compile(r'\bALTER\s+COLUMN\s+"?(\w+)"?\s+SET\s+NOT\s+NULL\b', re.I)
_VALIDATE = re.compile(r"\bVALIDATE\s+CONSTRAINT\b", re.I)
_ADDS_CONSTRAINT = re.compile(
    r"\bADD\s+(?:CONSTRAINT\b|PRIMARY\s+KEY|UNIQUE|CHECK|FOREIGN\s+KEY|EXCLUDE)|\bREFERENCES\b",
    re.I,
)


def big_tables() -> frozenset[str]:
    """Tables that grow with the desk's tickets, mail and people."""
    from frontdesk.accounts.models import SessionEvent, User
    from frontdesk.mail.models import InboundMail
    from frontdesk.notifications.models import OutboxMail
    from frontdesk.supportme.models import ImportedRecord
    from frontdesk.tickets.models import Attachment, Message, Ticket, TicketEvent, TicketRead

    models = [
        Ticket,
        Ticket.tags.through,
        Message,
        Attachment,
        TicketEvent,
        TicketRead,
        User,
        SessionEvent,
        InboundMail,
        OutboxMail,
        ImportedRecord,
    ]
    return frozenset(model._meta.db_table for model in models)


def _volatile(default: str) -> bool:
    called = {name.lower() for name in re.findall(r"(\w+)\s*\(", default)}
    return bool(called - _STABLE)


def _target(statement: str) -> str | None:
    for pattern in _TARGETS:
        if found := pattern.search(statement):
            return found.group(1)
    return None


def long_locks(statements: Iterable[str], tables: frozenset[str]) -> list[str]:
    """What in ``statements`` (one migration's SQL, or several migrations' in order) would
    hold one of ``tables`` for long; an empty list when nothing would."""
    findings = []
    checked_not_null: set[tuple[str, str]] = set()  # NOT VALID checks added, then validated
    pending_checks: set[tuple[str, str]] = set()
    for raw in statements:
        if raw.strip() == NOT_SQL:
            findings.append(
                "a Python operation (RunPython) cannot be checked: write schema changes as "
                "RunSQL or operations, backfills as a batched job"
            )
            continue
        statement = _QUOTED_TEXT.sub("''", raw.strip()).rstrip(";")
        if not statement or statement.startswith("--"):
            continue
        table = _target(statement)
        if table is None or table not in tables:
            continue
        said = f"{table}: {' '.join(raw.split())[:160]}"
        upper = statement.upper()
        if upper.startswith("CREATE") and "CONCURRENTLY" not in upper:
            findings.append(
                f"{said} builds an index while writes wait: use AddIndexConcurrently (or "
                "CREATE INDEX CONCURRENTLY) in a migration with atomic = False"
            )
        elif re.match(r"^(UPDATE|DELETE)\b", upper):
            findings.append(
                f"{said} changes every row in one transaction: backfill in batches in a job"
            )
        elif re.match(r"^(VACUUM|CLUSTER|LOCK|REINDEX|TRUNCATE)\b", upper):
            if not (upper.startswith("REINDEX") and "CONCURRENTLY" in upper):
                findings.append(f"{said} holds the table under an exclusive lock")
        elif upper.startswith("ALTER"):
            findings.extend(_alter_table(statement, table, said, checked_not_null, pending_checks))
    return findings


def _alter_table(
    statement: str,
    table: str,
    said: str,
    checked_not_null: set[tuple[str, str]],
    pending_checks: set[tuple[str, str]],
) -> list[str]:
    findings = []
    for pattern, does, instead in _ALTER_TABLE_RULES:
        if re.search(pattern, statement, re.I | re.S):
            findings.append(f"{said} {does}: {instead}")
    if (default := _DEFAULT.search(statement)) and _volatile(default.group(1)):
        findings.append(
            f"{said} adds a column with a volatile default: every row is rewritten; add it "
            "nullable (or with a constant default), backfill in batches in a job"
        )
    if check := _NOT_NULL_CHECK.search(statement):
        pending_checks.add((table, check.group(1)))
    elif _VALIDATE.search(statement):
        checked_not_null.update(pending_checks)  # validated under a lock that lets reads on
    elif _ADDS_CONSTRAINT.search(statement) and not re.search(
        r"\bNOT\s+VALID\b|\bUSING\s+INDEX\b", statement, re.I
    ):
        findings.append(
            f"{said} checks every row while holding the table: add the constraint NOT VALID, "
            "then VALIDATE CONSTRAINT (a unique one USING INDEX built CONCURRENTLY)"
        )
    if (not_null := _SET_NOT_NULL.search(statement)) and (
        table,
        not_null.group(1),
    ) not in checked_not_null:
        findings.append(
            f"{said} scans every row under ACCESS EXCLUSIVE: first ADD CONSTRAINT ... CHECK "
            "(column IS NOT NULL) NOT VALID and VALIDATE CONSTRAINT, then SET NOT NULL"
        )
    return findings


def migration_sql(migration: Migration, state: ProjectState) -> list[str]:
    """The SQL ``sqlmigrate`` shows for ``migration`` applied to ``state``, on the default
    database's backend (outside a transaction: a migration with atomic = False refuses one)."""
    with connection.schema_editor(collect_sql=True, atomic=migration.atomic) as editor:
        migration.apply(state.clone(), editor, collect_sql=True)
    return list(editor.collected_sql)


def migrations_after(baseline: dict[str, str]) -> list[tuple[str, str]]:
    """Frontdesk's migrations newer than ``baseline`` (app label: last migration then), in the
    order they are applied; an app missing from ``baseline`` is new, all its migrations too."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    known = {node for app, name in baseline.items() for node in graph.forwards_plan((app, name))}
    ours = {
        node for node in graph.nodes if type(graph.nodes[node]).__module__.startswith("frontdesk.")
    }
    ordered: list[tuple[str, str]] = []
    for leaf in sorted(graph.leaf_nodes()):
        for node in graph.forwards_plan(leaf):
            if node in ours and node not in known and node not in ordered:
                ordered.append(node)
    return ordered


def sql_of(nodes: Sequence[tuple[str, str]]) -> dict[tuple[str, str], list[str]]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {
        node: migration_sql(loader.graph.nodes[node], loader.project_state(node, at_end=False))
        for node in nodes
    }


def example_migration() -> Migration:
    """A change to the ticket table written by the rule: a nullable column (no rewrite, a
    moment's lock) and an index built CONCURRENTLY, outside a transaction. Not part of
    Frontdesk: tests apply it to a database of their own."""
    from django.contrib.postgres.operations import AddIndexConcurrently
    from django.db import migrations, models

    class Example(Migration):
        atomic = False
        operations = [
            migrations.AddField("ticket", "first_seen_at", models.DateTimeField(null=True)),
            AddIndexConcurrently(
                "ticket",
                models.Index(fields=["priority", "created_at"], name="example_priority_idx"),
            ),
        ]

    return Example("0001_example_big_table_change", "tickets")
