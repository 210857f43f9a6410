"""Import a SupportMe ``data.db`` (users, tickets, messages) into Frontdesk, losing nothing.

The file is opened read-only and read in one snapshot. Everything is written in one
transaction: a failure, at any row, leaves Frontdesk as it was. What was imported is recorded
(``ImportedRecord``), so running the import again, or on a later copy of the same data.db,
adds only what is new.

SupportMe ids are kept for a kind of row (users, tickets, messages) when none of them is taken
in Frontdesk, so ``/ticket/<id>`` links and API clients keep working after a move. When one
is taken, that kind's new rows get fresh ids and a JSON mapping file says which became which.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import models, transaction
from django.db.models import Exists, Max, OuterRef

from frontdesk.accounts.models import SYSTEM_USER_ID, USER_ICONS, ProfileIcon, Role, User
from frontdesk.accounts.tokens import ROLE_BY_ACCOUNT_TYPE
from frontdesk.core.bulk import (
    QUERY_CHUNK,
    batches,
    datetime_adapter,
    insert_rows,
    lock_for_explicit_ids,
    next_free_id,
    progress,
    reset_id_sequences,
)
from frontdesk.core.clock import now
from frontdesk.core.unique import UniqueValues
from frontdesk.supportme.models import ImportedRecord, ImportSource
from frontdesk.supportme.passwords import passwords_hash
from frontdesk.supportme.source import (
    STILL_OPEN,
    SUPPORTME_SYSTEM_ID,
    UNCLAIMED,
    Activity,
    ImportFailed,
    SourceRefused,
    SourceUser,
    as_int,
    as_text,
    messages_in_reading_order,
    moment,
    open_source,
    read_message_ids,
    read_messages,
    read_ticket_activity,
    read_ticket_ids,
    read_tickets,
    read_users,
    source_fingerprint,
)
from frontdesk.tickets.models import Message, MessageKind, Status, Ticket, TicketEvent

# What the command and callers use; the errors are defined with the file reading.
__all__ = ["ImportFailed", "ImportReport", "SourceRefused", "supportme_import"]

Kind = ImportedRecord.Kind

ICON_PREFIX, ICON_SUFFIX = "/profile-icons/", ".png"
PLACEHOLDER_DOMAIN = "import.invalid"  # RFC 2606: can never deliver mail to a stranger

# The model's own defaults for what SupportMe did not have.
TICKET_DEFAULTS = {
    name: Ticket._meta.get_field(name).get_default()  # type: ignore[union-attr]
    for name in ("priority", "category", "channel")
}

BATCH_SIZE = 10_000

_email_validator = EmailValidator()
DbTime = Callable[[datetime | None], Any]  # core.bulk.datetime_adapter()


# --- the report ---------------------------------------------------------------------------


@dataclass
class Counts:
    users: int = 0
    tickets: int = 0
    messages: int = 0


@dataclass
class ImportReport:
    source: Path
    fingerprint: str
    imported: Counts = field(default_factory=Counts)
    already_imported: Counts = field(default_factory=Counts)
    kept_ids: dict[str, bool] = field(default_factory=dict)
    # SupportMe id -> Frontdesk id, per kind, for the rows whose id could not be kept.
    changed_ids: dict[str, dict[int, int]] = field(
        default_factory=lambda: {"users": {}, "tickets": {}, "messages": {}}
    )
    renamed_users: list[dict[str, Any]] = field(default_factory=list)
    replaced_emails: list[dict[str, Any]] = field(default_factory=list)
    # Oddities in the file, each counted ("tickets whose customer is missing": 2).
    warnings: dict[str, int] = field(default_factory=dict)
    mapping_path: Path | None = None

    def _ids_sentence(self) -> str:
        changed = [kind for kind, kept in self.kept_ids.items() if not kept]
        if not changed:
            return "SupportMe ids were kept."
        return (
            "SupportMe ids were taken in Frontdesk, so new ids were given to the new "
            f"{', '.join(changed)} (see the mapping file)."
        )

    def warn(self, what: str) -> None:
        self.warnings[what] = self.warnings.get(what, 0) + 1

    def summary(self) -> str:
        new, old = self.imported, self.already_imported
        lines = [
            f"Imported {new.users} users, {new.tickets} tickets, {new.messages} messages; "
            f"skipped {old.users} users, {old.tickets} tickets, {old.messages} messages "
            "imported before.",
            "SupportMe's System account (userID 0) maps onto Frontdesk's System user.",
        ]
        if new.users or new.tickets or new.messages:
            lines.append(self._ids_sentence())
        for rename in self.renamed_users:
            lines.append(
                f"Renamed user {rename['old_username']!r} (SupportMe id {rename['old_id']}) "
                f"to {rename['new_username']!r}: the name was taken."
            )
        for email in self.replaced_emails:
            lines.append(
                f"User {email['new_username']!r} got the email {email['new_email']} "
                f"({email['reason']}: {email['old_email']!r})."
            )
        for what, count in sorted(self.warnings.items()):
            lines.append(f"Warning: {count} {what}.")
        if self.mapping_path is not None:
            lines.append(f"Mapping written to {self.mapping_path}")
        return "\n".join(lines)


# --- ids ----------------------------------------------------------------------------------


def _lookup(ids: dict[int, int], value: object) -> int | None:
    """``ids[value]`` for a SupportMe reference column, which may hold anything."""
    key = as_int(value)
    return None if key is None else ids.get(key)


def _ids_are_free(model: type[models.Model], ids: Sequence[int]) -> bool:
    """True when none of ``ids`` is taken in ``model``'s table (and all are usable ids)."""
    if not ids:
        return True
    if min(ids) < 1:
        return False
    highest = model._default_manager.aggregate(top=Max("pk"))["top"]
    if highest is None or highest < min(ids):
        return True  # the usual fresh-install case, in one query
    ordered = sorted(ids)
    return not any(
        model._default_manager.filter(pk__in=ordered[start : start + QUERY_CHUNK]).exists()
        for start in range(0, len(ordered), QUERY_CHUNK)
    )


