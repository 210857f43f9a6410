"""Backups a desk can rely on: a consistent online copy of everything a desk needs to come
back (the database, the SQLite job queue, the attachments and the generated secrets), checked
and renamed into place, and the restore of such a copy into an empty data directory.

A backup is a directory:

    frontdesk.sqlite3 | frontdesk.pgdump    the database, as of one moment
    jobs.sqlite3                            the job queue (only when it is a SQLite file)
    attachments/                            every stored file, copied after the database
    secret_key, jwt_secret                  the generated secrets, when they are files
    manifest.json                           what is inside: row counts per table, files

The database copy is taken in one step from one read transaction, so writers go on and the
copy never restarts (SQLite's ``.backup`` in the shell restarts whenever another connection
commits, and under a steady load never finishes). Attachments are copied after it: every file
the copied rows name already exists then.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection

from frontdesk.core import clock
from frontdesk.core.clock import in_utc

MANIFEST = "manifest.json"
FORMAT = 1
SECRET_FILES = ("secret_key", "jwt_secret")
SQLITE_COPY = "frontdesk.sqlite3"
POSTGRES_COPY = "frontdesk.pgdump"
JOBS_COPY = "jobs.sqlite3"
ATTACHMENTS = "attachments"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for a person."""


@dataclass(frozen=True)
class Manifest:
    database: str  # "sqlite" or "postgresql"
    created_at: str
    row_counts: dict[str, int]
    attachment_count: int
    attachment_bytes: int
    has_jobs: bool
    secrets: tuple[str, ...]

    def as_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "database": self.database,
                "created_at": self.created_at,
                "row_counts": self.row_counts,
                "attachments": {"count": self.attachment_count, "bytes": self.attachment_bytes},
                "jobs": self.has_jobs,
                "secrets": list(self.secrets),
            },
            indent=2,
            sort_keys=True,
        )

    @classmethod
    def read(cls, backup: Path) -> Manifest:
        try:
            data = json.loads((backup / MANIFEST).read_text())
        except (OSError, ValueError) as exc:
            raise BackupError(f"{backup} is not a Frontdesk backup ({MANIFEST}: {exc}).") from None
        if data.get("format") != FORMAT:
            raise BackupError(f"{backup} has a backup format this version cannot read.")
        return cls(
            database=data["database"],
            created_at=data["created_at"],
            row_counts={str(k): int(v) for k, v in data["row_counts"].items()},
            attachment_count=int(data["attachments"]["count"]),
            attachment_bytes=int(data["attachments"]["bytes"]),
            has_jobs=bool(data["jobs"]),
            secrets=tuple(data["secrets"]),
        )


# -- making a backup ---------------------------------------------------------------------------


def default_backup_path(now: datetime | None = None) -> Path:
    stamp = (now or in_utc(clock.now())).strftime("%Y%m%d-%H%M%S")
    return Path(settings.DATA_DIR) / "backups" / f"frontdesk-{stamp}"


