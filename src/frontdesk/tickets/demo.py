"""Realistic demo data for ``frontdesk demo``: a dance studio's help desk, its software included.

Organisations, customers, agents and an admin; tickets in every status, priority and category
with conversations that follow the same rules as the real use cases (a claim writes the claim
notice, closing resolves, a customer's reply reopens), tags, due dates (some overdue) and
history. Everything comes from the seed: the people from ``random.Random(seed)``, each batch
of tickets from a random stream of its own seeded from the seed and the batch's number, so a
seed gives the same data however many processes plan it.

Fast enough for a million tickets: rows are planned in forked processes and written in bulk,
a batch per transaction; the demo password is hashed once and the hash shared by every demo
account (hashing is deliberately slow: 2,000 accounts would take half a minute alone).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.pool
import os
import random
import secrets
import signal
from bisect import bisect
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import accumulate, chain, islice
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.db.models import Max

from frontdesk.accounts.models import SYSTEM_USER_ID, USER_ICONS, Organisation, Role, User
from frontdesk.accounts.services import user_create_admin
from frontdesk.core.bulk import (
    indexes_deferred,
    insert_rows,
    lock_for_explicit_ids,
    next_free_id,
    progress,
    reset_id_sequences,
    utc_datetime_adapter,
)
from frontdesk.core.clock import in_utc, now
from frontdesk.core.memory import cycle_collector_paused
from frontdesk.core.unique import UniqueValues
from frontdesk.tickets.access import requester_sees_event
from frontdesk.tickets.demo_text import (
    AGENT_ANSWERS,
    AGENT_FIXES,
    AGENT_LONG_ANSWERS,
    AGENT_QUESTIONS,
    ASKS,
    CATEGORY_WEIGHTS,
    CHANNEL_WEIGHTS,
    CLAIM_MINUTES,
    CUSTOMER_AGAIN,
    CUSTOMER_FOLLOW_UPS,
    CUSTOMER_THANKS,
    DAYS,
    DETAILS,
    DUE_HOURS,
    ESTIMATES,
    FIRST_NAMES,
    GREETINGS,
    INTERNAL_NOTES,
    LAST_NAMES,
    LONG_DETAILS,
    LONG_SHARE,
    MONTHS,
    ORGANISATION_KINDS,
    ORGANISATION_WORDS,
    PRIORITY_WEIGHTS,
    RESOLUTION_SHARE,
    RESOLUTIONS,
    STAFF_ONLY_RESOLUTION_SHARE,
    STAFF_RESOLUTIONS,
    STATUS_MAX_AGE_DAYS,
    STATUS_WEIGHTS,
    STUDIOS,
    STYLES,
    TAG_NAMES,
    TITLES,
)
from frontdesk.tickets.models import (
    DONE_STATUSES,
    Category,
    Message,
    MessageKind,
    Priority,
    Status,
    Tag,
    Ticket,
    TicketEvent,
)
from frontdesk.tickets.search_index import search_index_deferred, search_index_some

# The use cases' own wording for system messages, so demo threads read like real ones.
from frontdesk.tickets.texts import claimed_text, status_text
from frontdesk.tickets.workflow import times_after_move

DEMO_PASSWORD = "demo-password"  # noqa: S105 (printed for people to sign in with)
ADMIN_USERNAME = "admin"
DEMO_DOMAIN = "frontdesk-demo.example"  # RFC 2606: mail to demo people goes nowhere
BATCH_SIZE = 5_000  # tickets per transaction, with their messages, tags and history
DAY = timedelta(days=1)
# Processes that plan batches while this one writes (see _planned_alongside), where there is
# a second core; and how many batches may be planned ahead of the one being written.
PLANNERS = 2 if (os.cpu_count() or 1) > 1 else 0
PLANNED_AHEAD = PLANNERS + 2
SORT_THREADS = 2  # SQLite's helper threads for sorting; see _widen_sqlite_cache


class _Weighted:
    """A weighted choice made ready once: ``pick(rng)`` is ``rng.choices(values, weights)[0]``,
    the same value from the same random number, without summing the weights again each time
    (a million tickets make five million such choices)."""

    def __init__(self, weights: dict[Any, int]) -> None:
        self.values = list(weights)
        self.cumulative = list(accumulate(weights.values()))
        self.total = self.cumulative[-1] + 0.0  # as random.choices does
        self.last = len(self.values) - 1

    def pick(self, rng: random.Random) -> Any:
        return self.values[bisect(self.cumulative, rng.random() * self.total, 0, self.last)]


# --- the report ---------------------------------------------------------------------------


@dataclass
class DemoReport:
    organisations: int = 0
    customers: int = 0
    agents: int = 0
    tags: int = 0
    tickets: int = 0
    messages: int = 0
    events: int = 0
    admin_password: str | None = None  # None: the admin already existed, left alone
    sample_customer: str = ""
    sample_agent: str = ""

    def summary(self) -> str:
        lines = [
            f"Created {self.organisations} organisations, {self.customers} customers, "
            f"{self.agents} agents, {self.tags} new tags, {self.tickets} tickets, "
            f"{self.messages} messages and {self.events} history entries.",
        ]
        if self.admin_password is None:
            lines.append(f"The {ADMIN_USERNAME!r} account already existed; it was left alone.")
        else:
            lines.append(
                f"Admin: sign in as {ADMIN_USERNAME!r} with password {self.admin_password!r}"
            )
        lines += [
            f"Every demo customer and agent has the password {DEMO_PASSWORD!r} "
            "(hashed once; they all share the hash).",
            f"For example customer {self.sample_customer!r} and agent {self.sample_agent!r}.",
        ]
        return "\n".join(lines)


# --- people -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """How many people a demo of ``tickets`` tickets has: about 2,000 customers and 50 agents
    for a large help desk, fewer for a small one."""

    tickets: int
    customers: int
    agents: int
    organisations: int

    @classmethod
    def for_tickets(cls, tickets: int) -> Scale:
        customers = max(5, min(2_000, tickets // 5))
        return cls(
            tickets=tickets,
            customers=customers,
            agents=max(3, min(50, tickets // 200)),
            organisations=max(2, min(80, customers // 25)),
        )


def _unique(
    model: type[models.Model],
    field_name: str,
    wanted: list[str],
    numbered: Callable[[str, int], str],
) -> list[str]:
    """``wanted`` made case-insensitively unique, in the database and among themselves, by
    numbering the ones taken: a second demo run gets "Velvet Salsa Club 2", not a crash."""
    names = UniqueValues(model, field_name, wanted)  # one query per 500 names
    return [
        names.claim(chain([name], (numbered(name, n) for n in range(2, 2**31)))) for name in wanted
    ]


def _create_organisations(rng: random.Random, count: int, moment: datetime) -> list[Organisation]:
    wanted = [
        f"{rng.choice(ORGANISATION_WORDS)} {rng.choice(ORGANISATION_KINDS)}" for _ in range(count)
    ]
    names = _unique(Organisation, "name", wanted, lambda name, n: f"{name} {n}")
    organisations = [
        Organisation(
            name=name,
            domain=f"{name.lower().replace(' ', '-')}.example",
            created_at=moment - rng.uniform(400, 1500) * DAY,
        )
        for name in names
    ]
    return Organisation.objects.bulk_create(organisations)


def _create_people(
    rng: random.Random,
    scale: Scale,
    organisations: list[Organisation],
    password_hash: str,
    moment: datetime,
) -> tuple[list[User], list[User]]:
    """Customers (most in an organisation) and agents, all sharing one password hash."""
    plans: list[tuple[str, str, str, Organisation | None]] = []
    for index in range(scale.customers + scale.agents):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        is_agent = index >= scale.customers
        organisation = None if is_agent or rng.random() < 0.25 else rng.choice(organisations)
        plans.append((first, last, Role.AGENT if is_agent else Role.CUSTOMER, organisation))
    # Alphanumeric and at most 16 characters (SupportMe's rule), with a serial number that
    # keeps repeated runs apart without asking the database name by name.
    serial = (User.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
    wanted = [
        f"{first}{last}"[:10] + str(serial + n) for n, (first, last, _, _) in enumerate(plans)
    ]
    usernames = _unique(User, "username", wanted, lambda name, n: f"{name}x{n}")
    emails = _unique(
        User,
        "email",
        [
            f"{username.lower()}@{organisation.domain if organisation else DEMO_DOMAIN}"
            for username, (_, _, _, organisation) in zip(usernames, plans, strict=True)
        ],
        lambda email, n: email.replace("@", f".{n}@", 1),
    )
    people = [
        User(
            username=username,
            email=email,
            password=password_hash,
            role=role,
            profile_icon=rng.choice(USER_ICONS),
            organisation=organisation,
            created_at=moment - rng.uniform(370, 1500) * DAY,
            # A studio's families: one customer in four reads the desk (and its mail) in
            # Spanish, chosen on their profile (docs/translating.md).
            language="es" if role == Role.CUSTOMER and index % 4 == 3 else "",
        )
        for index, (username, email, (_, _, role, organisation)) in enumerate(
            zip(usernames, emails, plans, strict=True)
        )
    ]
    for person in people:
        # Years-old accounts with a password: their addresses count as confirmed, as the
        # verification migration decided for every account that existed before it.
        person.email_verified_at = person.created_at
    created = User.objects.bulk_create(people)
    customers = [user for user in created if user.role == Role.CUSTOMER]
    agents = [user for user in created if user.role == Role.AGENT]
    return customers, agents


def _ensure_admin(password: str | None) -> str | None:
    """Create the ``admin`` account once; returns its password, or None if it existed."""
    if User.objects.filter(username__iexact=ADMIN_USERNAME).exists():
        return None
    password = password or secrets.token_urlsafe(12)
    user_create_admin(
        username=ADMIN_USERNAME, email=f"{ADMIN_USERNAME}@{DEMO_DOMAIN}", password=password
    )
    return password


def _ensure_tags() -> tuple[list[Tag], int]:
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=TAG_NAMES)}
    missing = [Tag(name=name) for name in TAG_NAMES if name not in existing]
    Tag.objects.bulk_create(missing)
    return list(Tag.objects.filter(name__in=TAG_NAMES).order_by("name")), len(missing)


# --- one ticket's story -------------------------------------------------------------------


@dataclass(slots=True)
class TicketDraft:
    """A ticket as planned: the columns it is written with, without a model instance (a
    million Ticket objects cost a fifth of the planning). Times are naive UTC."""

    title: str
    requester: User
    created_by: User
    organisation_id: int | None
    priority: str
    category: str
    channel: str
    created_at: datetime
    due_at: datetime | None
    status: str = Status.NEW
    assignee: User | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    estimated_hours: Decimal | None = None
    actual_hours: Decimal | None = None
    updated_at: datetime | None = None
    last_activity_at: datetime | None = None
    resolution: str = ""
    resolution_public: bool = True

    @property
    def requester_id(self) -> int:
        return self.requester.id

    @property
    def created_by_id(self) -> int:
        return self.created_by.id

    @property
    def assignee_id(self) -> int | None:
        return None if self.assignee is None else self.assignee.id


# (author_id, body, kind, created_at) and (actor_id, field, old_value, new_value, created_at,
# staff_only): plain tuples, since a million tickets have five million of each. An event's
# new_value is "" for the "created" event: the ticket number is known once the batch is saved.
PlannedMessage = tuple[int, str, str, datetime]
PlannedEvent = tuple[int, str, str, str, datetime, bool]


@dataclass(slots=True)
class PlannedTicket:
    ticket: TicketDraft
    messages: list[PlannedMessage] = field(default_factory=list)
    events: list[PlannedEvent] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)


class _Story:
    """Writes one ticket's conversation forward in time, as the use cases would have: each
    step a little later than the last, never later than now."""

    def __init__(self, rng: random.Random, planned: PlannedTicket, moment: datetime) -> None:
        self.rng = rng
        self.planned = planned
        self.ticket = planned.ticket
        self.at = self.ticket.created_at
        self.now = moment

    def wait(self, low_minutes: float, high_minutes: float) -> None:
        self.at = min(
            self.at + timedelta(minutes=self.rng.uniform(low_minutes, high_minutes)), self.now
        )

    def open(self, text: str) -> None:
        self.say(self.ticket.created_by, [text])
        self._event(self.ticket.created_by, TicketEvent.Field.CREATED, None, None)

    def say(self, author: User, texts: Sequence[str], kind: str = MessageKind.PUBLIC) -> None:
        body = _fill(self.rng, self.rng.choice(texts), name=self.ticket.requester.username)
        self.planned.messages.append((author.id, body, kind, self.at))

    def answer(self, agent: User, texts: Sequence[str]) -> None:
        self.say(agent, texts)
        if self.ticket.first_response_at is None:
            self.ticket.first_response_at = self.at

    def note(self, agent: User) -> None:
        self.say(agent, INTERNAL_NOTES, MessageKind.INTERNAL)

    def _system(self, text: str) -> None:
        self.planned.messages.append((SYSTEM_USER_ID, text, MessageKind.SYSTEM, self.at))

    def _event(
        self, actor: User, name: str, old: object, new: object, *, staff_only: bool = False
    ) -> None:
        self.planned.events.append(
            (actor.id, name, str(old or ""), str(new or ""), self.at, staff_only)
        )

    def claim(self, agent: User) -> None:
        self.ticket.assignee = agent
        self._event(agent, TicketEvent.Field.ASSIGNEE, None, agent.id)
        self._event(agent, TicketEvent.Field.STATUS, Status.NEW, Status.OPEN)
        self.ticket.status = Status.OPEN
        self._system(claimed_text(agent, reopened=False))

    def move(self, actor: User, status: str) -> None:
        self._event(actor, TicketEvent.Field.STATUS, self.ticket.status, status)
        times = times_after_move(
            old=self.ticket.status,
            new=status,
            moment=self.at,
            resolved_at=self.ticket.resolved_at,
            closed_at=self.ticket.closed_at,
        )
        self.ticket.status = status
        self.ticket.resolved_at, self.ticket.closed_at = times.resolved_at, times.closed_at
        self._system(status_text(actor, status))

    def resolve(self, agent: User) -> None:
        """Resolve, mostly saying how (as ticket_change_status records it), a few times for
        the team only."""
        self.move(agent, Status.RESOLVED)
        if self.rng.random() >= RESOLUTION_SHARE:
            return
        public = self.rng.random() >= STAFF_ONLY_RESOLUTION_SHARE
        text = _fill(self.rng, self.rng.choice(RESOLUTIONS if public else STAFF_RESOLUTIONS))
        before, after = (self.ticket.resolution, self.ticket.resolution_public), (text, public)
        staff_only = not requester_sees_event(
            TicketEvent.Field.RESOLUTION, resolution=(before, after)
        )
        self._event(agent, TicketEvent.Field.RESOLUTION, before[0], text, staff_only=staff_only)
        if not public:
            self._event(
                agent, TicketEvent.Field.RESOLUTION_PUBLIC, "true", "false", staff_only=staff_only
            )
        self.ticket.resolution, self.ticket.resolution_public = after


def _fill(rng: random.Random, template: str, **known: str) -> str:
    if "{" not in template:
        return template  # most texts: no need to draw five random words
    return template.format(
        studio=rng.choice(STUDIOS),
        style=rng.choice(STYLES),
        day=rng.choice(DAYS),
        month=rng.choice(MONTHS),
        number=rng.randint(100, 9999),
        **known,
    )


def _tell(
    rng: random.Random, planned: PlannedTicket, agent: User, target: str, moment: datetime
) -> None:
    """The conversation that brings a new ticket to ``target`` status."""
    story, ticket = _Story(rng, planned, moment), planned.ticket
    requester = ticket.requester
    about = ticket.title[0].lower() + ticket.title[1:].rstrip("?!.")
    # The text is filled in like any template: the title's braces must stay text.
    about = about.replace("{", "{{").replace("}", "}}")
    opening = f"{rng.choice(GREETINGS)} {about}. {rng.choice(DETAILS)} {rng.choice(ASKS)}"
    if rng.random() < LONG_SHARE:
        paragraphs = "\n\n".join(rng.sample(LONG_DETAILS, 3))
        opening = (
            f"{rng.choice(GREETINGS)} {about}.\n\n{paragraphs}\n\n"
            f"{rng.choice(ASKS)}\n{requester.username}"
        )
    story.open(opening)
    if target == Status.NEW:
        if rng.random() < 0.3:
            story.wait(60, 1800)
            story.say(requester, CUSTOMER_FOLLOW_UPS)
        return
    story.wait(*CLAIM_MINUTES[Priority(ticket.priority)])
    story.claim(agent)
    story.wait(2, 60)
    if target in DONE_STATUSES and rng.random() < 0.6:
        _tell_quick_fix(story, requester, agent, target)
        return
    story.answer(agent, AGENT_LONG_ANSWERS if rng.random() < LONG_SHARE else AGENT_ANSWERS)
    if rng.random() < 0.35:
        story.wait(1, 120)
        story.note(agent)
    if target == Status.PENDING:
        story.wait(10, 600)
        story.answer(agent, AGENT_QUESTIONS)
        story.move(agent, Status.PENDING)
        return
    story.wait(10, 1440)
    story.say(requester, CUSTOMER_FOLLOW_UPS)
    if target in (Status.OPEN, Status.IN_PROGRESS):
        if target == Status.IN_PROGRESS:
            story.wait(5, 240)
            story.move(agent, Status.IN_PROGRESS)
        return
    story.wait(60, 4320)
    story.answer(agent, AGENT_FIXES)
    if target == Status.RESOLVED or rng.random() < 0.3:
        story.resolve(agent)
    _tell_ending(story, requester, agent, target)


def _tell_quick_fix(story: _Story, requester: User, agent: User, target: str) -> None:
    """The first answer solves it."""
    story.answer(agent, AGENT_FIXES)
    if target == Status.RESOLVED:
        story.resolve(agent)
    _tell_ending(story, requester, agent, target)


def _tell_ending(story: _Story, requester: User, agent: User, target: str) -> None:
    """After the fix: thanks and closing, and for some the problem coming back."""
    if target == Status.RESOLVED:
        return
    story.wait(10, 2880)
    if story.rng.random() < 0.5:
        story.say(requester, CUSTOMER_THANKS)
    story.move(requester if story.rng.random() < 0.4 else agent, Status.CLOSED)
    if target == Status.REOPENED:
        story.wait(1440, 14400)
        story.move(requester, Status.REOPENED)
        story.say(requester, CUSTOMER_AGAIN)


@dataclass
class Cast:
    """Who the tickets are about and who answers them."""

    customers: list[User]
    agents: list[User]
    tags: list[Tag]


def _plan_ticket(rng: random.Random, index: int, cast: Cast, moment: datetime) -> PlannedTicket:
    # The first tickets walk through every value, so even a tiny demo shows them all.
    status = STATUSES[index] if index < len(STATUSES) else STATUS_CHOICES.pick(rng)
    priority = PRIORITIES[index] if index < len(PRIORITIES) else PRIORITY_CHOICES.pick(rng)
    category = CATEGORIES[index] if index < len(CATEGORIES) else CATEGORY_CHOICES.pick(rng)
    # A few customers write a lot: the square skews choices towards the front of the list.
    requester = cast.customers[int(len(cast.customers) * rng.random() ** 2)]
    agent = rng.choice(cast.agents)
    # Now and then an agent opens a ticket for a customer who phoned.
    creator = agent if status != Status.NEW and rng.random() < 0.05 else requester
    created_at = moment - rng.uniform(0, STATUS_MAX_AGE_DAYS[status]) * DAY
    ticket = TicketDraft(
        title=_fill(rng, rng.choice(TITLES[category])),
        requester=requester,
        created_by=creator,
        organisation_id=requester.organisation_id,
        priority=priority,
        category=category,
        channel=CHANNEL_CHOICES.pick(rng),
        created_at=created_at,
        due_at=created_at + timedelta(hours=DUE_HOURS[Priority(priority)])
        if rng.random() < 0.85
        else None,
    )
    planned = PlannedTicket(
        ticket=ticket, tags=rng.sample(cast.tags, k=TAG_COUNT_CHOICES.pick(rng))
    )
    _tell(rng, planned, agent, status, moment)
    ticket.updated_at = ticket.last_activity_at = planned.messages[-1][-1]
    if rng.random() < 0.4:
        ticket.estimated_hours = rng.choice(ESTIMATES)
        if ticket.status in (Status.RESOLVED, Status.CLOSED):
            spent = float(ticket.estimated_hours) * rng.uniform(0.5, 1.8)
            ticket.actual_hours = Decimal(round(spent * 4) / 4).quantize(Decimal("0.01"))
    return planned


STATUSES = list(Status)
PRIORITIES = list(Priority)
CATEGORIES = list(Category)
STATUS_CHOICES = _Weighted(STATUS_WEIGHTS)
PRIORITY_CHOICES = _Weighted(PRIORITY_WEIGHTS)
CATEGORY_CHOICES = _Weighted(CATEGORY_WEIGHTS)
CHANNEL_CHOICES = _Weighted(CHANNEL_WEIGHTS)
TAG_COUNT_CHOICES = _Weighted({0: 40, 1: 35, 2: 20, 3: 5})  # tags per ticket


# --- writing ------------------------------------------------------------------------------


TICKET_COLUMNS = (
    "id", "title", "requester_id", "assignee_id", "organisation_id", "status", "priority",
    "category", "channel", "due_at", "first_response_at", "resolved_at", "closed_at",
    "estimated_hours", "actual_hours", "created_by_id", "created_at", "updated_at",
    "last_activity_at", "resolution", "resolution_public",
)  # fmt: skip
MESSAGE_COLUMNS = ("ticket_id", "author_id", "body", "kind", "created_at")
EVENT_COLUMNS = (
    "ticket_id", "actor_id", "field", "old_value", "new_value", "created_at", "staff_only",
)  # fmt: skip
DbTime = Callable[[datetime | None], Any]


@dataclass
class BatchRows:
    """A batch of planned tickets as database rows, numbered from ``first``: the ids the
    tickets will get unless another writer takes some first (then :func:`_renumbered`)."""

    first: int
    tickets: list[tuple[Any, ...]]  # TICKET_COLUMNS
    messages: list[tuple[Any, ...]]  # MESSAGE_COLUMNS
    events: list[tuple[Any, ...]]  # EVENT_COLUMNS
    tags: list[tuple[int, int]]  # (ticket id, tag id)


def _rows(batch: list[PlannedTicket], first: int, db_time: DbTime) -> BatchRows:
    created = TicketEvent.Field.CREATED
    return BatchRows(
        first=first,
        tickets=[
            (first + n, *_ticket_values(planned.ticket, db_time)) for n, planned in enumerate(batch)
        ],
        messages=[
            (first + n, author, body, kind, db_time(at))
            for n, planned in enumerate(batch)
            for author, body, kind, at in planned.messages
        ],
        events=[
            (
                first + n,
                actor,
                name,
                old,
                Ticket.number_for(first + n) if name == created else new,
                db_time(at),
                staff,
            )
            for n, planned in enumerate(batch)
            for actor, name, old, new, at, staff in planned.events
        ],
        tags=[(first + n, tag.id) for n, planned in enumerate(batch) for tag in planned.tags],
    )


def _renumbered(rows: BatchRows, first: int) -> BatchRows:
    """The batch numbered from ``first`` instead: someone opened tickets while it was planned."""
    by = first - rows.first
    created = TicketEvent.Field.CREATED
    return BatchRows(
        first=first,
        tickets=[(ticket + by, *rest) for ticket, *rest in rows.tickets],
        messages=[(ticket + by, *rest) for ticket, *rest in rows.messages],
        events=[
            (
                ticket + by,
                actor,
                name,
                old,
                Ticket.number_for(ticket + by) if name == created else new,
                *rest,
            )
            for ticket, actor, name, old, new, *rest in rows.events
        ],
        tags=[(ticket + by, tag) for ticket, tag in rows.tags],
    )


@dataclass(frozen=True)
class Planning:
    """What a batch is planned from. Each batch has a random stream of its own, seeded from the
    demo's seed and the batch's number, so that batches can be planned apart (in planner
    processes) and a seed still gives the same desk however they are shared out."""

    seed: int
    tickets: int
    cast: Cast
    moment: datetime  # naive UTC
    db_time: DbTime

    @property
    def batch_count(self) -> int:
        return -(-self.tickets // BATCH_SIZE)

    def batch(self, number: int, first: int) -> BatchRows:
        """Batch ``number``'s tickets, numbered from ``first``."""
        rng = random.Random(f"{self.seed}/{number}")
        start = number * BATCH_SIZE
        plans = [
            _plan_ticket(rng, index, self.cast, self.moment)
            for index in range(start, min(start + BATCH_SIZE, self.tickets))
        ]
        return _rows(plans, first, self.db_time)


