"""Tickets, their conversation, their files and their history."""

from __future__ import annotations

import secrets
from pathlib import PurePath
from typing import ClassVar
from urllib.parse import quote

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import Organisation
from frontdesk.core.clock import now


class Status(models.TextChoices):
    NEW = "new", gettext_noop("New")
    OPEN = "open", gettext_noop("Open")
    IN_PROGRESS = "in_progress", gettext_noop("In progress")
    PENDING = "pending", gettext_noop("Pending")
    RESOLVED = "resolved", gettext_noop("Resolved")
    CLOSED = "closed", gettext_noop("Closed")
    REOPENED = "reopened", gettext_noop("Reopened")


# SupportMe knows two states. "Closed" there is Resolved or Closed here; the rest is "open".
DONE_STATUSES = (Status.RESOLVED, Status.CLOSED)
ACTIVE_STATUSES = (Status.NEW, Status.OPEN, Status.IN_PROGRESS, Status.PENDING, Status.REOPENED)


@models.CharField.register_lookup
class InConstants(models.lookups.In):
    """``status IN ('new', 'open', ...)`` with the values written into the SQL, not bound.

    SQLite can use a partial index (the queues' indexes are on active tickets) only when it
    finds the index's condition, word for word, in the query; a bound parameter never matches,
    so with ``__in`` it sorted 300,000 overdue tickets (0.9 s) to show 50. Only for the fixed
    status codes below, never for user input."""

    lookup_name = "in_constants"

    def process_rhs(self, compiler: object, connection: object) -> tuple[str, tuple[()]]:
        values = [str(value) for value in self.rhs]  # in order: the index wrote them so
        if not all(value.isidentifier() and value.isascii() for value in values):
            raise ValueError("in_constants takes fixed codes only.")
        return "(" + ", ".join(f"'{value}'" for value in values) + ")", ()


# Queries use these; the indexes' conditions (Meta below) use the same set with bound values,
# which Django writes out as literals in CREATE INDEX anyway.
IS_ACTIVE = Q(status__in_constants=ACTIVE_STATUSES)
IS_DONE = Q(status__in_constants=DONE_STATUSES)
_ACTIVE_INDEX_CONDITION = Q(status__in=ACTIVE_STATUSES)


class Priority(models.TextChoices):
    LOW = "low", gettext_noop("Low")
    MEDIUM = "medium", gettext_noop("Medium")
    HIGH = "high", gettext_noop("High")
    URGENT = "urgent", gettext_noop("Urgent")
    CRITICAL = "critical", gettext_noop("Critical")


class Category(models.TextChoices):
    TECHNICAL = "technical", gettext_noop("Technical")
    BILLING = "billing", gettext_noop("Billing")
    PRODUCT = "product", gettext_noop("Product")
    FEATURE_REQUEST = "feature_request", gettext_noop("Feature request")
    BUG = "bug", gettext_noop("Bug")
    ACCOUNT = "account", gettext_noop("Account")
    GENERAL = "general", gettext_noop("General")
    OTHER = "other", gettext_noop("Other")


