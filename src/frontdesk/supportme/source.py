"""Reading a SupportMe ``data.db``: opening it read-only, checking it is one, naming the
installation it comes from, and reading its rows.

SQLite lets any column hold anything, so what comes out is coerced here (``as_int``,
``as_text``, ``moment``) into what Frontdesk can store, and what cannot be read is counted
as a warning rather than stopping the import.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "User": (
        "userID",
        "username",
        "password",
        "createdAt",
        "accountType",
        "profileIcon",
        "email",
    ),
    "Ticket": ("ticketID", "customerID", "assistantID", "openedAt", "closedAt", "title"),
    "Message": ("messageID", "ticketID", "authorID", "body", "sentAt"),
}
SUPPORTME_SYSTEM_ID = 0
UNCLAIMED = -1  # Ticket.assistantID
STILL_OPEN = -1  # Ticket.closedAt
STAFF_ACCOUNT_TYPES = (2, 3)
EPOCH = datetime.fromtimestamp(0, UTC)


class ImportFailed(Exception):
    """The import stopped; nothing was changed."""


class SourceRefused(ImportFailed):
    """The file is not a SupportMe database (or cannot be read); nothing was changed."""


class Warnings(Protocol):
    """Where oddities in the file are counted (the import's report)."""

    def warn(self, what: str) -> None: ...


# --- opening and checking the file --------------------------------------------------------


@contextmanager
def open_source(path: Path) -> Iterator[sqlite3.Connection]:
    """The SupportMe database at ``path``, read-only, checked, in one read transaction."""
    if not path.is_file():
        raise SourceRefused(f"{path} does not exist or is not a file.")
    try:
        source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise SourceRefused(f"{path} cannot be opened: {exc}.") from None
    # SQLite does not enforce UTF-8; a stray byte must not stop the import.
    source.text_factory = _decode
    try:
        _check_layout(source, path)
        # One snapshot for every read, even if SupportMe is still writing.
        source.execute("BEGIN")
        yield source
    finally:
        source.close()


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def _check_layout(source: sqlite3.Connection, path: Path) -> None:
    problems = []
    try:
        for table, needed in REQUIRED_COLUMNS.items():
            info = source.execute(f'PRAGMA table_info("{table}")').fetchall()
            present = {str(row[1]).lower() for row in info}
            missing = [column for column in needed if column.lower() not in present]
            if not present:
                problems.append(f'it has no "{table}" table')
            elif missing:
                problems.append(f'its "{table}" table lacks {", ".join(missing)}')
    except sqlite3.DatabaseError:
        raise SourceRefused(
            f"{path} is not a SupportMe database: it is not an SQLite file."
        ) from None
    if problems:
        raise SourceRefused(f"{path} is not a SupportMe database: {'; '.join(problems)}.")


def source_fingerprint(source: sqlite3.Connection) -> str:
    """Names the SupportMe installation, not its content: its first account never changes
    (SupportMe cannot rename or delete users), so a later, larger copy of the same data.db
    has the same fingerprint and imports only what is new."""
    first = source.execute(
        'SELECT userID, username, createdAt FROM "User" WHERE userID > 0 ORDER BY userID LIMIT 1'
    ).fetchone()
    identity = repr(("supportme", *first) if first else ("supportme", "no accounts"))
    return hashlib.sha256(identity.encode()).hexdigest()


# --- values -------------------------------------------------------------------------------


def as_int(value: object) -> int | None:
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value.strip()))
        except (ValueError, OverflowError):
            return None
    return None


def as_text(value: object) -> str:
    if value is None:
        return ""
    text = value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)
    # PostgreSQL cannot store NUL in text; everything else SupportMe took is kept as it was.
    return text.replace("\x00", "\ufffd")


def moment(value: object, warnings: Warnings) -> datetime:
    """A SupportMe unix timestamp as an aware datetime; unreadable ones become 1970-01-01."""
    seconds = as_int(value)
    if seconds is not None:
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            pass
    warnings.warn("unreadable timestamps, imported as 1970-01-01")
    return EPOCH