def _planned_in_line(planning: Planning, first: int) -> Iterator[BatchRows]:
    for number in range(planning.batch_count):
        yield planning.batch(number, first + number * BATCH_SIZE)


def _write(rows: BatchRows) -> tuple[int, int]:
    """Save a batch with its messages, tags and history, in one transaction. Returns
    (messages, events) written.

    Rows go through insert_rows rather than bulk_create, which spent two thirds of the time
    preparing values one field at a time (measured: 52 s for 100,000 tickets, against 18 s).
    The batch was numbered when it was planned; under the lock it is checked that those ids
    are still free, so its messages can point at its tickets. Messages are inserted in each
    ticket's reading order, so the ids they get keep that order."""
    with transaction.atomic():
        lock_for_explicit_ids(Ticket)
        first = next_free_id(Ticket)
        if first != rows.first:
            rows = _renumbered(rows, first)
        insert_rows(Ticket, TICKET_COLUMNS, rows.tickets)
        insert_rows(Message, MESSAGE_COLUMNS, rows.messages)
        insert_rows(TicketEvent, EVENT_COLUMNS, rows.events)
        insert_rows(Ticket.tags.through, ("ticket_id", "tag_id"), rows.tags)
        reset_id_sequences(Ticket)
    return len(rows.messages), len(rows.events)


