"""Who is told what. Every change to a ticket is written as a Message or a TicketEvent
(tickets/services.py); the receivers here hear each new row inside the use case's transaction
and write the notifications it causes into the outbox, so a change that rolls back mails
nobody. They decide only who gets which kind; nothing is rendered here (the worker renders).

The rules (docs/email.md, "Who is told what"):

* the requester: a receipt when the ticket is opened, each public reply by the staff, and the
  status changes that matter to them (resolved, closed, reopened, pending) when they can see
  them (tickets/access.py). Never an internal note or a staff-only change;
* the assignee: the requester's replies, a ticket assigned to them by someone else, an
  internal note that mentions them by ``@username``;
* agents and admins who want it: a new ticket nobody has;
* the people copied on the ticket (CC): every public reply, whoever wrote it, as the
  requester is told of the staff's (the requester is also told of a CC person's reply);
* the followers (staff): every reply, internal note and status change, unless the same
  change already tells them something as the assignee or by a mention;
* never the person who made the change (except the receipt, which confirms one's own
  request), nor an inactive user, one without an address, or System;
* each user's choices (notifications/preferences.py); an agent's digest holds their kinds;
* no mail to an address the intake marked as a robot's (mail/loop.py), and at most
  FRONTDESK_MAIL_PER_ADDRESS_PER_DAY mails to one address in 24 hours.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet
from django.db.models.signals import post_save
from django.dispatch import receiver

from frontdesk.accounts.models import STAFF_ROLES, User
from frontdesk.core.clock import now
from frontdesk.core.compiled import CompiledRead, CompiledUpdate
from frontdesk.following.selectors import Audience as Followers
from frontdesk.following.selectors import ticket_audience
from frontdesk.mail.loop import automatic_mail_allowed
from frontdesk.notifications import kinds
from frontdesk.notifications.kinds import DIGESTIBLE, KINDS, Audience
from frontdesk.notifications.models import DigestItem, OutboxMail
from frontdesk.notifications.outbox import outbox_enqueue
from frontdesk.notifications.preferences import digest_periods, wanted_pairs
from frontdesk.tickets import access
from frontdesk.tickets.models import Message, MessageKind, Status, Ticket, TicketEvent

logger = logging.getLogger(__name__)

# Usernames are ASCII letters and digits (accounts/validators.py); an address such as
# bob@example.com is no mention (a letter before the @).
MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9]{1,16})\b")
MENTIONS_MAX = 20  # names looked up per note

# The statuses the requester is told of; New, Open and In progress are the desk's business.
TOLD_STATUSES = frozenset({Status.RESOLVED, Status.CLOSED, Status.REOPENED, Status.PENDING})

# A reply and a status change this close together are told in one mail.
TOGETHER_SECONDS = 60

WITHDRAWN = "The ticket was assigned before this was sent."


@dataclass(frozen=True)
class Notice:
    """One kind of notification for one person, before the checks that may drop it."""

    kind: str
    recipient_id: int
    message: Message | None = None
    event: TicketEvent | None = None
    data: dict[str, Any] = field(default_factory=dict)
    recipient: User | None = None  # when a rule has loaded them already
    copied: bool = False  # told as a person copied on the ticket (CC)


# --- the receivers --------------------------------------------------------------------------


@receiver(post_save, sender=Message, dispatch_uid="notifications-message")
def _message_saved(
    sender: Any, instance: Message, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if created and not raw:
        notify(instance.ticket, instance.author_id, notices_for_message(instance))


@receiver(post_save, sender=TicketEvent, dispatch_uid="notifications-ticket-event")
def _event_saved(
    sender: Any, instance: TicketEvent, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if created and not raw:
        notify(instance.ticket, instance.actor_id, notices_for_event(instance))


# --- what each change causes ----------------------------------------------------------------


def notices_for_message(message: Message) -> list[Notice]:
    ticket = message.ticket
    if message.kind == MessageKind.INTERNAL:
        return _with_followers(_mentions(message), ticket_audience(ticket.pk), message=message)
    if message.kind != MessageKind.PUBLIC or _opens_ticket(message):
        return []  # system lines; the opening message is told by the receipt
    audience = ticket_audience(ticket.pk)
    notices = []
    customer_wrote = message.author_id == ticket.requester_id or (
        message.author_id in audience.copied
    )
    if customer_wrote and ticket.assignee_id is not None:
        notices.append(Notice(kinds.CUSTOMER_REPLIED, ticket.assignee_id, message=message))
    notices.append(Notice(kinds.PUBLIC_REPLY, ticket.requester_id, message=message))
    notices += [
        Notice(kinds.PUBLIC_REPLY, person_id, message=message, copied=True)
        for person_id in sorted(audience.copied)
    ]
    return _with_followers(notices, audience, message=message)


def _with_followers(
    notices: list[Notice],
    audience: Followers,
    *,
    message: Message | None = None,
    event: TicketEvent | None = None,
    data: dict[str, Any] | None = None,
) -> list[Notice]:
    """``notices`` and, for each follower they do not already tell, the follower's notice."""
    told = {notice.recipient_id for notice in notices}
    return notices + [
        Notice(kinds.FOLLOWED_UPDATE, user_id, message=message, event=event, data=data or {})
        for user_id in sorted(audience.followers - told)
    ]


