"""Reading a django-helpdesk database directly: SQLite (a path, or ``sqlite:///path``) or
PostgreSQL (``postgres://...``), opened read-only.

The tables read, and the columns of each (those of django-helpdesk's models):

- ``auth_user``: id, username, email, is_staff, is_superuser, date_joined
- ``helpdesk_queue``: id, title
- ``helpdesk_ticket``: id, title, queue_id, created, modified, submitter_email, assigned_to_id,
  status, on_hold, description, resolution, priority, due_date (and ``tags`` where an old
  version kept them)
- ``helpdesk_followup``: id, ticket_id, date, title, comment, public, user_id
- ``helpdesk_followupattachment`` (``helpdesk_attachment`` before 0.3): id, followup_id,
  file, filename
- ``helpdesk_ticketcc`` (when there): ticket_id, user_id, email

How its values become Frontdesk's is in docs/importing.md.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from frontdesk.accounts.models import Role
from frontdesk.importers.records import (
    Case,
    Entry,
    FileRef,
    ImportFailed,
    Person,
    Source,
    moment,
)
from frontdesk.tickets.models import Channel, Priority, Status

SYSTEM = "django-helpdesk"

# django-helpdesk's ticket states (helpdesk/settings.py) and what they are here.
OPEN, REOPENED, RESOLVED, CLOSED, DUPLICATE = 1, 2, 3, 4, 5
STATUSES = {
    OPEN: Status.OPEN,
    REOPENED: Status.REOPENED,
    RESOLVED: Status.RESOLVED,
    CLOSED: Status.CLOSED,
    DUPLICATE: Status.CLOSED,  # and tagged "duplicate"
}
# 1 Critical, 2 High, 3 Normal, 4 Low, 5 Very Low.
PRIORITIES = {
    1: Priority.CRITICAL,
    2: Priority.HIGH,
    3: Priority.MEDIUM,
    4: Priority.LOW,
    5: Priority.LOW,
}
DUPLICATE_TAG = "duplicate"

REQUIRED: dict[str, tuple[str, ...]] = {
    "auth_user": ("id", "username", "email", "is_staff", "is_superuser", "date_joined"),
    "helpdesk_queue": ("id", "title"),
    "helpdesk_ticket": (
        "id",
        "title",
        "queue_id",
        "created",
        "modified",
        "submitter_email",
        "assigned_to_id",
        "status",
        "on_hold",
        "description",
        "resolution",
        "priority",
        "due_date",
    ),
    "helpdesk_followup": (
        "id",
        "ticket_id",
        "date",
        "title",
        "comment",
        "public",
        "user_id",
        "new_status",
    ),
}
ATTACHMENT_TABLES = ("helpdesk_followupattachment", "helpdesk_attachment")
ATTACHMENT_COLUMNS = ("id", "followup_id", "file", "filename")
CC_COLUMNS = ("ticket_id", "user_id", "email")


class Warnings(Protocol):
    def warn(self, what: str, detail: str = "") -> None: ...


# --- the connection -----------------------------------------------------------------------


class _Database:
    """The few reads the importer needs, the same on SQLite and PostgreSQL."""

    def __init__(self, connection: Any, vendor: str) -> None:
        self.connection = connection
        self.vendor = vendor

    def tables(self) -> set[str]:
        if self.vendor == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
        else:
            query = (
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = current_schema()"
            )
        cursor = self.connection.cursor()
        cursor.execute(query)
        return {str(row[0]) for row in cursor.fetchall()}

    def columns(self, table: str) -> set[str]:
        cursor = self.connection.cursor()
        cursor.execute(f'SELECT * FROM "{table}" WHERE 1 = 0')  # noqa: S608 - our table names
        return {str(column[0]) for column in cursor.description}

    def rows(self, table: str, columns: tuple[str, ...], order: str = "id") -> list[dict[str, Any]]:
        names = ", ".join(f'"{column}"' for column in columns)
        cursor = self.connection.cursor()
        cursor.execute(f'SELECT {names} FROM "{table}" ORDER BY "{order}"')  # noqa: S608
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def shown(location: str) -> str:
    """``location`` as it may be printed and kept: a URL's password replaced by ``***``."""
    parts = urlsplit(location)
    if parts.password is None:
        return location
    host = parts.netloc.rpartition("@")[2]
    user = parts.username or ""
    return parts._replace(netloc=f"{user}:***@{host}").geturl()


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


