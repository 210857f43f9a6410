"""What every importer reads another help desk into, whatever it came from, and the report of
an import. The readers (helpdesk.py, csv_formats.py) make these; services.py writes them.

People are named by a key: their email address, lowercased, when they have one; otherwise a
key of the source's own (``user-7``). Teams are named by the source's id for its queue, group
or mailbox.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from frontdesk.tickets.models import Channel, Priority, Status

# How many of the individual problems (a row, a file) the summary lists; the rest are counted.
PROBLEMS_SHOWN = 20


class ImportFailed(Exception):
    """The import could not start or stopped; nothing was changed."""


@dataclass(frozen=True)
class Person:
    key: str
    email: str  # "" when the source has none
    name: str
    role: str  # accounts.models.Role: customer, agent or admin
    joined_at: datetime | None = None


@dataclass(frozen=True)
class FileRef:
    """A file on a message: ``path`` where it is on this machine (None: not available)."""

    source_id: str
    name: str
    path: Path | None


@dataclass
class Entry:
    """One message of a conversation. ``author`` None: written by the ticket's requester when
    public, by the System user when internal."""

    source_id: str
    author: str | None
    body: str
    internal: bool
    created_at: datetime
    files: list[FileRef] = field(default_factory=list)


@dataclass
class Case:
    """One ticket. ``assignee`` is a person key or an email address of an existing agent."""

    source_id: str
    title: str
    requester: str | None
    created_at: datetime
    updated_at: datetime
    assignee: str | None = None
    team: str | None = None
    status: str = Status.OPEN
    priority: str = Priority.MEDIUM
    channel: str = Channel.WEB
    tags: list[str] = field(default_factory=list)
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    due_at: datetime | None = None
    resolution: str = ""
    cc: list[str] = field(default_factory=list)  # person keys
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Source:
    """Everything one import reads: ``tickets`` is read lazily, ``ticket_count`` of them."""

    system: str
    location: str
    people: dict[str, Person]
    teams: dict[str, str]  # source id -> name
    tickets: Iterable[Case]
    ticket_count: int


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    matched: int = 0  # people: an existing Frontdesk account with the same email
    skipped: int = 0  # tickets deleted in Frontdesk since they were imported

    def sentence(self, noun: str) -> str:
        parts = [f"{self.created} {noun} created"]
        if self.matched:
            parts.append(f"{self.matched} matched to existing {noun}")
        if self.updated:
            parts.append(f"{self.updated} updated")
        if self.unchanged:
            parts.append(f"{self.unchanged} unchanged")
        if self.skipped:
            parts.append(f"{self.skipped} skipped (deleted in Frontdesk since)")
        return ", ".join(parts)


@dataclass
class ImportReport:
    system: str
    location: str
    dry_run: bool = False
    people: Tally = field(default_factory=Tally)
    teams: Tally = field(default_factory=Tally)
    tickets: Tally = field(default_factory=Tally)
    messages: Tally = field(default_factory=Tally)
    attachments: Tally = field(default_factory=Tally)
    warnings: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def warn(self, what: str, detail: str = "") -> None:
        """Count an oddity; ``detail`` (a row, a file) is listed in the summary."""
        self.warnings[what] = self.warnings.get(what, 0) + 1
        if detail:
            self.problems.append(f"{what}: {detail}")

    def summary(self) -> str:
        if self.dry_run:
            heading = f"Dry run of the {self.system} import of {self.location} (nothing written):"
        else:
            heading = f"Imported from {self.system} ({self.location}):"
        lines = [
            heading,
            f"  people: {self.people.sentence('accounts')}",
            f"  teams: {self.teams.sentence('teams')}",
            f"  tickets: {self.tickets.sentence('tickets')}",
            f"  messages: {self.messages.sentence('messages')}",
            f"  attachments: {self.attachments.sentence('files')}",
        ]
        for what, count in sorted(self.warnings.items()):
            lines.append(f"Warning: {count} {what}.")
        for problem in self.problems[:PROBLEMS_SHOWN]:
            lines.append(f"  - {problem}")
        if len(self.problems) > PROBLEMS_SHOWN:
            lines.append(f"  ... and {len(self.problems) - PROBLEMS_SHOWN} more.")
        return "\n".join(lines)


def moment(value: object) -> datetime | None:
    """A time as another help desk's database or CSV export writes it: a datetime, or text in
    ISO 8601 (``2024-01-15 10:23:45``, ``2024-01-15T10:23:45Z``, ``2024-01-15 10:23:45
    +0000``). A time without a zone is UTC. None when empty or unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        found = value
    else:
        text = str(value).strip()
        if not text:
            return None
        found_or_none = _parse(text)
        if found_or_none is None:
            return None
        found = found_or_none
    return found if found.tzinfo is not None else found.replace(tzinfo=UTC)


def _parse(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    for layout in ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z", "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M"):
        try:
            return datetime.strptime(text, layout)
        except ValueError:
            continue
    return None