def _opens_ticket(message: Message) -> bool:
    return not _earlier_message(None, message.ticket_id, message.pk)


def _earlier_message_query(
    shape: None, ticket_id: int, message_id: int
) -> QuerySet[Message, tuple[int]]:
    return (
        Message.objects.filter(ticket_id=ticket_id, pk__lt=message_id)
        .order_by()
        .values_list("pk")[:1]
    )


# The reads below run inside every change that notifies anyone (a reply, a claim, a close):
# each compiled once (core/compiled.py), since compiling one cost more than running it.
_earlier_message = CompiledRead(_earlier_message_query)


def _mentions(note: Message) -> list[Notice]:
    names = list(dict.fromkeys(name.lower() for name in MENTION.findall(note.body)))
    if not names:
        return []
    staff = User.objects.filter(
        username__lower__in=names[:MENTIONS_MAX], role__in=STAFF_ROLES, is_active=True
    )
    return [Notice(kinds.MENTIONED, person.pk, message=note, recipient=person) for person in staff]


def notices_for_event(event: TicketEvent) -> list[Notice]:
    ticket = event.ticket
    if event.field == TicketEvent.Field.CREATED:
        notices = [Notice(kinds.TICKET_RECEIVED, ticket.requester_id, event=event)]
        if ticket.assignee_id is None:
            staff = _staff_with_mail(None)
            notices += [
                Notice(kinds.NEW_TICKET, person.pk, event=event, recipient=person)
                for person in staff
            ]
        return notices
    if event.field == TicketEvent.Field.STATUS:
        data = {"status": event.new_value, "previous": event.old_value}
        notices = []
        if not event.staff_only and event.new_value in TOLD_STATUSES:
            notices.append(
                Notice(kinds.STATUS_CHANGED, ticket.requester_id, event=event, data=data)
            )
        return _with_followers(notices, ticket_audience(ticket.pk), event=event, data=data)
    if event.field == TicketEvent.Field.ASSIGNEE:
        if not event.old_value:
            _withdraw_new_ticket(ticket)
        if not event.new_value.isdigit():
            return []
        return [Notice(kinds.TICKET_ASSIGNED, int(event.new_value), event=event)]
    return []


def _withdraw_new_ticket(ticket: Ticket) -> None:
    """ "Nobody has this ticket" is no longer true: the notices not yet sent are not sent
    (an agent opening a ticket and assigning it at once, a claim a minute later)."""
    _withdrawn(None, ticket.pk)
    DigestItem.objects.filter(ticket=ticket, kind=kinds.NEW_TICKET, digest__isnull=True).delete()


def _staff_with_mail_query(shape: None) -> QuerySet[User]:
    return User.objects.filter(role__in=STAFF_ROLES, is_active=True).exclude(email="")


def _withdrawn_query(shape: None, ticket_id: int) -> tuple[QuerySet[OutboxMail], dict[str, Any]]:
    waiting = OutboxMail.objects.filter(
        ticket_id=ticket_id, kind=kinds.NEW_TICKET, status=OutboxMail.Status.PENDING
    )
    return waiting, {"status": OutboxMail.Status.SKIPPED, "last_error": WITHDRAWN}


