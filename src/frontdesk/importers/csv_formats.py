"""Reading a ticket CSV export of Zendesk or FreeScout: one row, one ticket.

Headers are matched without regard to case, spaces or underscores ("Requester email",
"requester_email"), and each field accepts the names the products' exports have used; the
layouts assumed are in docs/importing.md. Only the columns below are read; others are left.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from frontdesk.accounts.models import Role
from frontdesk.importers.records import Case, Entry, ImportFailed, Person, Source, moment
from frontdesk.tickets.models import Channel, Priority, Status

FORMATS = ("zendesk", "freescout")
_is_email = EmailValidator()


class Warnings(Protocol):
    def warn(self, what: str, detail: str = "") -> None: ...


@dataclass(frozen=True)
class Layout:
    """One product's export: for each field, the header names it may have (first found wins),
    and what its values mean here."""

    system: str
    required: tuple[str, ...]
    columns: dict[str, tuple[str, ...]]
    statuses: dict[str, str]
    priorities: dict[str, str]
    tag_separator: str | None  # None: spaces and commas
    status_tags: dict[str, str]  # a status kept as a tag too (FreeScout's "spam")


ZENDESK = Layout(
    system="zendesk",
    required=("id", "subject", "requester_email"),
    columns={
        "id": ("id", "ticket id"),
        "subject": ("subject",),
        "description": ("description", "comment", "first comment"),
        "requester_email": ("requester email",),
        "requester_name": ("requester", "requester name"),
        "assignee": ("assignee email", "assignee"),
        "group": ("group", "group name"),
        "tags": ("tags",),
        "status": ("status",),
        "priority": ("priority",),
        "via": ("via", "channel"),
        "created": ("created at", "created"),
        "updated": ("updated at", "updated"),
        "solved": ("solved at",),
        "due": ("due date", "due at"),
    },
    statuses={
        "new": Status.NEW,
        "open": Status.OPEN,
        "pending": Status.PENDING,
        "hold": Status.PENDING,
        "on-hold": Status.PENDING,
        "solved": Status.RESOLVED,
        "closed": Status.CLOSED,
    },
    priorities={
        "low": Priority.LOW,
        "normal": Priority.MEDIUM,
        "high": Priority.HIGH,
        "urgent": Priority.URGENT,
    },
    tag_separator=None,
    status_tags={"hold": "on-hold", "on-hold": "on-hold"},
)

FREESCOUT = Layout(
    system="freescout",
    required=("id", "subject", "requester_email"),
    columns={
        "id": ("id", "conversation id", "number", "conversation number", "#"),
        "subject": ("subject",),
        "description": ("body", "message", "first message", "thread", "preview", "description"),
        "requester_email": ("customer email", "email"),
        "requester_name": ("customer name", "customer"),
        "assignee": ("assignee email", "assignee", "assigned to", "user"),
        "group": ("mailbox", "mailbox name"),
        "tags": ("tags",),
        "status": ("status",),
        "priority": ("priority",),
        "via": ("type",),
        "created": ("created at", "date created", "created"),
        "updated": ("updated at", "last updated", "last modified", "updated"),
        "solved": ("closed at",),
        "due": (),
    },
    statuses={
        "active": Status.OPEN,
        "open": Status.OPEN,
        "pending": Status.PENDING,
        "closed": Status.CLOSED,
        "spam": Status.CLOSED,
    },
    priorities={
        "low": Priority.LOW,
        "normal": Priority.MEDIUM,
        "medium": Priority.MEDIUM,
        "high": Priority.HIGH,
        "urgent": Priority.URGENT,
    },
    tag_separator=",",
    status_tags={"spam": "spam"},
)

LAYOUTS = {"zendesk": ZENDESK, "freescout": FREESCOUT}
CHANNELS = {"email": Channel.EMAIL, "mail": Channel.EMAIL, "api": Channel.API}


def _header_key(name: str) -> str:
    return " ".join(name.replace("_", " ").lower().split())


def _valid_email(value: str) -> bool:
    try:
        _is_email(value)
    except ValidationError:
        return False
    return True


@dataclass
class _Columns:
    """Which column of this file holds each field."""

    layout: Layout
    index: dict[str, int]

    @classmethod
    def of(cls, layout: Layout, header: list[str], path: Path) -> _Columns:
        keys = [_header_key(name) for name in header]
        index: dict[str, int] = {}
        for field, names in layout.columns.items():
            for name in names:
                if name in keys:
                    index[field] = keys.index(name)
                    break
        missing = [field for field in layout.required if field not in index]
        if missing:
            wanted = " / ".join(f'"{layout.columns[field][0].capitalize()}"' for field in missing)
            raise ImportFailed(
                f"{path} is not a {layout.system.capitalize()} ticket export: no column "
                f"{wanted} (its columns: {', '.join(header) or 'none'})."
            )
        return cls(layout, index)

    def get(self, row: list[str], field: str) -> str:
        at = self.index.get(field)
        if at is None or at >= len(row):
            return ""
        return row[at].strip()


def _rows(path: Path) -> Iterator[list[str]]:
    # Large cells (long descriptions) are fine.
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
        yield from csv.reader(handle)


def read_csv(path: Path, *, format: str, report: Warnings) -> Source:
    """Every ticket of the CSV export at ``path`` in ``format`` (zendesk or freescout)."""
    layout = LAYOUTS.get(format)
    if layout is None:
        raise ImportFailed(f"Unknown format {format!r}: use {' or '.join(FORMATS)}.")
    if not path.is_file():
        raise ImportFailed(f"{path} does not exist or is not a file.")
    try:
        rows = list(_rows(path))
    except (OSError, csv.Error) as exc:
        raise ImportFailed(f"{path} could not be read as CSV: {exc}.") from None
    if not rows:
        raise ImportFailed(f"{path} is empty: a {layout.system} export starts with a header row.")
    columns = _Columns.of(layout, rows[0], path)
    people: dict[str, Person] = {}
    teams: dict[str, str] = {}
    cases: list[Case] = []
    seen: set[str] = set()
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        case = _case(columns, row, line, people, teams, report)
        if case is None:
            continue
        if case.source_id in seen:
            report.warn("rows repeating an earlier row's id, left out", f"line {line}")
            continue
        seen.add(case.source_id)
        cases.append(case)
    return Source(
        system=layout.system,
        location=str(path),
        people=people,
        teams=teams,
        tickets=cases,
        ticket_count=len(cases),
    )


def _case(
    columns: _Columns,
    row: list[str],
    line: int,
    people: dict[str, Person],
    teams: dict[str, str],
    report: Warnings,
) -> Case | None:
    layout = columns.layout
    source_id = columns.get(row, "id")
    if not source_id:
        report.warn("rows without an id, left out", f"line {line}")
        return None
    email = columns.get(row, "requester_email").lower()
    if not _valid_email(email):
        report.warn("rows without a valid requester email, left out", f"line {line}: {email!r}")
        return None
    if email not in people:
        name = columns.get(row, "requester_name")
        people[email] = Person(key=email, email=email, name=name, role=Role.CUSTOMER)
    created = moment(columns.get(row, "created"))
    if created is None:
        report.warn("rows without a readable creation time, left out", f"line {line}")
        return None
    updated = moment(columns.get(row, "updated")) or created
    raw_status = columns.get(row, "status").lower()
    status = layout.statuses.get(raw_status)
    if status is None:
        if raw_status:
            report.warn(
                "rows with an unknown status, imported as open", f"line {line}: {raw_status}"
            )
        status = Status.OPEN
    raw_priority = columns.get(row, "priority").lower()
    priority = layout.priorities.get(raw_priority)
    if priority is None:
        if raw_priority and raw_priority not in ("-", "none"):
            report.warn(
                "rows with an unknown priority, imported as medium", f"line {line}: {raw_priority}"
            )
        priority = Priority.MEDIUM
    raw_tags = columns.get(row, "tags")
    tags = (
        raw_tags.split(layout.tag_separator)
        if layout.tag_separator
        else re.split(r"[\s,]+", raw_tags)
    )
    tags = [tag.strip() for tag in tags if tag.strip()]
    if raw_status in layout.status_tags:
        tags.append(layout.status_tags[raw_status])
    group = columns.get(row, "group")
    if group:
        teams.setdefault(group.lower(), group)
    assignee = columns.get(row, "assignee").lower()
    subject = columns.get(row, "subject")
    description = columns.get(row, "description") or subject
    solved = moment(columns.get(row, "solved"))
    return Case(
        source_id=source_id,
        title=subject,
        requester=email,
        created_at=created,
        updated_at=updated,
        assignee=assignee if assignee and assignee != "-" else None,
        team=group.lower() if group else None,
        status=status,
        priority=priority,
        channel=CHANNELS.get(columns.get(row, "via").lower(), Channel.WEB),
        tags=tags,
        resolved_at=solved,
        closed_at=solved if status == Status.CLOSED else None,
        due_at=moment(columns.get(row, "due")),
        entries=[
            Entry(
                source_id=f"ticket-{source_id}-description",
                author=email,
                body=description,
                internal=False,
                created_at=created,
            )
        ],
    )