@contextmanager
def open_helpdesk(location: str) -> Iterator[_Database]:
    """The django-helpdesk database at ``location``, read-only, in one snapshot."""
    scheme = urlsplit(location).scheme.lower()
    if scheme in ("postgres", "postgresql"):
        with _postgres(location) as database:
            yield database
        return
    if scheme == "sqlite":
        path = Path(unquote(urlsplit(location).path))
    elif scheme and len(scheme) > 1:  # not a Windows drive letter
        raise ImportFailed(
            f"{shown(location)!r}: unsupported database. Give a SQLite file (a path or sqlite:///path)"
            " or a PostgreSQL URL (postgres://user@host/name)."
        )
    else:
        path = Path(location)
    if not path.is_file():
        raise ImportFailed(f"{path} does not exist or is not a file.")
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise ImportFailed(f"{path} cannot be opened: {exc}.") from None
    connection.text_factory = _decode
    try:
        connection.execute("BEGIN")
        yield _Database(connection, "sqlite")
    except sqlite3.DatabaseError as exc:
        raise ImportFailed(f"{path} could not be read: {exc}.") from None
    finally:
        connection.close()


@contextmanager
def _postgres(url: str) -> Iterator[_Database]:
    import psycopg

    try:
        connection = psycopg.connect(url, connect_timeout=10)
    except psycopg.Error as exc:
        raise ImportFailed(
            f"Cannot connect to the django-helpdesk database: {exc}".strip()
        ) from None
    try:
        connection.read_only = True
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        yield _Database(connection, "postgresql")
    except psycopg.Error as exc:
        raise ImportFailed(f"The django-helpdesk database could not be read: {exc}") from None
    finally:
        connection.close()


# --- checking the layout ------------------------------------------------------------------


def _check_layout(database: _Database, location: str) -> str | None:
    """Refuse what is not a django-helpdesk database; returns the attachments table."""
    tables = database.tables()
    missing_tables = [table for table in REQUIRED if table not in tables]
    if missing_tables:
        raise ImportFailed(
            f"{location} is not a django-helpdesk database: no table {', '.join(missing_tables)}."
        )
    for table, columns in REQUIRED.items():
        missing = [column for column in columns if column not in database.columns(table)]
        if missing:
            raise ImportFailed(
                f"{location}: the table {table} has no column {', '.join(missing)}; "
                "is this a django-helpdesk database?"
            )
    for table in ATTACHMENT_TABLES:
        if table in tables and set(ATTACHMENT_COLUMNS) <= database.columns(table):
            return table
    return None


# --- reading ------------------------------------------------------------------------------


def _flag(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "t", "true")
    return bool(value)


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _text(value: object) -> str:
    return "" if value is None else str(value)


@dataclass
class _Reader:
    database: _Database
    location: str
    media_root: Path | None
    report: Warnings

    def people(self) -> tuple[dict[str, Person], dict[int, str]]:
        """Every account, keyed by email; also auth_user id -> key."""
        people: dict[str, Person] = {}
        keys: dict[int, str] = {}
        for row in self.database.rows("auth_user", REQUIRED["auth_user"]):
            email = _text(row["email"]).strip().lower()
            key = email or f"user-{row['id']}"
            if _flag(row["is_superuser"]):
                role = Role.ADMIN
            elif _flag(row["is_staff"]):
                role = Role.AGENT
            else:
                role = Role.CUSTOMER
            person = Person(
                key=key,
                email=email,
                name=_text(row["username"]),
                role=role,
                joined_at=moment(row["date_joined"]),
            )
            known = people.get(key)
            # Two accounts with one address are one person here; the higher role wins.
            if known is None or (known.role == Role.CUSTOMER and role != Role.CUSTOMER):
                people[key] = person
            keys[int(row["id"])] = key
        return people, keys

    def submitter(self, people: dict[str, Person], email: object) -> str | None:
        address = _text(email).strip().lower()
        if not address:
            return None
        if address not in people:
            people[address] = Person(key=address, email=address, name="", role=Role.CUSTOMER)
        return address

    def files(self, table: str | None) -> dict[int, list[FileRef]]:
        found: dict[int, list[FileRef]] = {}
        if table is None:
            return found
        for row in self.database.rows(table, ATTACHMENT_COLUMNS):
            stored = _text(row["file"])
            name = _text(row["filename"]) or Path(stored).name or "attachment"
            found.setdefault(int(row["followup_id"]), []).append(
                FileRef(source_id=f"{table}-{row['id']}", name=name, path=self._path(stored))
            )
        return found

    def _path(self, stored: str) -> Path | None:
        """Where a FileField's value is under MEDIA_ROOT; never outside it."""
        if self.media_root is None or not stored:
            return None
        root = self.media_root.resolve()
        path = (root / stored).resolve()
        if not path.is_relative_to(root):
            self.report.warn("files outside the media folder, left out", stored)
            return None
        return path