# A new ticket asks who the staff are, and its claim withdraws their notices: compiled once.
_staff_with_mail = CompiledRead(_staff_with_mail_query)
_withdrawn = CompiledUpdate(_withdrawn_query)


# --- the checks, then the outbox ------------------------------------------------------------


def notify(ticket: Ticket, actor_id: int | None, notices: Iterable[Notice]) -> None:
    """Write ``notices`` about ``ticket`` that pass every check. A few queries, whatever the
    number of recipients: the people, each kind's choices, the digests, the daily counts."""
    chosen = _first_of_each(
        notice
        for notice in notices
        if notice.recipient_id != actor_id or notice.kind == kinds.TICKET_RECEIVED
    )
    if not chosen:
        return
    people = _people(ticket, chosen)
    if ticket.team_id is not None:  # one query for every recipient's teams
        access.team_ids_preload(people.values())
    chosen = [
        notice for notice in chosen if _may_receive(people.get(notice.recipient_id), notice, ticket)
    ]
    takers = wanted_pairs((n.recipient_id, n.kind) for n in chosen)
    chosen = [n for n in chosen if (n.recipient_id, n.kind) in takers]
    digests = digest_periods(n.recipient_id for n in chosen if n.kind in DIGESTIBLE)
    held = [n for n in chosen if n.kind in DIGESTIBLE and n.recipient_id in digests]
    if held:
        _hold_for_digest(ticket, held)
    mailed = [n for n in chosen if n not in held]
    for notice, user in _within_limits([(n, people[n.recipient_id]) for n in mailed]):
        if _told_with_the_other(ticket, notice, user):
            continue
        outbox_enqueue(
            kind=notice.kind,
            recipient=user,
            ticket=ticket,
            message=notice.message,
            event=notice.event,
            data=notice.data,
        )


def _told_with_the_other(ticket: Ticket, notice: Notice, user: User) -> bool:
    """A reply and a status change made together ("Send and close"; a reply that reopens)
    are one mail to the requester: the reply, telling the new status too. The other's row
    is changed while it still waits (the worker has not claimed it), else this one is
    written on its own."""
    partner = {kinds.STATUS_CHANGED: kinds.PUBLIC_REPLY, kinds.PUBLIC_REPLY: kinds.STATUS_CHANGED}
    if notice.kind not in partner:
        return False
    since = now() - timedelta(seconds=TOGETHER_SECONDS)
    found = _latest_partner(None, ticket.pk, user.pk, partner[notice.kind], since)
    if not found or found[0][1] != OutboxMail.Status.PENDING:
        return False
    # Changed only while it still waits: the worker may have claimed it since it was read.
    waiting = OutboxMail.objects.filter(pk=found[0][0], status=OutboxMail.Status.PENDING)
    if notice.kind == kinds.STATUS_CHANGED:
        return bool(waiting.update(data=notice.data, event=notice.event))
    return bool(waiting.update(kind=kinds.PUBLIC_REPLY, message=notice.message))


def _latest_partner_query(
    shape: None, ticket_id: int, user_id: int, kind: str, since: datetime
) -> QuerySet[OutboxMail, tuple[int, str]]:
    """The latest mail of ``kind`` to the user about the ticket since then: id and status."""
    return (
        OutboxMail.objects.filter(
            ticket_id=ticket_id, recipient_id=user_id, kind=kind, created_at__gte=since
        )
        .order_by("-id")
        .values_list("pk", "status")[:1]
    )


_latest_partner = CompiledRead(_latest_partner_query)


def _first_of_each(notices: Iterable[Notice]) -> list[Notice]:
    seen: set[tuple[str, int]] = set()
    kept = []
    for notice in notices:
        key = (notice.kind, notice.recipient_id)
        if key not in seen:
            seen.add(key)
            kept.append(notice)
    return kept


def _people(ticket: Ticket, notices: list[Notice]) -> dict[int, User]:
    """The recipients, in one query at most: those a rule already loaded, and the requester
    and assignee the use case holds, are taken as they are."""
    ids = {notice.recipient_id for notice in notices}
    people = {n.recipient_id: n.recipient for n in notices if n.recipient is not None}
    for name in ("requester", "assignee"):
        if Ticket._meta.get_field(name).is_cached(ticket):  # type: ignore[union-attr]
            person = getattr(ticket, name)
            if person is not None and person.pk in ids:
                people[person.pk] = person
    missing = sorted(ids - set(people))
    if missing:
        people.update((person.pk, person) for person in _users(len(missing), *missing))
    return people


