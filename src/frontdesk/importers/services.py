"""Writing what a reader got from another help desk into Frontdesk: people, teams, tickets with
their conversation and files, and the id mapping that makes a second run update instead of
duplicate.

Everything is written in one transaction: a failure leaves Frontdesk as it was, and a dry run
is the same import rolled back at the end, so its report counts exactly what a real run would
write. Accounts are made by the account services (no usable password: people set one with
"Forgot password"); tickets, messages, history rows and files are written in bulk, without
the signals a live change sends, so that years of old conversations mail nobody, start no SLA
clock and fire no automation. The search index follows by itself (SQLite's insert and update
triggers, PostgreSQL's generated columns); ticket numbers come from the ids the database
gives, so the sequence stays right; the desk's cached counts are marked stale on commit.

A ticket imported before is updated to what the source says now (title, status, priority,
assignee, team, tags), each change written to its history by the System user; messages and
files the source has gained are added; a ticket deleted in Frontdesk since is left deleted.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.text import slugify

from frontdesk.accounts.models import STAFF_ROLES, SYSTEM_USER_ID, Role, User
from frontdesk.accounts.services import customer_create_from_mail, user_set_role
from frontdesk.core.bulk import QUERY_CHUNK, progress
from frontdesk.core.clock import now
from frontdesk.core.errors import DomainError
from frontdesk.core.jobs import after_commit
from frontdesk.following.models import CcPerson
from frontdesk.importers.models import ImportedObject, ImportRun
from frontdesk.importers.records import (
    Case,
    Entry,
    FileRef,
    ImportFailed,
    ImportReport,
    Person,
    Source,
)
from frontdesk.teams.models import Team, TeamMembership
from frontdesk.tickets import access
from frontdesk.tickets.files import attach, staged_files
from frontdesk.tickets.models import (
    DONE_STATUSES,
    Attachment,
    Message,
    MessageKind,
    Status,
    Tag,
    Ticket,
    TicketEvent,
)
from frontdesk.tickets.statistics import desk_changed
from frontdesk.tickets.validators import MESSAGE_MAX, TAG_MAX_LENGTH, TAGS_PER_TICKET, TITLE_MAX

__all__ = ["ImportFailed", "ImportReport", "import_records"]

Kind = ImportedObject.Kind
PLACEHOLDER_DOMAIN = "import.invalid"  # RFC 2606: mail to it can never reach a stranger
_NOT_IN_A_TAG = re.compile(r"[^a-z0-9 _-]+")


SOURCE_NAME_MAX = ImportedObject._meta.get_field("system").max_length


def check_source_name(name: str) -> None:
    """A ``--source-name`` the mapping can keep."""
    if SOURCE_NAME_MAX is not None and len(name) > SOURCE_NAME_MAX:
        raise ImportFailed(f"The source name can be at most {SOURCE_NAME_MAX} characters.")


class _RolledBack(Exception):
    """Ends a dry run's transaction."""


def import_records(
    *,
    source: Source,
    report: ImportReport | None = None,
    dry_run: bool = False,
    show_progress: bool = False,
) -> ImportReport:
    """Import ``source`` (see records.py) in one transaction; with ``dry_run`` roll it back
    and only report. ``report`` may hold what the reader found already. Raises ImportFailed,
    changing nothing, when the source cannot be read to the end."""
    report = report or ImportReport(system=source.system, location=source.location)
    report.system, report.location, report.dry_run = source.system, source.location, dry_run
    stored: list[str] = []  # files put in storage, removed again if nothing is kept
    try:
        with transaction.atomic():
            landing = _Landing(source.system, report, stored, dry_run=dry_run)
            landing.people(source.people.values())
            landing.teams(source.teams)
            with progress(source.ticket_count, "Tickets", "ticket", show=show_progress) as bar:
                for case in source.tickets:
                    landing.ticket(case)
                    bar.update()
            if dry_run:
                raise _RolledBack
            ImportRun.objects.create(
                system=source.system,
                source=source.location[: ImportRun._meta.get_field("source").max_length],
                summary=report.summary(),
            )
            after_commit(desk_changed, what="mark the desk's counts stale")
    except _RolledBack:
        pass
    except BaseException:
        _delete_stored(stored)
        raise
    return report


def _delete_stored(names: list[str]) -> None:
    storage = Attachment._meta.get_field("file").storage
    for name in names:
        storage.delete(name)


# --- small helpers ------------------------------------------------------------------------


def _chunks(values: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), QUERY_CHUNK):
        yield values[start : start + QUERY_CHUNK]