class Channel(models.TextChoices):
    WEB = "web", gettext_noop("Web")
    API = "api", gettext_noop("API")
    EMAIL = "email", gettext_noop("Email")


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    title = models.CharField(max_length=200)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="requested_tickets"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    # The team (queue) the ticket belongs to: who sees it (tickets/access.py). The foreign key
    # and index come from migration 0013 without long locks (docs/decisions.md, 50).
    team = models.ForeignKey(
        "teams.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        db_constraint=False,
        db_index=False,
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(max_length=16, choices=Priority.choices, default=Priority.MEDIUM)
    category = models.CharField(max_length=24, choices=Category.choices, default=Category.GENERAL)
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.WEB)
    due_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    estimated_hours = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    actual_hours = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    # How the problem was solved, written when resolving (tickets/services.py). The requester
    # reads it only while it is public (tickets/access.py). The database defaults let
    # migration 0008 add the columns in place.
    resolution = models.TextField(blank=True, default="", db_default="")
    resolution_public = models.BooleanField(default=True, db_default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="created_tickets"
    )
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)
    last_activity_at = models.DateTimeField(default=now)
    # The ticket this one was merged into (tickets/merging.py): its conversation lives there
    # now, and its number, page and mail thread lead there. The constraint and the index are
    # made without long locks (migration 0013, docs/decisions.md 50).
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_tickets",
        db_constraint=False,
        db_index=False,
    )

    class Meta:
        indexes: ClassVar = [
            # Which tickets were merged into this one (few: a partial index).
            models.Index(
                fields=["merged_into"],
                condition=Q(merged_into__isnull=False),
                name="ticket_merged_into_idx",
            ),
            # The claimable queue: unassigned and still active, oldest first.
            models.Index(
                fields=["created_at", "id"],
                condition=Q(assignee__isnull=True) & _ACTIVE_INDEX_CONDITION,
                name="ticket_claimable_idx",
            ),
            # "My open / closed tickets", as requester and as assignee.
            models.Index(fields=["requester", "status", "created_at"], name="ticket_requester_idx"),
            models.Index(fields=["assignee", "status", "created_at"], name="ticket_assignee_idx"),
            models.Index(fields=["status", "created_at"], name="ticket_status_idx"),
            # Lists newest (or oldest) first across statuses: the REST list's default order,
            # overdue and other multi-status filters read it backwards and stop at a page.
            models.Index(fields=["created_at", "id"], name="ticket_created_idx"),
            # Active tickets by age, the due date alongside: "All open" and the overdue list
            # (newest first) read it in order and check due_at without visiting the table.
            models.Index(
                fields=["created_at", "id", "due_at"],
                condition=_ACTIVE_INDEX_CONDITION,
                name="ticket_active_created_idx",
            ),
            models.Index(
                fields=["due_at"], condition=_ACTIVE_INDEX_CONDITION, name="ticket_due_idx"
            ),
            # A team's tickets, newest first (the team filter).
            models.Index(fields=["team", "created_at"], name="ticket_team_idx"),
            # An agent's tickets in teams: those outside their own teams are added to the
            # desk's counts kept per team (statistics.summary_for). Without it each agent's
            # page read all their tickets: 48 ms for 19,000 at a million, against 1 ms.
            models.Index(
                fields=["assignee", "team"],
                condition=Q(team__isnull=False),
                name="ticket_assignee_team_idx",
            ),
            # A requester's tickets as an agent's gate sees them (the team, the assignee):
            # the customer panel beside every agent's ticket page counts them, all but the
            # ticket shown, from this index alone (PostgreSQL needs the id included; SQLite's
            # indexes hold it). Through the requester index the count read each ticket's
            # row: 0.7 -> 0.08 ms of CPU for 270-400 tickets at a million (SQLite), 0.5 ->
            # 0.2 ms with no heap fetch (PostgreSQL, 200,000 tickets; decision 91).
            models.Index(
                fields=["requester", "team", "assignee"],
                include=["id"],
                name="ticket_requester_gate_idx",
            ),
            # Tickets by when they were resolved: the reports' solved tickets of a period and
            # those still open at its start (reports/selectors.py; decision 65).
            models.Index(fields=["resolved_at", "created_at"], name="ticket_resolved_idx"),
            # Tickets changed since a moment: what the reports' aggregates count again
            # (reports/aggregates.py; decision 65).
            models.Index(fields=["last_activity_at"], name="ticket_activity_idx"),
            # "Recently closed": done tickets by when they were done, newest first (the
            # workspace's view, paging.BY_DONE_DESC). Without it the view sorted every done
            # ticket: 2.4 s at a million tickets on SQLite.
            models.Index(
                Coalesce("closed_at", "resolved_at", "updated_at").desc(),
                F("id").desc(),
                condition=Q(status__in=DONE_STATUSES),
                name="ticket_done_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def number(self) -> str:
        """``TKT-000042``: derived from the primary key, so it can never be duplicated."""
        return self.number_for(self.pk)

    @staticmethod
    def number_for(pk: int) -> str:
        return f"TKT-{pk:06d}"

    @property
    def is_done(self) -> bool:
        return self.status in DONE_STATUSES


class MessageKind(models.TextChoices):
    PUBLIC = "public", gettext_noop("Public reply")
    INTERNAL = "internal", gettext_noop("Internal note")
    SYSTEM = "system", gettext_noop("System message")


class Message(models.Model):
    """One entry of a ticket's conversation. The primary key is the reading order."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="messages"
    )
    body = models.TextField()
    kind = models.CharField(max_length=8, choices=MessageKind.choices, default=MessageKind.PUBLIC)
    created_at = models.DateTimeField(default=now)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["ticket", "id"], name="message_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.kind} message {self.pk} on ticket {self.ticket_id}"


# Raster images a browser only ever draws: shown in the page and served inline. Everything
# else (SVG and HTML included, whatever their name) is served as a download.
INLINE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def _attachment_path(instance: models.Model, filename: str) -> str:
    # A random name: the client's file name is kept only as data, never as a path.
    suffix = PurePath(filename).suffix.lower()
    safe_suffix = suffix if suffix[1:].isalnum() and len(suffix) <= 10 else ""
    return f"{now():%Y/%m}/{secrets.token_hex(16)}{safe_suffix}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path, max_length=255)
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attachments"
    )
    description = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=now)

    def __str__(self) -> str:
        return self.original_name

    @property
    def url(self) -> str:
        """The permission-checked download path; the name is only there for people."""
        return f"/attachments/{self.pk}/{quote(self.original_name, safe='')}"

    @property
    def is_inline_image(self) -> bool:
        return self.content_type in INLINE_IMAGE_TYPES


class TicketEvent(models.Model):
    """One change: who changed what, from which value to which, and when. A change to a message
    names the message (``comment``: its id, old and new; ``attachment``: the file's name), never
    its text, so that deleting a message removes its words."""

    class Field(models.TextChoices):
        STATUS = "status", gettext_noop("Status")
        ASSIGNEE = "assignee", gettext_noop("Assignee")
        PRIORITY = "priority", gettext_noop("Priority")
        CATEGORY = "category", gettext_noop("Category")
        TAGS = "tags", gettext_noop("Tags")
        TITLE = "title", gettext_noop("Title")
        DUE_AT = "due_at", gettext_noop("Due date")
        ESTIMATED_HOURS = "estimated_hours", gettext_noop("Estimated hours")
        ACTUAL_HOURS = "actual_hours", gettext_noop("Actual hours")
        CREATED = "created", gettext_noop("Created")
        COMMENT = "comment", gettext_noop("Comment")
        ATTACHMENT = "attachment", gettext_noop("Attachment")
        RESOLUTION = "resolution", gettext_noop("Resolution")
        RESOLUTION_PUBLIC = "resolution_public", gettext_noop("Resolution shown to the customer")
        # a time entry (timelog/), as "45m on 2026-12-03"
        TIME = "time", gettext_noop("Time logged")
        # the requester's rating (satisfaction/)
        SATISFACTION = "satisfaction", gettext_noop("Satisfaction")
        MERGED = "merged", gettext_noop("Merged")
        SPLIT = "split", gettext_noop("Split")
        LINKS = "links", gettext_noop("Linked tickets")
        FOLLOWERS = "followers", gettext_noop("Followers")
        CC = "cc", gettext_noop("CC")
        CUSTOM_FIELD = "custom_field", gettext_noop("Custom field")
        TEAM = "team", gettext_noop("Team")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ticket_events",
    )
    field = models.CharField(max_length=24, choices=Field.choices)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    # Whether the requester cannot see this change (tickets/access.py decides, when recorded):
    # such a change moves no timestamp and sends no live event they could notice.
    staff_only = models.BooleanField(default=False, db_default=False)
    created_at = models.DateTimeField(default=now)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["ticket", "id"], name="event_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value!r} -> {self.new_value!r}"


class TicketLink(models.Model):
    """Two related tickets (tickets/merging.py), stored once: the older ticket (lower id)
    first, so a pair cannot be written twice or the wrong way round. A split is a link too,
    from the ticket split (always the older) to the one it made, and so is a merge (which
    one was merged says ``Ticket.merged_into``)."""

    class Kind(models.TextChoices):
        RELATED = "related", gettext_noop("Related")
        SPLIT = "split", gettext_noop("Split")
        MERGED = "merged", gettext_noop("Merged")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    other = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.RELATED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["ticket", "other"], name="ticket_link_unique"),
            models.CheckConstraint(
                condition=Q(ticket__lt=F("other")), name="ticket_link_older_first"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} link {self.ticket_id} - {self.other_id}"


class TicketRead(models.Model):
    """How far ``user`` has read ``ticket``: the newest message they could see when they last
    opened it. Messages after it, written by someone else, are unread."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ticket_reads"
    )
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="reads")
    # A plain number, not a foreign key: it only marks a place in the conversation.
    last_read_message_id = models.BigIntegerField(default=0)
    read_at = models.DateTimeField(default=now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "ticket"], name="ticket_read_unique")
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} read ticket {self.ticket_id} to {self.last_read_message_id}"


class SavedView(models.Model):
    """A named workspace view an agent keeps: the workspace address's query (a built-in view,
    filters and an order, as tickets/saved_views.py checks and writes it). Personal, or shared
    with every agent."""

    name = models.CharField(max_length=60)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    shared = models.BooleanField(default=False)
    query = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["owner", "name"], name="savedview_owner_idx"),
            models.Index(fields=["name"], condition=Q(shared=True), name="savedview_shared_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class StagedUpload(models.Model):
    """A file chosen on a page whose form came back with an error, kept (checked, hashed and
    in storage) so the writer need not choose it again. Only its owner can use it, through its
    random token, for a day (tickets/staging.py)."""

    token = models.CharField(max_length=64, unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staged_uploads"
    )
    file = models.FileField(upload_to=_attachment_path, max_length=255)
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=now, db_index=True)

    def __str__(self) -> str:
        return self.original_name