def backup_create(target: Path) -> Manifest:
    """Write a backup of this desk to ``target`` (which must not exist yet): built under a
    temporary name beside it and renamed into place only when complete and checked."""
    target = target.resolve()
    if target.exists():
        raise BackupError(f"{target} already exists; name a new directory.")
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.parent.mkdir(parents=True, exist_ok=True)
    partial.mkdir(mode=0o700)  # it holds every customer's data and the desk's secrets
    try:
        if connection.vendor == "sqlite":
            row_counts = _sqlite_copy(_sqlite_database_path(), partial / SQLITE_COPY)
        elif connection.vendor == "postgresql":
            row_counts = _postgres_dump(partial / POSTGRES_COPY)
        else:
            raise BackupError(f"Backups of a {connection.vendor} database are not supported.")
        jobs = _jobs_database_path()
        if jobs is not None and jobs.exists():
            _sqlite_copy(jobs, partial / JOBS_COPY, count_tables=())
        count, size = _copy_tree(Path(settings.MEDIA_ROOT), partial / ATTACHMENTS)
        secrets = _copy_secrets(Path(settings.DATA_DIR), partial)
        manifest = Manifest(
            database=connection.vendor,
            created_at=in_utc(clock.now()).isoformat(timespec="seconds"),
            row_counts=row_counts,
            attachment_count=count,
            attachment_bytes=size,
            has_jobs=(partial / JOBS_COPY).exists(),
            secrets=secrets,
        )
        (partial / MANIFEST).write_text(manifest.as_json() + "\n")
        _private_and_durable(partial)
        partial.rename(target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return manifest


def _sqlite_database_path() -> Path:
    return Path(connection.settings_dict["NAME"])


def _jobs_database_path() -> Path | None:
    huey = settings.HUEY
    if "filename" not in huey:
        return None  # Redis keeps the queue; what it holds is rebuilt from the database
    return Path(str(huey["filename"]))


def _model_tables() -> list[str]:
    tables = {model._meta.db_table for model in apps.get_models(include_auto_created=True)}
    return sorted(tables | {"django_migrations"})


def _sqlite_copy(
    source: Path, target: Path, *, count_tables: tuple[str, ...] | None = None
) -> dict[str, int]:
    """Copy a live SQLite database in one step (the backup API with every page at once holds
    one read transaction, so writers in WAL mode go on and the copy never restarts), check the
    copy, and count its rows."""
    with closing(sqlite3.connect(source)) as live, closing(sqlite3.connect(target)) as copy:
        live.backup(copy, pages=-1)
        _sqlite_check(copy, target)
        tables = _model_tables() if count_tables is None else list(count_tables)
        present = {row[0] for row in copy.execute("SELECT name FROM sqlite_master")}
        return {
            table: copy.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
            for table in tables
            if table in present
        }


def _sqlite_check(database: sqlite3.Connection, path: Path) -> None:
    problems = [row[0] for row in database.execute("PRAGMA integrity_check")]
    if problems != ["ok"]:
        raise BackupError(f"{path} failed its integrity check: {'; '.join(problems[:5])}")


def _postgres_dump(target: Path) -> dict[str, int]:
    """pg_dump in the custom format from a snapshot this function holds open, and the row
    counts of that same snapshot (so the manifest describes exactly what the dump holds)."""
    import psycopg

    params = _postgres_params()
    with psycopg.connect(**params) as snapshot_holder:
        snapshot_holder.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = snapshot_holder.execute("SELECT pg_export_snapshot()").fetchone()
        assert snapshot is not None
        _run(
            ["pg_dump", "--format=custom", f"--snapshot={snapshot[0]}", f"--file={target}"],
            params,
        )
        existing = {
            row[0]
            for row in snapshot_holder.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
        }
        counts = {}
        for table in _model_tables():
            if table in existing:
                row = snapshot_holder.execute(f'SELECT count(*) FROM "{table}"').fetchone()  # noqa: S608
                counts[table] = int(row[0]) if row else 0
        snapshot_holder.rollback()
    return counts


def _postgres_params() -> dict[str, Any]:
    params = dict(connection.get_connection_params())
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    return {key: value for key, value in params.items() if value not in (None, "")}


def _run(command: list[str], params: dict[str, Any]) -> None:
    """Run a PostgreSQL client program with the desk's connection in libpq's variables (the
    password never on a command line)."""
    names = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD",
             "dbname": "PGDATABASE", "sslmode": "PGSSLMODE"}  # fmt: skip
    env = {**os.environ, **{names[k]: str(v) for k, v in params.items() if k in names}}
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL's client programs).")
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-500:]}")


def _copy_tree(source: Path, target: Path) -> tuple[int, int]:
    """Copy every file under ``source``; return how many and their bytes. A file that goes
    away while copying (an unsent draft's upload) is not part of the copy."""
    count = size = 0
    target.mkdir(parents=True, exist_ok=True)
    for path in _files_under(source):
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copy2(path, destination)
        except FileNotFoundError:
            continue
        count += 1
        size += destination.stat().st_size
    return count, size