def _ticket_values(ticket: TicketDraft | Ticket, db_time: DbTime) -> tuple[Any, ...]:
    """TICKET_COLUMNS without the id, in order."""
    return (
        ticket.title, ticket.requester_id, ticket.assignee_id, ticket.organisation_id,
        ticket.status, ticket.priority, ticket.category, ticket.channel,
        db_time(ticket.due_at), db_time(ticket.first_response_at), db_time(ticket.resolved_at),
        db_time(ticket.closed_at), ticket.estimated_hours, ticket.actual_hours,
        ticket.created_by_id, db_time(ticket.created_at), db_time(ticket.updated_at),
        db_time(ticket.last_activity_at), ticket.resolution, ticket.resolution_public,
    )  # fmt: skip


_planning_here: Planning | None = None  # in a planner process: what it plans from


def _become_planner(planning: Planning) -> None:
    """A planner process's start. Ctrl-C is the loader's to handle: it stops the planners."""
    global _planning_here  # one per planner process, set once
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _planning_here = planning


def _plan_in_planner(number: int, first: int) -> BatchRows:
    assert _planning_here is not None  # set by _become_planner
    return _planning_here.batch(number, first)


@contextlib.contextmanager
def _planned_alongside(
    planning: Planning, first: int, while_waiting: Callable[[], bool]
) -> Iterator[Iterator[BatchRows]]:
    """The batches in order, planned by ``PLANNERS`` processes while this one writes the
    previous ones; when the next batch is not planned yet, ``while_waiting`` does a slice of
    other work (False: nothing left to do, so wait).

    Planning is Python, one core's worth per planner; the writer is mostly the database's own
    code. Planners in threads shared one interpreter lock (a million tickets: about 106 s of
    planning on one core, the critical path); planners in processes each have their own. They
    are forked, so they start with the cast in memory, and hand back each batch as rows of
    plain values, already the database's text for times: unpickling a batch of 5,000 tickets
    costs the writer about 45 ms (the forked planner tried before sent model objects and
    datetimes and cost the writer 9 s per 100,000 tickets, here about 1 s)."""
    context = multiprocessing.get_context("fork")
    with context.Pool(PLANNERS, initializer=_become_planner, initargs=(planning,)) as pool:
        yield _in_order(pool, planning, first, while_waiting)