def _id_source(model: type[models.Model], keep: bool) -> Callable[[int], int]:
    """Gives each imported row its id: SupportMe's own, or the next one after our highest.
    We number the rows ourselves rather than let the database do it, so that kept ids from
    this import and fresh ones can never meet; sequences are reset at the end."""
    if keep:
        return lambda old_id: old_id
    counter = iter(range(max(next_free_id(model), 1), 2**63))
    return lambda old_id: next(counter)


@dataclass(frozen=True)
class Recorded:
    """What earlier runs imported from this source: every old id, and old -> new for the
    rows that still exist (a deleted ticket is not imported again, nor are its messages)."""

    old_ids: frozenset[int]
    live: dict[int, int]


def _recorded(source: ImportSource, kind: str, model: type[models.Model]) -> Recorded:
    records = ImportedRecord.objects.filter(source=source, kind=kind)
    old_ids = frozenset(records.values_list("old_id", flat=True))
    if kind == Kind.MESSAGE:
        return Recorded(old_ids, {})  # nothing points at messages; old ids are enough
    present = model._default_manager.filter(pk=OuterRef("new_id"))
    live = dict(records.filter(Exists(present)).values_list("old_id", "new_id"))
    return Recorded(old_ids, live)


def _save_records(source: ImportSource, kind: str, pairs: Iterable[tuple[int, int]]) -> None:
    insert_rows(
        ImportedRecord,
        ("source_id", "kind", "old_id", "new_id"),
        [(source.pk, kind, old, new) for old, new in pairs],
    )


# --- users --------------------------------------------------------------------------------


def _username_choices(user: SourceUser) -> Iterator[str]:
    base = (user.username or f"supportme{user.old_id}")[:140]
    yield base
    yield f"{base}{user.old_id}"
    for n in range(2, 2**31):
        yield f"{base}{user.old_id}x{n}"


def _email_problem(email: str) -> str | None:
    if not email:
        return "missing"
    try:
        _email_validator(email)
    except ValidationError:
        return "invalid"
    return None


def _email_choices(user: SourceUser, problem: str | None) -> Iterator[str]:
    if problem is None:
        yield user.email
    yield f"supportme-user-{user.old_id}@{PLACEHOLDER_DOMAIN}"
    for n in range(2, 2**31):
        yield f"supportme-user-{user.old_id}-{n}@{PLACEHOLDER_DOMAIN}"


def _role(user: SourceUser, report: ImportReport) -> str:
    role = ROLE_BY_ACCOUNT_TYPE.get(user.account_type or 0)
    if role is None:
        report.warn("users with an unknown accountType, imported as customers")
        return Role.CUSTOMER
    return role


def _profile_icon(path: str, role: str) -> str:
    name = path.removeprefix(ICON_PREFIX).removesuffix(ICON_SUFFIX)
    if name in USER_ICONS or (name == ProfileIcon.ADMIN and role == Role.ADMIN):
        return name
    return ProfileIcon.BLUE


