"""A small django-helpdesk database in SQLite, with the tables and columns its migrations make
(Django's auth_user; helpdesk 0.3+'s queue, ticket, follow-up, follow-up attachment and CC),
filled with a few people, queues, tickets, follow-ups and a file."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

SCHEMA = """
CREATE TABLE "auth_user" (
    "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    "password" varchar(128) NOT NULL,
    "last_login" datetime NULL,
    "is_superuser" bool NOT NULL,
    "username" varchar(150) NOT NULL UNIQUE,
    "last_name" varchar(150) NOT NULL,
    "email" varchar(254) NOT NULL,
    "is_staff" bool NOT NULL,
    "is_active" bool NOT NULL,
    "date_joined" datetime NOT NULL,
    "first_name" varchar(150) NOT NULL
);
CREATE TABLE "helpdesk_queue" (
    "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    "title" varchar(100) NOT NULL,
    "slug" varchar(50) NOT NULL UNIQUE,
    "email_address" varchar(254) NULL,
    "locale" varchar(10) NULL,
    "allow_public_submission" bool NOT NULL,
    "allow_email_submission" bool NOT NULL,
    "escalate_days" integer NULL,
    "new_ticket_cc" varchar(200) NULL,
    "updated_ticket_cc" varchar(200) NULL,
    "enable_notifications_on_email_events" bool NOT NULL,
    "default_owner_id" integer NULL REFERENCES "auth_user" ("id"),
    "dedicated_time" bigint NULL
);
CREATE TABLE "helpdesk_ticket" (
    "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    "title" varchar(200) NOT NULL,
    "created" datetime NOT NULL,
    "modified" datetime NOT NULL,
    "submitter_email" varchar(254) NULL,
    "status" integer NOT NULL,
    "on_hold" bool NOT NULL,
    "description" text NULL,
    "resolution" text NULL,
    "priority" integer NOT NULL,
    "due_date" datetime NULL,
    "last_escalation" datetime NULL,
    "secret_key" varchar(36) NOT NULL,
    "assigned_to_id" integer NULL REFERENCES "auth_user" ("id"),
    "queue_id" integer NOT NULL REFERENCES "helpdesk_queue" ("id"),
    "kbitem_id" integer NULL,
    "merged_to_id" integer NULL REFERENCES "helpdesk_ticket" ("id")
);
CREATE TABLE "helpdesk_followup" (
    "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    "date" datetime NOT NULL,
    "title" varchar(200) NULL,
    "comment" text NULL,
    "public" bool NOT NULL,
    "new_status" integer NULL,
    "message_id" varchar(256) NULL,
    "time_spent" bigint NULL,
    "ticket_id" integer NOT NULL REFERENCES "helpdesk_ticket" ("id"),
    "user_id" integer NULL REFERENCES "auth_user" ("id")
);
CREATE TABLE "helpdesk_followupattachment" (
    "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    "file" varchar(1000) NOT NULL,
    "filename" varchar(1000) NOT NULL,
    "mime_type" varchar(255) NOT NULL,
    "size" integer NOT NULL,
    "followup_id" integer NOT NULL REFERENCES "helpdesk_followup" ("id")
);
CREATE TABLE "helpdesk_ticketcc" (
    "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    "email" varchar(254) NULL,
    "can_view" bool NOT NULL,
    "can_update" bool NOT NULL,
    "ticket_id" integer NOT NULL REFERENCES "helpdesk_ticket" ("id"),
    "user_id" integer NULL REFERENCES "auth_user" ("id")
);
"""

CREATED = datetime(2024, 3, 4, 9, 30, tzinfo=UTC)
REPLIED = datetime(2024, 3, 4, 11, 15, tzinfo=UTC)
NOTED = datetime(2024, 3, 4, 12, 0, tzinfo=UTC)
THANKED = datetime(2024, 3, 5, 8, 0, tzinfo=UTC)
RECEIPT_PATH = "helpdesk/attachments/billing-1-secret/2/receipt.txt"
RECEIPT = b"Refund 42.00 EUR, reference R-1001\n"


def _when(moment: datetime) -> str:
    """As Django writes a datetime into SQLite with USE_TZ: naive, in UTC."""
    return moment.replace(tzinfo=None).isoformat(sep=" ")


def build(path: Path, media_root: Path) -> None:
    """The database at ``path`` and its one file under ``media_root``."""
    receipt = media_root / RECEIPT_PATH
    receipt.parent.mkdir(parents=True, exist_ok=True)
    receipt.write_bytes(RECEIPT)
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA)
        users = [
            # id, username, email, is_superuser, is_staff
            (1, "alice", "alice@studio.example", 1, 1),
            (2, "bob", "Bob@Studio.example", 0, 1),
            (3, "carol", "carol@families.example", 0, 0),
            (4, "nomail", "", 0, 1),
        ]
        db.executemany(
            "INSERT INTO auth_user (id, password, is_superuser, username, last_name, email,"
            " is_staff, is_active, date_joined, first_name)"
            " VALUES (?, 'pbkdf2_sha256$1$x$y', ?, ?, '', ?, ?, 1, '2023-01-01 00:00:00', '')",
            [(uid, sup, name, email, staff) for uid, name, email, sup, staff in users],
        )
        db.executemany(
            "INSERT INTO helpdesk_queue (id, title, slug, allow_public_submission,"
            " allow_email_submission, enable_notifications_on_email_events)"
            " VALUES (?, ?, ?, 1, 1, 0)",
            [(1, "Billing", "billing"), (2, "Studio floor", "studio")],
        )
        tickets = [
            # id, title, submitter, status, on_hold, priority, assigned, queue, description
            (
                1,
                "Charged twice",
                "carol@families.example",
                1,
                0,
                1,
                2,
                1,
                "My card was charged twice.",
            ),
            (2, "Broken locker", "dave@elsewhere.example", 4, 0, 5, None, 2, "Locker 12 is stuck."),
            (
                3,
                "Charged twice again",
                "carol@families.example",
                5,
                0,
                3,
                None,
                1,
                "Same as before.",
            ),
            (4, "Mirror cracked", "dave@elsewhere.example", 2, 1, 2, 4, 2, "The big mirror."),
        ]
        db.executemany(
            "INSERT INTO helpdesk_ticket (id, title, created, modified, submitter_email, status,"
            " on_hold, description, resolution, priority, secret_key, assigned_to_id, queue_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'secret', ?, ?)",
            [
                (
                    tid,
                    title,
                    _when(CREATED),
                    _when(THANKED),
                    submitter,
                    status,
                    hold,
                    description,
                    "Refunded." if tid == 1 else None,
                    priority,
                    assigned,
                    queue,
                )
                for (
                    tid,
                    title,
                    submitter,
                    status,
                    hold,
                    priority,
                    assigned,
                    queue,
                    description,
                ) in tickets
            ],
        )
        followups = [
            # id, ticket, date, title, comment, public, user
            (1, 1, REPLIED, "Comment", "We have refunded the second charge.", 1, 2),
            (2, 1, NOTED, "Comment", "Checked with the bank: duplicate capture.", 0, 1),
            (3, 1, THANKED, "Comment", "Thank you, it arrived.", 1, None),
            (4, 2, REPLIED, "Closed", "", 1, 2),
        ]
        db.executemany(
            "INSERT INTO helpdesk_followup (id, ticket_id, date, title, comment, public, user_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (fid, tid, _when(date), title, text, public, uid)
                for fid, tid, date, title, text, public, uid in followups
            ],
        )
        db.execute(
            "INSERT INTO helpdesk_followupattachment (id, file, filename, mime_type, size,"
            " followup_id) VALUES (1, ?, 'receipt.txt', 'text/plain', ?, 1)",
            (RECEIPT_PATH, len(RECEIPT)),
        )
        db.execute(
            "INSERT INTO helpdesk_ticketcc (ticket_id, user_id, email, can_view, can_update)"
            " VALUES (1, NULL, 'partner@families.example', 1, 0)"
        )


def add_followup(path: Path, *, followup_id: int, ticket_id: int, text: str, status: int) -> None:
    """A later reply that also changes the ticket's status, as django-helpdesk writes one."""
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO helpdesk_followup (id, ticket_id, date, title, comment, public, user_id,"
            " new_status) VALUES (?, ?, '2024-03-06 10:00:00', 'Resolved', ?, 1, 2, ?)",
            (followup_id, ticket_id, text, status),
        )
        db.execute(
            "UPDATE helpdesk_ticket SET status = ?, modified = '2024-03-06 10:00:00' WHERE id = ?",
            (status, ticket_id),
        )