def _in_order(
    pool: multiprocessing.pool.Pool,
    planning: Planning,
    first: int,
    while_waiting: Callable[[], bool],
) -> Iterator[BatchRows]:
    numbers = iter(range(planning.batch_count))
    planned: deque[multiprocessing.pool.AsyncResult[BatchRows]] = deque()

    def plan_ahead() -> None:
        for number in islice(numbers, PLANNED_AHEAD - len(planned)):
            batch_first = first + number * BATCH_SIZE
            planned.append(pool.apply_async(_plan_in_planner, (number, batch_first)))

    plan_ahead()
    while planned:
        while not planned[0].ready() and while_waiting():
            pass
        rows = planned.popleft().get()
        plan_ahead()
        yield rows


def _larger_than_the_desk(tickets: int) -> bool:
    """A load at least as large as the desk: rebuilding what it touches afterwards (indexes,
    the merged full-text index) costs at most what keeping it up would have."""
    return tickets > BATCH_SIZE and tickets >= Ticket.objects.count()


def _indexes_deferred_when_large(large: bool) -> contextlib.AbstractContextManager[None]:
    """Without the big tables' indexes while a demo at least as large as the desk is loaded:
    making them again afterwards then costs at most what the new rows would have. Those
    that start with the ticket stay: rows arrive in ticket order, so they only grow at the
    end, and the writer keeps them up while it waits for the planner."""
    if large:
        tables = (Ticket, Message, TicketEvent, Ticket.tags.through)
        return indexes_deferred(*tables, keep_leading=("ticket_id",))
    return contextlib.nullcontext()