@dataclass
class _UserNaming:
    """Gives imported users case-insensitively unique names and emails, and notes changes."""

    usernames: UniqueValues
    emails: UniqueValues
    report: ImportReport

    def user_row(self, person: SourceUser, new_id: int, password: str) -> User:
        username = self.usernames.claim(_username_choices(person))
        problem = _email_problem(person.email)
        email = self.emails.claim(_email_choices(person, problem))
        if username != person.username:
            self.report.renamed_users.append(
                {
                    "old_id": person.old_id,
                    "new_id": new_id,
                    "old_username": person.username,
                    "new_username": username,
                }
            )
        if email != person.email:
            self.report.replaced_emails.append(
                {
                    "old_id": person.old_id,
                    "new_id": new_id,
                    "new_username": username,
                    "old_email": person.email,
                    "new_email": email,
                    "reason": problem or "taken",
                }
            )
        role = _role(person, self.report)
        return User(
            id=new_id,
            username=username,
            email=email,
            password=password,
            role=role,
            profile_icon=_profile_icon(person.profile_icon, role),
            created_at=person.created_at,
        )


def _import_users(
    people: list[SourceUser],
    hashes: dict[int, str],
    import_source: ImportSource,
    report: ImportReport,
) -> dict[int, int]:
    """Insert the new users; returns SupportMe userID -> Frontdesk id for every known user."""
    recorded = _recorded(import_source, Kind.USER, User)
    new = [person for person in people if person.old_id not in recorded.old_ids]
    report.already_imported.users = len(people) - len(new)
    keep = _ids_are_free(User, [person.old_id for person in new])
    report.kept_ids["users"] = keep
    next_id = _id_source(User, keep)
    # Each user's first two choices are looked up in two queries, not one query per user.
    naming = _UserNaming(
        usernames=UniqueValues(
            User, "username", [c for p in new for c in islice(_username_choices(p), 2)]
        ),
        emails=UniqueValues(
            User, "email", [c for p in new for c in islice(_email_choices(p, None), 2)]
        ),
        report=report,
    )
    user_ids = {SUPPORTME_SYSTEM_ID: SYSTEM_USER_ID, **recorded.live}
    rows, pairs = [], []
    for person in new:
        new_id = next_id(person.old_id)
        # Hashed before the transaction; a user another import added meanwhile is hashed here.
        password = hashes.get(person.old_id) or make_password(person.password or None)
        rows.append(naming.user_row(person, new_id, password))
        user_ids[person.old_id] = new_id
        pairs.append((person.old_id, new_id))
        if new_id != person.old_id:
            report.changed_ids["users"][person.old_id] = new_id
    User.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    _save_records(import_source, Kind.USER, pairs)
    report.imported.users = len(rows)
    return user_ids


# --- tickets ------------------------------------------------------------------------------


TICKET_COLUMNS = (
    "id",
    "title",
    "requester_id",
    "created_by_id",
    "assignee_id",
    "status",
    "priority",
    "category",
    "channel",
    "created_at",
    "updated_at",
    "last_activity_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
)
MESSAGE_COLUMNS = ("id", "ticket_id", "author_id", "body", "kind", "created_at")


def _ticket_row(
    row: tuple[Any, ...],
    new_id: int,
    user_ids: dict[int, int],
    activity: Activity | None,
    report: ImportReport,
    db_time: DbTime,
) -> tuple[object, ...]:
    """One SupportMe ticket as TICKET_COLUMNS values."""
    old_id, customer_id, assistant_id, opened_at, closed_at, title = row
    requester_id = _lookup(user_ids, customer_id)
    if requester_id is None:
        report.warn("tickets whose customer is missing from the file, given to System")
        requester_id = SYSTEM_USER_ID
    assignee_id = None
    if as_int(assistant_id) not in (None, UNCLAIMED, SUPPORTME_SYSTEM_ID):
        assignee_id = _lookup(user_ids, assistant_id)
        if assignee_id is None:
            report.warn("tickets whose assistant is missing from the file, left unassigned")
    opened = moment(opened_at, report)
    closed = None
    if as_int(closed_at) not in (None, STILL_OPEN):
        closed = moment(closed_at, report)
    if closed is not None:
        status = Status.CLOSED
    else:
        status = Status.NEW if assignee_id is None else Status.OPEN
    first_response = None
    last_activity = closed or opened
    if activity is not None:
        last_activity = max(last_activity, moment(activity.last_message_at, report))
        if activity.first_staff_reply_at is not None:
            first_response = moment(activity.first_staff_reply_at, report)
    return (
        new_id,
        as_text(title).strip()[:200] or f"SupportMe ticket {old_id}",
        requester_id,
        requester_id,  # created_by: SupportMe customers opened their own tickets
        assignee_id,
        status,
        TICKET_DEFAULTS["priority"],
        TICKET_DEFAULTS["category"],
        TICKET_DEFAULTS["channel"],
        db_time(opened),
        db_time(last_activity),
        db_time(last_activity),
        db_time(first_response),
        db_time(closed),  # closing resolves too, as ticket_change_status does
        db_time(closed),
    )