def clean_tag(name: str) -> str:
    """A tag as Frontdesk's rules allow it: lowercase letters, digits, spaces, - and _."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    tag = " ".join(_NOT_IN_A_TAG.sub("-", ascii_name.lower()).split()).strip("-_ ")
    return tag[:TAG_MAX_LENGTH].strip()


def _title(case: Case, system: str) -> str:
    title = " ".join(case.title.split())
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1] + "…"
    return title or f"{system} ticket {case.source_id}"


@dataclass(frozen=True)
class _Times:
    resolved_at: datetime | None
    closed_at: datetime | None


def _done_times(case: Case) -> _Times:
    """Resolved and closed times that agree with the status: a closed ticket was resolved
    too (as ticket_change_status does it), an active one is neither."""
    if case.status not in DONE_STATUSES:
        return _Times(None, None)
    done = case.resolved_at or case.closed_at or case.updated_at
    if case.status == Status.RESOLVED:
        return _Times(done, None)
    closed = case.closed_at or case.updated_at
    return _Times(min(done, closed), closed)


# --- the writer ---------------------------------------------------------------------------


class _Landing:
    """One import's writing, with what earlier runs recorded loaded once per kind."""

    def __init__(
        self, system: str, report: ImportReport, stored: list[str], *, dry_run: bool
    ) -> None:
        self.system = system
        self.report = report
        self.stored = stored
        self.dry_run = dry_run
        self.user_ids: dict[str, int] = {}
        self.staff_ids: set[int] = set()
        self.new_staff_ids: set[int] = set()  # staff accounts this run made
        self.team_ids: dict[str, int] = {}
        self.usernames: dict[int, str] = {}
        self.agents_by_email: dict[str, int | None] = {}
        self.recorded = {kind: self._recorded(kind) for kind in Kind.values}

    def _recorded(self, kind: str) -> dict[str, int]:
        rows = ImportedObject.objects.filter(system=self.system, kind=kind)
        return dict(rows.values_list("source_id", "object_id"))

    def _remember(self, kind: str, pairs: list[tuple[str, int]]) -> None:
        """Record source id -> Frontdesk id for new rows of ``kind``."""
        ImportedObject.objects.bulk_create(
            ImportedObject(system=self.system, kind=kind, source_id=source_id, object_id=new_id)
            for source_id, new_id in pairs
        )
        self.recorded[kind].update(pairs)

    # --- people ---

    def people(self, people: Iterable[Person]) -> None:
        everyone = list(people)
        known = self.recorded[Kind.USER]
        alive = {
            pk: role
            for chunk in _chunks([str(pk) for pk in known.values()])
            for pk, role in User.objects.filter(pk__in=chunk).values_list("pk", "role")
        }
        emails = sorted({person.email.lower() for person in everyone if person.email})
        by_email = {
            email: (pk, role)
            for chunk in _chunks(emails)
            for pk, email, role in User.objects.annotate(low=Lower("email"))
            .filter(low__in=chunk)
            .values_list("pk", "low", "role")
        }
        pairs: list[tuple[str, int]] = []
        for person in everyone:
            earlier = known.get(person.key)
            if earlier is not None and earlier in alive:
                self._know(person.key, earlier, alive[earlier])
                self.report.people.unchanged += 1
                continue
            found = by_email.get(person.email.lower()) if person.email else None
            if found is not None:
                self._know(person.key, *found)
                self.report.people.matched += 1
            else:
                user = self._account(person)
                self._know(person.key, user.pk, user.role)
                if user.role in STAFF_ROLES:
                    self.new_staff_ids.add(user.pk)
                self.report.people.created += 1
            if earlier is None:
                pairs.append((person.key, self.user_ids[person.key]))
            else:  # the account it became was deleted: point the record at the new one
                ImportedObject.objects.filter(
                    system=self.system, kind=Kind.USER, source_id=person.key
                ).update(object_id=self.user_ids[person.key], updated_at=now())
        self._remember(Kind.USER, pairs)

    def _know(self, key: str, pk: int, role: str) -> None:
        self.user_ids[key] = pk
        if role in STAFF_ROLES:
            self.staff_ids.add(pk)

    def _account(self, person: Person) -> User:
        """A new account through the account services: no usable password."""
        email = person.email.lower()
        try:
            user = customer_create_from_mail(email=email, name=person.name)
        except DomainError:
            self.report.warn(
                "people without a usable email address, given a placeholder address",
                f"{person.name or person.key} ({person.email or 'no email'})",
            )
            slug = slugify(person.key)[:40] or "person"
            user = customer_create_from_mail(
                email=f"{slugify(self.system)}-{slug}@{PLACEHOLDER_DOMAIN}", name=person.name
            )
        if person.role != Role.CUSTOMER:
            user_set_role(actor=None, user=user, role=person.role)
        if person.joined_at is not None:
            User.objects.filter(pk=user.pk).update(created_at=person.joined_at)
        return user

    def _agent(self, key: str | None, case: Case) -> int | None:
        """The assignee: an imported person, or an existing agent with that email; only
        staff can be assigned."""
        if not key:
            return None
        pk = self.user_ids.get(key)
        if pk is None:
            if key not in self.agents_by_email:
                # An address, or (Zendesk's "Assignee" column) a name.
                column = "email" if "@" in key else "username"
                self.agents_by_email[key] = (
                    User.objects.annotate(low=Lower(column))
                    .filter(low=key.lower(), role__in=list(STAFF_ROLES), is_active=True)
                    .values_list("pk", flat=True)
                    .first()
                )
            pk = self.agents_by_email[key]
            if pk is not None:
                self.staff_ids.add(pk)
        if pk is None or pk not in self.staff_ids:
            self.report.warn(
                "tickets whose assignee is not a Frontdesk agent, left unassigned",
                f"ticket {case.source_id}: {key}",
            )
            return None
        return pk

    # --- teams ---

    def teams(self, teams: dict[str, str]) -> None:
        known = self.recorded[Kind.TEAM]
        alive = set(Team.objects.filter(pk__in=list(known.values())).values_list("pk", flat=True))
        pairs: list[tuple[str, int]] = []
        created: set[int] = set()
        for source_id, name in teams.items():
            earlier = known.get(source_id)
            if earlier is not None and earlier in alive:
                self.team_ids[source_id] = earlier
                self.report.teams.unchanged += 1
                continue
            label = " ".join(name.split())[:100] or f"{self.system} {source_id}"
            team = Team.objects.filter(name__iexact=label).first()
            if team is None:
                team = Team.objects.create(name=label, slug=self._free_slug(label))
                created.add(team.pk)
                self.report.teams.created += 1
            else:
                self.report.teams.matched += 1
            self.team_ids[source_id] = team.pk
            if earlier is None:
                pairs.append((source_id, team.pk))
            else:
                ImportedObject.objects.filter(
                    system=self.system, kind=Kind.TEAM, source_id=source_id
                ).update(object_id=team.pk, updated_at=now())
        self._remember(Kind.TEAM, pairs)
        self._members(created)

    def _members(self, created: set[int]) -> None:
        """In the other desk every agent worked every queue; here an agent sees their teams'
        tickets. So every active agent and admin joins the teams this run made, and the staff
        accounts this run made join every imported team. Memberships of teams that were
        there before are otherwise left alone: a re-run does not undo an admin's choice."""
        staff = set(
            User.objects.filter(role__in=list(STAFF_ROLES), is_active=True).values_list(
                "pk", flat=True
            )
        )
        imported = set(self.team_ids.values())
        pairs = {(team, user) for team in created for user in staff}
        pairs |= {(team, user) for team in imported for user in self.new_staff_ids}
        TeamMembership.objects.bulk_create(
            [
                TeamMembership(team_id=team, user_id=user)
                for team, user in sorted(pairs)
                if user != SYSTEM_USER_ID
            ],
            ignore_conflicts=True,
        )

    @staticmethod
    def _free_slug(name: str) -> str:
        base = slugify(name)[:40] or "team"
        taken = set(Team.objects.filter(slug__startswith=base).values_list("slug", flat=True))
        candidate, number = base, 1
        while candidate in taken:
            number += 1
            candidate = f"{base}-{number}"
        return candidate

    # --- tickets ---

    def ticket(self, case: Case) -> None:
        earlier = self.recorded[Kind.TICKET].get(case.source_id)
        if earlier is None:
            ticket = self._new_ticket(case)
        else:
            found = Ticket.objects.filter(pk=earlier).first()
            if found is None:
                self.report.tickets.skipped += 1
                return
            ticket = found
            self._update_ticket(ticket, case)
        added = self._entries(ticket, case)
        if earlier is not None and added:
            self._times_after(ticket, added)
        self._cc(ticket, case)

    def _times_after(self, ticket: Ticket, added: list[Message]) -> None:
        """Messages added to a ticket imported before move its times as replies would."""
        newest = max(message.created_at for message in added)
        fields = []
        if newest > ticket.last_activity_at:
            ticket.last_activity_at = newest
            fields.append("last_activity_at")
        public = [message for message in added if message.kind == MessageKind.PUBLIC]
        if public and max(m.created_at for m in public) > ticket.updated_at:
            ticket.updated_at = max(m.created_at for m in public)
            fields.append("updated_at")
        replies = [m.created_at for m in public if m.author_id in self.staff_ids]
        if ticket.first_response_at is None and replies:
            ticket.first_response_at = min(replies)
            fields.append("first_response_at")
        if fields:
            ticket.save(update_fields=fields)

    def _requester(self, case: Case) -> int:
        pk = self.user_ids.get(case.requester or "")
        if pk is None:
            self.report.warn(
                "tickets without a known requester, given to the System user",
                f"ticket {case.source_id}",
            )
            return SYSTEM_USER_ID
        return pk

    def _new_ticket(self, case: Case) -> Ticket:
        requester_id = self._requester(case)
        times = _done_times(case)
        last = max([case.updated_at, *(entry.created_at for entry in case.entries)])
        first_response = min(
            (
                entry.created_at
                for entry in case.entries
                if not entry.internal and self.user_ids.get(entry.author or "") in self.staff_ids
            ),
            default=None,
        )
        (ticket,) = Ticket.objects.bulk_create(
            [
                Ticket(
                    title=_title(case, self.system),
                    requester_id=requester_id,
                    created_by_id=requester_id,
                    assignee_id=self._agent(case.assignee, case),
                    team_id=self.team_ids.get(case.team or ""),
                    status=case.status,
                    priority=case.priority,
                    channel=case.channel,
                    due_at=case.due_at,
                    first_response_at=first_response,
                    resolved_at=times.resolved_at,
                    closed_at=times.closed_at,
                    resolution=case.resolution,
                    created_at=case.created_at,
                    updated_at=last,
                    last_activity_at=last,
                )
            ]
        )
        TicketEvent.objects.bulk_create(
            [
                TicketEvent(
                    ticket=ticket,
                    actor_id=requester_id,
                    field=TicketEvent.Field.CREATED,
                    new_value=ticket.number,
                    created_at=case.created_at,
                )
            ]
        )
        self._set_tags(ticket, case, history=False)
        self._remember(Kind.TICKET, [(case.source_id, ticket.pk)])
        self.report.tickets.created += 1
        return ticket

    def _update_ticket(self, ticket: Ticket, case: Case) -> None:
        """Bring an imported ticket to what the source says now, with a history row per
        change, written by the System user."""
        wanted: dict[str, object] = {
            "title": _title(case, self.system),
            "status": case.status,
            "priority": case.priority,
            "assignee_id": self._agent(case.assignee, case),
            "team_id": self.team_ids.get(case.team or ""),
        }
        changed: list[str] = []
        events: list[TicketEvent] = []
        for name, new in wanted.items():
            old = getattr(ticket, name)
            if old != new:
                setattr(ticket, name, new)
                changed.append(name)
                events.append(self._event(ticket, name.removesuffix("_id"), old, new))
        if "status" in changed:
            times = _done_times(case)
            ticket.resolved_at, ticket.closed_at = times.resolved_at, times.closed_at
            changed += ["resolved_at", "closed_at"]
        tags_event = self._set_tags(ticket, case, history=True)
        if tags_event is not None:
            events.append(tags_event)
        if events:
            # Dated when the source last changed the ticket; the times only move forward.
            moment = case.updated_at
            for event in events:
                event.created_at = moment
            ticket.last_activity_at = max(ticket.last_activity_at, moment)
            if any(not event.staff_only for event in events):
                ticket.updated_at = max(ticket.updated_at, moment)
                changed.append("updated_at")
            ticket.save(update_fields=[*changed, "last_activity_at"])
            TicketEvent.objects.bulk_create(events)
            self.report.tickets.updated += 1
        else:
            self.report.tickets.unchanged += 1

    def _event(self, ticket: Ticket, field: str, old: object, new: object) -> TicketEvent:
        return TicketEvent(
            ticket=ticket,
            actor_id=SYSTEM_USER_ID,
            field=field,
            old_value="" if old is None else str(old),
            new_value="" if new is None else str(new),
            staff_only=not access.requester_sees_event(field),
        )

    def _set_tags(self, ticket: Ticket, case: Case, *, history: bool) -> TicketEvent | None:
        names = sorted({tag for tag in map(clean_tag, case.tags) if tag})
        if len(names) > TAGS_PER_TICKET:
            self.report.warn(
                f"tickets with more than {TAGS_PER_TICKET} tags, the rest left out",
                f"ticket {case.source_id}",
            )
            names = names[:TAGS_PER_TICKET]
        old = sorted(ticket.tags.values_list("name", flat=True)) if history else []
        if names == old:
            return None
        Tag.objects.bulk_create([Tag(name=name) for name in names], ignore_conflicts=True)
        ticket.tags.set(Tag.objects.filter(name__in=names))
        if not history:
            return None
        return self._event(ticket, TicketEvent.Field.TAGS, ", ".join(old), ", ".join(names))

    # --- conversation ---

    def _entries(self, ticket: Ticket, case: Case) -> list[Message]:
        """Add the messages not imported before (and new files of those that were); returns
        the messages added."""
        known = self.recorded[Kind.MESSAGE]
        earlier = {
            entry.source_id: known[entry.source_id]
            for entry in case.entries
            if entry.source_id in known
        }
        new = [entry for entry in case.entries if entry.source_id not in earlier]
        self.report.messages.unchanged += len(case.entries) - len(new)
        rows: list[tuple[Entry, Message]] = []
        for entry in new:
            body = self._body(entry, case)
            if body is None:
                continue
            author_id, kind = self._author(entry, ticket)
            rows.append(
                (
                    entry,
                    Message(
                        ticket=ticket,
                        author_id=author_id,
                        body=body,
                        kind=kind,
                        created_at=entry.created_at,
                    ),
                )
            )
        messages = Message.objects.bulk_create([message for _, message in rows])
        self._remember(
            Kind.MESSAGE,
            [
                (entry.source_id, message.pk)
                for (entry, _), message in zip(rows, messages, strict=True)
            ],
        )
        self.report.messages.created += len(messages)
        for (entry, _), message in zip(rows, messages, strict=True):
            self._files(entry, message)
        # Files added to a message imported before.
        for entry in case.entries:
            if entry.source_id in earlier and entry.files:
                message_found = Message.objects.filter(pk=earlier[entry.source_id]).first()
                if message_found is not None:
                    self._files(entry, message_found)
        return messages

    def _body(self, entry: Entry, case: Case) -> str | None:
        body = entry.body.replace("\x00", "").strip()
        if not body and entry.files:
            body = "Attached: " + ", ".join(file.name for file in entry.files)
        if not body:
            self.report.warn("empty messages, left out", f"ticket {case.source_id}")
            return None
        if len(body) > MESSAGE_MAX:
            self.report.warn(
                f"messages longer than {MESSAGE_MAX:,} characters, cut",
                f"ticket {case.source_id}, message {entry.source_id}",
            )
            body = body[: MESSAGE_MAX - 1] + "…"
        return body

    def _author(self, entry: Entry, ticket: Ticket) -> tuple[int, str]:
        kind = MessageKind.INTERNAL if entry.internal else MessageKind.PUBLIC
        if entry.author is None:
            return (SYSTEM_USER_ID if entry.internal else ticket.requester_id), kind
        pk = self.user_ids.get(entry.author)
        if pk is None:
            self.report.warn("messages whose author is unknown, given to the System user")
            return SYSTEM_USER_ID, kind
        return pk, kind

    def _files(self, entry: Entry, message: Message) -> None:
        known = self.recorded[Kind.ATTACHMENT]
        pairs: list[tuple[str, int]] = []
        for file in entry.files:
            if file.source_id in known:
                self.report.attachments.unchanged += 1
                continue
            if file.path is None or not file.path.is_file():
                where = file.path or "no folder given (--media-root)"
                self.report.warn("files not found, left out", f"{file.name}: {where}")
                continue
            if self.dry_run:
                self.report.attachments.created += 1
                continue
            attachment = self._store(file, message)
            if attachment is not None:
                pairs.append((file.source_id, attachment.pk))
                self.report.attachments.created += 1
        self._remember(Kind.ATTACHMENT, pairs)

    def _store(self, file: FileRef, message: Message) -> Attachment | None:
        assert file.path is not None
        with file.path.open("rb") as handle:
            upload = UploadedFile(handle, name=file.name, size=file.path.stat().st_size)
            try:
                with staged_files([upload]) as staged:
                    self.stored.extend(item.storage_name for item in staged)
            except DomainError as refused:
                self.report.warn("files refused, left out", f"{file.name}: {refused}")
                return None
        (attachment,) = attach(staged, message=message, uploader=message.author)
        Attachment.objects.filter(pk=attachment.pk).update(created_at=message.created_at)
        return attachment

    def _cc(self, ticket: Ticket, case: Case) -> None:
        people = sorted({self.user_ids[key] for key in case.cc if key in self.user_ids})
        people = [pk for pk in people if pk != ticket.requester_id]
        CcPerson.objects.bulk_create(
            [CcPerson(ticket=ticket, person_id=pk) for pk in people], ignore_conflicts=True
        )