# --- rows ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceUser:
    old_id: int
    username: str
    password: str | None
    created_at: datetime
    account_type: int | None
    profile_icon: str
    email: str


def read_users(source: sqlite3.Connection, warnings: Warnings) -> list[SourceUser]:
    """Every SupportMe user but System (userID 0), in userID order."""
    rows = source.execute(
        "SELECT userID, username, password, createdAt, accountType, profileIcon, email "
        'FROM "User" ORDER BY userID'
    )
    users = []
    for user_id, username, password, created_at, account_type, icon, email in rows:
        old_id = as_int(user_id)
        if old_id is None:
            warnings.warn("users without a usable userID, not imported")
            continue
        if old_id == SUPPORTME_SYSTEM_ID:
            continue  # maps onto our own System user
        users.append(
            SourceUser(
                old_id=old_id,
                username=as_text(username).strip(),
                password=as_text(password) if password is not None else None,
                created_at=moment(created_at, warnings),
                account_type=as_int(account_type),
                profile_icon=as_text(icon),
                email=as_text(email).strip().lower(),
            )
        )
    return users


def read_ticket_ids(source: sqlite3.Connection) -> list[int | None]:
    """Every ticketID (None where it is not a number)."""
    return [as_int(value) for (value,) in source.execute('SELECT ticketID FROM "Ticket"')]


def read_tickets(source: sqlite3.Connection) -> sqlite3.Cursor:
    """The tickets, in ticketID order, as raw (ticketID, customerID, assistantID, openedAt,
    closedAt, title) rows."""
    return source.execute(
        "SELECT ticketID, customerID, assistantID, openedAt, closedAt, title "
        'FROM "Ticket" ORDER BY ticketID'
    )


@dataclass(frozen=True)
class Activity:
    last_message_at: object
    first_staff_reply_at: object


def read_ticket_activity(source: sqlite3.Connection) -> dict[int, Activity]:
    """Per ticket: its last message, and the first reply by an assistant other than the
    customer (our first_response_at), read in one pass."""
    rows = source.execute(
        "SELECT m.ticketID, MAX(m.sentAt), MIN(CASE WHEN m.authorID NOT IN (?, t.customerID) "
        "AND u.accountType IN (?, ?) THEN m.sentAt END) "
        'FROM "Message" AS m JOIN "Ticket" AS t ON t.ticketID = m.ticketID '
        'LEFT JOIN "User" AS u ON u.userID = m.authorID GROUP BY m.ticketID',
        [SUPPORTME_SYSTEM_ID, *STAFF_ACCOUNT_TYPES],
    )
    return {
        ticket_id: Activity(last, first_reply)
        for ticket_id, last, first_reply in rows
        if isinstance(ticket_id, int)
    }


def read_message_ids(source: sqlite3.Connection) -> list[int | None]:
    """Every messageID (None where it is not a number)."""
    return [as_int(value) for (value,) in source.execute('SELECT messageID FROM "Message"')]


def read_messages(source: sqlite3.Connection) -> sqlite3.Cursor:
    """The messages in reading order (sentAt, then messageID), as raw (messageID, ticketID,
    authorID, body, sentAt) rows."""
    return source.execute(
        'SELECT messageID, ticketID, authorID, body, sentAt FROM "Message" '
        "ORDER BY sentAt, messageID"
    )


def messages_in_reading_order(source: sqlite3.Connection) -> bool:
    """True when, in every ticket, messageID order is sentAt order: only then do kept ids
    (our reading order) read the conversation as SupportMe showed it."""
    out_of_order = source.execute(
        "SELECT EXISTS (SELECT 1 FROM (SELECT messageID, LAG(messageID) OVER "
        '(PARTITION BY ticketID ORDER BY sentAt, messageID) AS previous FROM "Message") '
        "WHERE previous > messageID)"
    ).fetchone()[0]
    return not out_of_order