EVENT_COLUMNS = ("ticket_id", "actor_id", "field", "old_value", "new_value", "created_at")


def _created_event(ticket: tuple[object, ...]) -> tuple[object, ...]:
    """The history's first line, as ticket_open writes it: opened by the requester."""
    values = dict(zip(TICKET_COLUMNS, ticket, strict=True))
    number = f"TKT-{values['id']:06d}"  # Ticket.number, without building a model
    created = TicketEvent.Field.CREATED
    return (values["id"], values["requester_id"], created, "", number, values["created_at"])


def _new_ids(values: list[int | None], recorded: Recorded) -> tuple[list[int], int]:
    """The ``values`` that earlier runs did not import, and how many they did."""
    new = [old for old in values if old is not None and old not in recorded.old_ids]
    return new, sum(1 for old in values if old in recorded.old_ids)


def _not_imported(
    rows: Iterable[tuple[Any, ...]], recorded: Recorded
) -> Iterator[tuple[tuple[Any, ...], int]]:
    """Each row (id first) that earlier runs did not import, with its id as an int."""
    for row in rows:
        old_id = as_int(row[0])
        if old_id is not None and old_id not in recorded.old_ids:
            yield row, old_id


def _import_tickets(
    source: sqlite3.Connection,
    import_source: ImportSource,
    user_ids: dict[int, int],
    report: ImportReport,
    *,
    show_progress: bool,
) -> dict[int, int]:
    """Insert the new tickets; returns SupportMe ticketID -> Frontdesk id for every known
    ticket, old and new."""
    recorded = _recorded(import_source, Kind.TICKET, Ticket)
    new_ids, report.already_imported.tickets = _new_ids(read_ticket_ids(source), recorded)
    keep = _ids_are_free(Ticket, new_ids)
    report.kept_ids["tickets"] = keep
    next_id = _id_source(Ticket, keep)
    activity = read_ticket_activity(source)
    ticket_ids = dict(recorded.live)
    rows = read_tickets(source)
    with progress(len(new_ids), "Tickets", "ticket", show=show_progress) as bar:
        for batch in batches(_not_imported(rows, recorded), BATCH_SIZE):
            tickets, pairs = [], []
            db_time = datetime_adapter()
            for row, old_id in batch:
                new_id = next_id(old_id)
                ticket = _ticket_row(row, new_id, user_ids, activity.get(old_id), report, db_time)
                tickets.append(ticket)
                pairs.append((old_id, new_id))
                ticket_ids[old_id] = new_id
                if new_id != old_id:
                    report.changed_ids["tickets"][old_id] = new_id
            insert_rows(Ticket, TICKET_COLUMNS, tickets)
            insert_rows(TicketEvent, EVENT_COLUMNS, [_created_event(ticket) for ticket in tickets])
            _save_records(import_source, Kind.TICKET, pairs)
            report.imported.tickets += len(tickets)
            bar.update(len(batch))
    return ticket_ids


# --- messages -----------------------------------------------------------------------------


def _message_row(
    row: tuple[Any, ...],
    new_id: int,
    ticket_id: int,
    user_ids: dict[int, int],
    report: ImportReport,
    db_time: DbTime,
) -> tuple[object, ...]:
    """One SupportMe message as MESSAGE_COLUMNS values."""
    _, _, author_id, body, sent_at = row
    kind, author_pk = MessageKind.PUBLIC, _lookup(user_ids, author_id)
    if as_int(author_id) == SUPPORTME_SYSTEM_ID:
        kind = MessageKind.SYSTEM
    elif author_pk is None:
        report.warn("messages whose author is missing from the file, attributed to System")
        author_pk = SYSTEM_USER_ID
    return (new_id, ticket_id, author_pk, as_text(body), kind, db_time(moment(sent_at, report)))