def _files_under(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for directory, _subdirectories, files in os.walk(root):
        for name in sorted(files):
            yield Path(directory) / name


def _copy_secrets(data_dir: Path, target: Path) -> tuple[str, ...]:
    copied = []
    for name in SECRET_FILES:
        if (data_dir / name).is_file():
            shutil.copy2(data_dir / name, target / name)
            copied.append(name)
    return tuple(copied)


def _private_and_durable(root: Path) -> None:
    """Readable by this account only, and on disk before it is renamed into place: a backup
    that a power cut turns into empty files is worse than none."""
    for path in [*_files_under(root), *(p for p in root.rglob("*") if p.is_dir()), root]:
        os.chmod(path, 0o700 if path.is_dir() else 0o600)
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


# -- restoring ---------------------------------------------------------------------------------


def backup_restore(backup: Path) -> Manifest:
    """Restore ``backup`` into this process's data directory and database, which must hold no
    desk yet; then check the restored rows against the manifest."""
    backup = backup.resolve()
    manifest = Manifest.read(backup)
    if manifest.database != connection.vendor:
        raise BackupError(
            f"{backup} holds a {manifest.database} database; this desk is configured for "
            f"{connection.vendor} (DATABASE_URL)."
        )
    _refuse_unless_empty()
    if manifest.database == "sqlite":
        _restore_file(backup / SQLITE_COPY, _sqlite_database_path())
    else:
        _run(
            ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
             "--single-transaction", f"--dbname={_postgres_params()['dbname']}",
             str(backup / POSTGRES_COPY)],
            _postgres_params(),
        )  # fmt: skip
    jobs = _jobs_database_path()
    if manifest.has_jobs and jobs is not None:
        _restore_file(backup / JOBS_COPY, jobs)
    _copy_tree(backup / ATTACHMENTS, Path(settings.MEDIA_ROOT))
    for name in manifest.secrets:
        _replace(backup / name, Path(settings.DATA_DIR) / name)
    connection.close()
    restored = _restored_counts(manifest)
    if restored != manifest.row_counts:
        different = sorted(
            t for t in manifest.row_counts if restored.get(t) != manifest.row_counts[t]
        )
        raise BackupError(f"The restored rows differ from the backup's in: {', '.join(different)}")
    return manifest


def _refuse_unless_empty() -> None:
    """A restore never overwrites a desk: the database has no tables and no attachments exist
    (the secrets a first start generated are replaced by the backup's)."""
    if connection.introspection.table_names():
        raise BackupError(
            "This desk's database already has tables; restore into an empty data directory "
            "(FRONTDESK_DATA_DIR) or an empty database (DATABASE_URL)."
        )
    if any(_files_under(Path(settings.MEDIA_ROOT))):
        raise BackupError(f"{settings.MEDIA_ROOT} already holds files; restore into an empty one.")


def _restore_file(source: Path, target: Path) -> None:
    """Copy a database file under a temporary name, check it, and rename it into place."""
    partial = target.with_name(target.name + ".partial")
    shutil.copyfile(source, partial)
    with closing(sqlite3.connect(partial)) as copy:
        _sqlite_check(copy, source)
    for leftover in (Path(f"{target}-wal"), Path(f"{target}-shm")):
        leftover.unlink(missing_ok=True)
    _replace(partial, target, move=True)


def _replace(source: Path, target: Path, *, move: bool = False) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if move:
        os.replace(source, target)
    else:
        shutil.copy2(source, target)
    os.chmod(target, 0o600)


def _restored_counts(manifest: Manifest) -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in manifest.row_counts:
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


# -- the safety copy before migrating --------------------------------------------------------


SAFETY_COPY_PREFIX = "before-migrate-"


def safety_copy_before_migrating(keep: int) -> Path | None:
    """Copy a SQLite desk's database before pending migrations change it, keeping the newest
    ``keep`` copies in ``<data dir>/backups``; None when there is nothing to migrate, no desk
    yet, or copies are turned off (``keep`` 0). An upgrade that goes wrong can then go back."""
    if keep < 1 or connection.vendor != "sqlite" or not connection.introspection.table_names():
        return None
    if not _pending_migrations():
        return None
    source = _sqlite_database_path()
    folder = Path(settings.DATA_DIR) / "backups"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    needed = source.stat().st_size + _size(Path(f"{source}-wal"))
    if shutil.disk_usage(folder).free < needed * 1.1:
        raise BackupError(
            f"Not enough free space in {folder} for a copy of the database before migrating "
            f"({needed / 1e9:.1f} GB). Free some, or set FRONTDESK_MIGRATE_COPIES=0 to migrate "
            "without one."
        )
    stamp = in_utc(clock.now()).strftime("%Y%m%d-%H%M%S")
    target = folder / f"{SAFETY_COPY_PREFIX}{stamp}.sqlite3"
    partial = target.with_name(target.name + ".partial")
    try:
        _sqlite_copy(source, partial, count_tables=())
        os.chmod(partial, 0o600)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    for old in sorted(folder.glob(f"{SAFETY_COPY_PREFIX}*.sqlite3"))[:-keep]:
        old.unlink()
    return target


def _pending_migrations() -> bool:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0