def _users_query(count: int, *user_ids: int) -> QuerySet[User]:
    return User.objects.filter(pk__in=user_ids)


_users = CompiledRead(_users_query)  # compiled once per number of ids


def _may_receive(user: User | None, notice: Notice, ticket: Ticket) -> bool:
    """A customer's kinds go to the requester (and a public reply to the people copied on
    the ticket: the rule above read them from the CC list in this transaction); the staff's
    to an active agent or admin. So an internal note, a mention or anything else meant for
    the staff never reaches a customer, whatever a rule above says."""
    if user is None or not user.is_active or user.is_system or not user.email:
        return False
    if KINDS[notice.kind].audience == Audience.REQUESTER:
        if user.is_staff_member:
            return False
        if notice.copied:
            return (
                notice.kind == kinds.PUBLIC_REPLY
                and notice.message is not None
                and (notice.message.kind == MessageKind.PUBLIC)
            )
        return user.pk == ticket.requester_id
    return user.is_staff_member and access.may_see_ticket(user, ticket)


def _hold_for_digest(ticket: Ticket, held: list[Notice]) -> None:
    DigestItem.objects.bulk_create(
        [
            DigestItem(
                user_id=notice.recipient_id,
                kind=notice.kind,
                ticket=ticket,
                message=notice.message,
                event=notice.event,
                data=notice.data,
            )
            for notice in held
        ]
    )


def _within_limits(pairs: list[tuple[Notice, User]]) -> list[tuple[Notice, User]]:
    """Drop mail to an address the intake is answering for a robot (mail/loop.py), and mail
    past the daily cap of an address (FRONTDESK_MAIL_PER_ADDRESS_PER_DAY; 0: no cap)."""
    kept = []
    for notice, user in pairs:
        if automatic_mail_allowed(user.email):
            kept.append((notice, user))
        else:
            logger.info("No %s to %s: it is an automatic sender's.", notice.kind, user.email)
    cap = int(settings.FRONTDESK_MAIL_PER_ADDRESS_PER_DAY)
    if cap <= 0 or not kept:
        return kept
    sent = Counter(mails_today({user.email for _, user in kept}))
    within = []
    for notice, user in kept:
        if sent[user.email] >= cap:
            _say_capped(notice, user.email, cap)
            continue
        sent[user.email] += 1
        within.append((notice, user))
    return within


class _CappedToday:
    """The addresses this process has warned about today (UTC): a desk whose agent gets
    hundreds of replies a day would otherwise log a warning for every mail the cap holds
    back. Later ones go to the debug log."""

    def __init__(self) -> None:
        self.day: date | None = None
        self.addresses: set[str] = set()

    def first_today(self, address: str) -> bool:
        today = now().date()
        if today != self.day:
            self.day, self.addresses = today, set()
        if address in self.addresses:
            return False
        self.addresses.add(address)
        return True


_capped_today = _CappedToday()


def _say_capped(notice: Notice, address: str, cap: int) -> None:
    if _capped_today.first_today(address):
        logger.warning(
            "No %s to %s: %d mails today already (said once a day for each address; the "
            "next ones are in the debug log).",
            notice.kind,
            address,
            cap,
        )
    else:
        logger.debug("No %s to %s: %d mails today already.", notice.kind, address, cap)


def mails_today(addresses: set[str]) -> dict[str, int]:
    """How many mails each address was written in the last 24 hours (withdrawn ones aside):
    one query on the outbox's (address, time) index."""
    since = now() - timedelta(days=1)
    return dict(_mails_since(len(addresses), since, *sorted(addresses)))


def _mails_since_query(
    count: int, since: datetime, *addresses: str
) -> QuerySet[Any, tuple[str, int]]:
    return (
        OutboxMail.objects.filter(to_address__in=addresses, created_at__gte=since)
        .exclude(status=OutboxMail.Status.SKIPPED)
        .order_by()
        .values("to_address")
        .annotate(count=Count("id"))
        .values_list("to_address", "count")
    )


_mails_since = CompiledRead(_mails_since_query)  # compiled once per number of addresses