def _widen_sqlite_cache() -> None:
    """Give SQLite 256 MiB of page cache (default: 2 MiB) for this connection. Each ticket
    lands on a random page of the requester and assignee indexes, and once those outgrow the
    cache every batch rereads them (measured: 300,000 tickets in 61 s instead of 67 s).

    And let it sort with helper threads (``PRAGMA threads``, default none) when it makes the
    deferred indexes again at the end: an index on 3,000,000 rows took 8.8 s with 2 instead
    of 10.6 s, and 7.8 s instead of 9.5 s again (load average 7 on two cores)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")
            cursor.execute(f"PRAGMA threads = {SORT_THREADS}")


def _analyze() -> None:
    """Refresh the query planner's statistics after a bulk load (3 s for a million tickets
    on SQLite). A sampled ANALYZE (analysis_limit) is no good here: it saw "1001 tickets per
    assignee", so the unassigned "value" looked rare to the planner. PostgreSQL also gets a
    VACUUM, which marks the new pages all-visible so that counts read only the indexes."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
        elif connection.vendor == "postgresql" and connection.get_autocommit():
            cursor.execute("VACUUM ANALYZE")
        elif connection.vendor == "postgresql":
            cursor.execute("ANALYZE")  # VACUUM cannot run inside a transaction


# --- the use case -------------------------------------------------------------------------