def _import_messages(
    source: sqlite3.Connection,
    import_source: ImportSource,
    user_ids: dict[int, int],
    ticket_ids: dict[int, int],
    report: ImportReport,
    *,
    show_progress: bool,
) -> None:
    recorded = _recorded(import_source, Kind.MESSAGE, Message)
    new_ids, report.already_imported.messages = _new_ids(read_message_ids(source), recorded)
    keep = _ids_are_free(Message, new_ids) and messages_in_reading_order(source)
    report.kept_ids["messages"] = keep
    next_id = _id_source(Message, keep)
    # In reading order, so that fresh ids (given in this order) read the same way.
    rows = read_messages(source)
    with progress(len(new_ids), "Messages", "message", show=show_progress) as bar:
        for batch in batches(_not_imported(rows, recorded), BATCH_SIZE):
            messages, pairs = [], []
            db_time = datetime_adapter()
            for row, old_id in batch:
                ticket_id = _lookup(ticket_ids, row[1])
                if ticket_id is None:
                    report.warn("messages whose ticket is missing (or was deleted), skipped")
                    continue
                new_id = next_id(old_id)
                messages.append(_message_row(row, new_id, ticket_id, user_ids, report, db_time))
                pairs.append((old_id, new_id))
                if new_id != old_id:
                    report.changed_ids["messages"][old_id] = new_id
            insert_rows(Message, MESSAGE_COLUMNS, messages)
            _save_records(import_source, Kind.MESSAGE, pairs)
            report.imported.messages += len(messages)
            bar.update(len(batch))


# --- the mapping file ---------------------------------------------------------------------


def _default_mapping_path(fingerprint: str) -> Path:
    stamp = now().strftime("%Y%m%d-%H%M%S")
    return Path(settings.DATA_DIR) / f"supportme-import-{fingerprint[:12]}-{stamp}.json"


def _write_mapping(path: Path, report: ImportReport) -> None:
    document = {
        "source": str(report.source),
        "source_fingerprint": report.fingerprint,
        "written_at": now().isoformat(),
        "about": (
            "SupportMe id -> Frontdesk id for the rows this run imported whose id changed; "
            "an id not listed was kept."
        ),
        **{
            kind: {str(old): new for old, new in pairs.items()}
            for kind, pairs in report.changed_ids.items()
        },
        "renamed_users": report.renamed_users,
        "replaced_emails": report.replaced_emails,
    }
    partial_path = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial_path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
        partial_path.replace(path)
    except OSError as exc:
        raise ImportFailed(f"Cannot write the mapping file {path}: {exc}.") from None


# --- the use case -------------------------------------------------------------------------


def supportme_import(
    path: Path, *, mapping_file: Path | None = None, show_progress: bool = False
) -> ImportReport:
    """Import the SupportMe database at ``path``. Raises SourceRefused, changing nothing,
    when it is not one. ``mapping_file`` is written whenever ids or names changed (or always,
    when given)."""
    if not User.objects.filter(pk=SYSTEM_USER_ID).exists():
        raise SourceRefused("Frontdesk's System user (id 0) is missing: run `frontdesk migrate`.")
    try:
        with open_source(path) as source:
            return _import(source, path, mapping_file, show_progress=show_progress)
    except sqlite3.DatabaseError as exc:  # only the source raises sqlite3's own errors
        raise SourceRefused(f"{path} could not be read: {exc}.") from None


def _import(
    source: sqlite3.Connection, path: Path, mapping_file: Path | None, *, show_progress: bool
) -> ImportReport:
    fingerprint = source_fingerprint(source)
    report = ImportReport(source=path, fingerprint=fingerprint)
    people = read_users(source, report)
    # Hash before the transaction: it is the slow part and needs no lock.
    earlier = ImportedRecord.objects.filter(
        source__fingerprint=fingerprint, kind=Kind.USER
    ).values_list("old_id", flat=True)
    done = set(earlier)
    hashes = passwords_hash(
        {person.old_id: person.password for person in people if person.old_id not in done},
        show_progress=show_progress,
    )
    with transaction.atomic():
        lock_for_explicit_ids(User, Ticket, Message)
        where = str(path.resolve())
        import_source, _ = ImportSource.objects.get_or_create(
            fingerprint=fingerprint, defaults={"path": where}
        )
        ImportSource.objects.filter(pk=import_source.pk).update(path=where, last_imported_at=now())
        user_ids = _import_users(people, hashes, import_source, report)
        ticket_ids = _import_tickets(
            source, import_source, user_ids, report, show_progress=show_progress
        )
        _import_messages(
            source,
            import_source,
            user_ids,
            ticket_ids,
            report,
            show_progress=show_progress,
        )
        reset_id_sequences(User, Ticket, Message)
        changed = report.renamed_users or report.replaced_emails or any(report.changed_ids.values())
        if mapping_file is not None or changed:
            report.mapping_path = mapping_file or _default_mapping_path(fingerprint)
            # Inside the transaction: if the file cannot be written, nothing is imported.
            _write_mapping(report.mapping_path, report)
    return report