def read_helpdesk(
    database: _Database, location: str, *, media_root: Path | None, report: Warnings
) -> Source:
    """Everything to import from an open django-helpdesk database."""
    attachments_table = _check_layout(database, location)
    reader = _Reader(database, location, media_root, report)
    people, keys = reader.people()
    teams = {
        str(row["id"]): _text(row["title"])
        for row in database.rows("helpdesk_queue", REQUIRED["helpdesk_queue"])
    }
    ticket_columns = REQUIRED["helpdesk_ticket"]
    has_tags = "tags" in database.columns("helpdesk_ticket")
    if has_tags:
        ticket_columns = (*ticket_columns, "tags")
    tickets = database.rows("helpdesk_ticket", ticket_columns)
    followups: dict[int, list[dict[str, Any]]] = {}
    for row in database.rows("helpdesk_followup", REQUIRED["helpdesk_followup"], order="date"):
        followups.setdefault(int(row["ticket_id"]), []).append(row)
    files = reader.files(attachments_table)
    cc: dict[int, list[str]] = {}
    if "helpdesk_ticketcc" in database.tables() and set(CC_COLUMNS) <= database.columns(
        "helpdesk_ticketcc"
    ):
        for row in database.rows("helpdesk_ticketcc", CC_COLUMNS, order="ticket_id"):
            user_id = _int(row["user_id"])
            key = keys.get(user_id) if user_id is not None else None
            key = key or reader.submitter(people, row["email"])
            if key:
                cc.setdefault(int(row["ticket_id"]), []).append(key)
    cases = [
        _case(row, people, keys, followups.get(int(row["id"]), []), files, cc, reader)
        for row in tickets
    ]
    return Source(
        system=SYSTEM,
        location=location,
        people=people,
        teams=teams,
        tickets=cases,
        ticket_count=len(cases),
    )


def _case(
    row: dict[str, Any],
    people: dict[str, Person],
    keys: dict[int, str],
    followups: list[dict[str, Any]],
    files: dict[int, list[FileRef]],
    cc: dict[int, list[str]],
    reader: _Reader,
) -> Case:
    ticket_id = int(row["id"])
    created = moment(row["created"])
    if created is None:
        reader.report.warn("tickets without a readable creation time, given their first reply's")
    entries = [_entry(followup, keys, files) for followup in followups]
    created = created or min((entry.created_at for entry in entries), default=None)
    created = created or moment("1970-01-01")
    assert created is not None
    status_code = _int(row["status"])
    status = STATUSES.get(status_code or 0)
    if status is None:
        reader.report.warn(
            "tickets with an unknown status, imported as open", f"ticket {ticket_id}"
        )
        status = Status.OPEN
    if status in (Status.OPEN, Status.REOPENED) and _flag(row["on_hold"]):
        status = Status.PENDING
    priority = PRIORITIES.get(_int(row["priority"]) or 3, Priority.MEDIUM)
    tags = _text(row.get("tags")).replace(",", " ").split()
    if status_code == DUPLICATE:
        tags.append(DUPLICATE_TAG)
    requester = reader.submitter(people, row["submitter_email"])
    description = _text(row["description"])
    first = Entry(
        source_id=f"ticket-{ticket_id}-description",
        author=requester,
        body=description,
        internal=False,
        created_at=created,
    )
    assignee_id = _int(row["assigned_to_id"])
    resolved_at, closed_at = _done_times(status, followups, entries, created)
    return Case(
        source_id=str(ticket_id),
        title=_text(row["title"]),
        requester=requester,
        created_at=created,
        updated_at=moment(row["modified"]) or created,
        assignee=keys.get(assignee_id) if assignee_id is not None else None,
        team=str(row["queue_id"]),
        status=status,
        priority=priority,
        channel=Channel.WEB,
        tags=tags,
        resolved_at=resolved_at,
        closed_at=closed_at,
        due_at=moment(row["due_date"]),
        resolution=_text(row["resolution"]).strip(),
        cc=cc.get(ticket_id, []),
        entries=[first, *entries] if description.strip() else entries,
    )


def _done_times(
    status: str, followups: list[dict[str, Any]], entries: list[Entry], created: datetime
) -> tuple[datetime | None, datetime | None]:
    """When a done ticket was resolved and closed: the last follow-up that moved it there
    (``new_status``), else its last follow-up."""
    if status not in (Status.RESOLVED, Status.CLOSED):
        return None, None
    last = max((entry.created_at for entry in entries), default=created)

    def moved_to(codes: tuple[int, ...]) -> datetime | None:
        times = [
            moment(row["date"])
            for row in followups
            if _int(row["new_status"]) in codes and moment(row["date"]) is not None
        ]
        return max((time for time in times if time is not None), default=None)

    resolved = moved_to((RESOLVED, CLOSED, DUPLICATE)) or last
    if status == Status.RESOLVED:
        return resolved, None
    closed = moved_to((CLOSED, DUPLICATE)) or last
    return min(resolved, closed), closed


def _entry(row: dict[str, Any], keys: dict[int, str], files: dict[int, list[FileRef]]) -> Entry:
    user_id = _int(row["user_id"])
    comment = _text(row["comment"]).strip()
    return Entry(
        source_id=f"followup-{row['id']}",
        author=keys.get(user_id) if user_id is not None else None,
        # A follow-up that only changed something says so in its title ("Closed").
        body=comment or _text(row["title"]).strip(),
        internal=not _flag(row["public"]),
        created_at=moment(row["date"]) or moment("1970-01-01"),  # type: ignore[arg-type]
        files=files.get(int(row["id"]), []),
    )