def demo_create(
    *,
    tickets: int,
    seed: int = 1,
    admin_password: str | None = None,
    show_progress: bool = False,
) -> DemoReport:
    """Add a demo help desk of ``tickets`` tickets. Running it again adds another set of
    people and tickets beside the first (names get a number); the admin is made only once."""
    rng = random.Random(seed)
    moment = now()
    scale = Scale.for_tickets(tickets)
    report = DemoReport()
    password_hash = make_password(DEMO_PASSWORD)  # the one hash for every demo account
    with transaction.atomic():
        report.admin_password = _ensure_admin(admin_password)
        organisations = _create_organisations(rng, scale.organisations, moment)
        customers, agents = _create_people(rng, scale, organisations, password_hash, moment)
        tags, report.tags = _ensure_tags()
    report.organisations, report.customers, report.agents = (
        len(organisations),
        len(customers),
        len(agents),
    )
    report.sample_customer, report.sample_agent = customers[0].username, agents[0].username
    cast = Cast(customers=customers, agents=agents, tags=tags)
    _widen_sqlite_cache()
    utc = in_utc(moment).replace(tzinfo=None)  # tickets are planned in naive UTC
    planning = Planning(seed, tickets, cast, utc, utc_datetime_adapter())
    first = next_free_id(Ticket)
    large = _larger_than_the_desk(tickets)
    with (
        cycle_collector_paused(),
        search_index_deferred(merge_at_end=large),
        # The planners are forked before the progress bar starts a thread.
        _planned_alongside(planning, first, search_index_some)
        if tickets > BATCH_SIZE and PLANNERS > 0
        else contextlib.nullcontext(_planned_in_line(planning, first)) as planned,
        _indexes_deferred_when_large(large),
        progress(tickets, "Tickets", "ticket", show=show_progress) as bar,
    ):
        for rows in planned:
            messages, events = _write(rows)
            report.tickets += len(rows.tickets)
            report.messages += messages
            report.events += events
            bar.update(len(rows.tickets))
    _analyze()
    return report
