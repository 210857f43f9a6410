"""Handle a stored mail: parse, route, and hand it to the same services the pages use.

The raw mail is already committed (mail/intake.py). From here every outcome is written on the
InboundMail row, and nothing raises: a failure quarantines the mail with its reason.

In order: too large → quarantined (one notice a day to a person who sent it); unreadable →
quarantined; a Message-ID already imported → ignored; a bounce → ignored (and noted on the
outbox row it answers); from the desk's own address → ignored (a loop); an auto-reply →
ignored; a look-alike of the desk's or an agent's address → held; then threading
(mail/routing.py): a signed reply address or Message-ID of a ticket whose participant sent it →
a reply on that ticket; of a ticket whose participant did not → held; nothing signed → a new
ticket for the sender (a customer account is made for an unknown address).
"""

from __future__ import annotations

import logging
import re
from contextlib import nullcontext
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import STAFF_ROLES, User
from frontdesk.accounts.services import customer_create_from_mail
from frontdesk.core.clock import now
from frontdesk.core.errors import DomainError, Said
from frontdesk.following.services import cc_from_mail
from frontdesk.mail.addresses import parse_message_id, parse_reply_address, support_address
from frontdesk.mail.content import content_of, title_of
from frontdesk.mail.loop import automatic_mail_allowed, no_automatic_mail_to
from frontdesk.mail.models import InboundMail
from frontdesk.mail.parsing import (
    Address,
    ParsedMail,
    Unusable,
    addresses,
    header,
    parse_headers,
    read,
)
from frontdesk.mail.robots import Kind, Verdict, classify
from frontdesk.mail.routing import (
    Thread,
    foreign_letters,
    imitated,
    participant,
    thread_of,
    user_with_address,
)
from frontdesk.notifications.models import OutboxMail
from frontdesk.notifications.outbox import outbox_enqueue
from frontdesk.tickets.files import human_size
from frontdesk.tickets.merging import ticket_survivor
from frontdesk.tickets.models import Channel, Ticket
from frontdesk.tickets.services import message_post, ticket_open

logger = logging.getLogger(__name__)

Status = InboundMail.Status
DEFAULT_MAX_BYTES = 25 * 1024 * 1024
TOO_LARGE_KIND = "mail_too_large"
NOTICE_EVERY = timedelta(days=1)
_MESSAGE_ID_LINE = re.compile(rb"^Message-ID:\s*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)
_DIAGNOSTIC = re.compile(rb"^(?:Diagnostic-Code|Status):\s*(.+)$", re.IGNORECASE | re.MULTILINE)


def max_bytes() -> int:
    return int(getattr(settings, "FRONTDESK_MAIL_MAX_BYTES", DEFAULT_MAX_BYTES))


def mail_process(inbound: InboundMail) -> InboundMail:
    """Decide what ``inbound`` becomes, write it on the row, and return the row. Never raises:
    an unexpected failure is logged once and the mail quarantined with the reason."""
    if inbound.status != Status.RECEIVED:
        return inbound  # handled already (an intake that retries after a crash)
    try:
        return _process(inbound)
    except Exception as exc:
        logger.exception("Mail %s could not be handled; it is quarantined", inbound.pk)
        # What a rolled-back attempt wrote does not exist: the mail points at nothing.
        return _settle(
            inbound,
            Status.QUARANTINED,
            f"Could not be handled: {exc!r}"[:2000],
            ticket=None,
            message=None,
        )


# What the pipeline writes on a stored mail.
OUTCOME_FIELDS = [
    "status",
    "reason",
    "reason_facts",
    "processed_at",
    "message_id_header",
    "from_address",
    "from_name",
    "subject",
    "ticket",
    "message",
]
_TEXT_FIELDS = ("reason", "message_id_header", "from_address", "from_name", "subject")
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
WAITING_AFTER = timedelta(minutes=5)
WAITING_BATCH = 500


def mail_process_waiting(*, older_than: timedelta = WAITING_AFTER) -> int:
    """Handle the mails kept but never handled: the process stopped between storing a mail and
    handling it (a crash, a restart). A mail whose copy was imported meanwhile is ignored as
    a duplicate. Returns how many were handled."""
    waiting = list(
        InboundMail.objects.filter(status=Status.RECEIVED, received_at__lt=now() - older_than)
        .order_by("id")
        .values_list("pk", flat=True)[:WAITING_BATCH]
    )
    for inbound_id in waiting:
        inbound = InboundMail.objects.filter(pk=inbound_id, status=Status.RECEIVED).first()
        if inbound is not None:
            mail_process(inbound)
    return len(waiting)


# How a reply was matched (routing.Thread.how), said inside a held mail's reason.
HOW_WORDS = (gettext_noop("reply address"), gettext_noop("Message-ID"))


def _settle(inbound: InboundMail, status: str, reason: str | Said, **fields: object) -> InboundMail:
    """Write the outcome. Inside a use case's transaction, it commits or rolls back with it.
    A reason in words is kept as English and as facts, to be said in the reader's language."""
    inbound.status = status
    inbound.reason = str(reason)
    inbound.reason_facts = reason.facts() if isinstance(reason, Said) else None
    inbound.processed_at = now()
    for name, value in fields.items():
        setattr(inbound, name, value)
    for name in _TEXT_FIELDS:  # whatever a header held, it can be stored
        setattr(inbound, name, _UNSTORABLE.sub("\ufffd", getattr(inbound, name)))
    try:
        inbound.save(update_fields=OUTCOME_FIELDS)  # never the raw bytes again
    except Exception:
        if transaction.get_connection().in_atomic_block:
            raise
        logger.exception("The outcome of mail %s could not be saved", inbound.pk)
    return inbound


def _process(inbound: InboundMail) -> InboundMail:
    raw = bytes(inbound.raw)
    if len(raw) > max_bytes():
        return _too_large(inbound, raw)
    try:
        parsed = read(raw, envelope_to=inbound.envelope_to.splitlines())
    except Unusable as exc:
        return _settle(inbound, Status.QUARANTINED, exc.said)
    sender = parsed.sender
    inbound.message_id_header = parsed.message_id
    inbound.from_address = sender.address[:254] if sender else ""
    inbound.from_name = sender.name[:200] if sender else ""
    inbound.subject = parsed.subject[:998]
    earlier = _imported_before(inbound)
    if earlier is not None:
        return _settle(
            inbound,
            Status.IGNORED,
            Said(gettext_noop("Already imported as mail %(mail)s."), {"mail": earlier.pk}),
            ticket=earlier.ticket,
        )
    verdict = classify(
        parsed.message,
        sender=sender.address if sender else "",
        envelope_from=inbound.envelope_from,
    )
    if verdict.kind is Kind.BOUNCE:
        return _bounce(inbound, raw, verdict)
    if sender is None:
        return _settle(
            inbound,
            Status.QUARANTINED,
            Said(gettext_noop("The mail names no sender (no From address).")),
        )
    if sender.address in _own_addresses() or parse_reply_address(sender.address):
        return _settle(
            inbound,
            Status.IGNORED,
            Said(gettext_noop("Sent from the desk's own address (a mail loop).")),
        )
    thread = thread_of(parsed)
    if verdict.kind is Kind.AUTO_REPLY:
        ticket = Ticket.objects.filter(pk=thread.target.ticket_id).first() if thread else None
        return _settle(inbound, Status.IGNORED, f"{verdict.why.capitalize()}.", ticket=ticket)
    genuine = (
        None
        if sender.address.isascii()
        else imitated(sender.address, [*_own_addresses(), *_staff_addresses()])
    )
    if genuine is not None:
        return _settle(
            inbound,
            Status.HELD,
            Said(
                gettext_noop(
                    "The sender's address imitates %(address)s with look-alike letters "
                    "(%(letters)s)."
                ),
                {"address": genuine, "letters": foreign_letters(sender.address)},
            ),
        )
    quiet = (
        no_automatic_mail_to(sender.address) if verdict.kind is Kind.AUTOMATIC else nullcontext()
    )
    with quiet:
        if thread is not None:
            return _reply(inbound, parsed, sender, thread)
        return _new_ticket(inbound, parsed, sender)


def _imported_before(inbound: InboundMail) -> InboundMail | None:
    if not inbound.message_id_header:
        return None
    return (
        InboundMail.objects.filter(message_id_header=inbound.message_id_header)
        .filter(status__in=[Status.IMPORTED, Status.HELD])
        .exclude(pk=inbound.pk)
        .order_by("id")
        .first()
    )


def _own_addresses() -> list[str]:
    return list(
        dict.fromkeys(
            [address.lower() for address in settings.FRONTDESK_SUPPORT_ADDRESSES]
            + [support_address()]
        )
    )


def _staff_addresses() -> list[str]:
    return [
        email.lower()
        for email in User.objects.filter(role__in=STAFF_ROLES).values_list("email", flat=True)
    ]


# --- replies and new tickets --------------------------------------------------------------


def _reply(
    inbound: InboundMail, parsed: ParsedMail, sender: Address, thread: Thread
) -> InboundMail:
    ticket = Ticket.objects.filter(pk=thread.target.ticket_id).first()
    if ticket is None:
        return _settle(
            inbound,
            Status.HELD,
            Said(
                gettext_noop("It answers a ticket (by its %(how)s) that no longer exists."),
                {"how": Said(thread.how)},
            ),
        )
    # A ticket merged into another: its thread goes on in the survivor (tickets/merging.py).
    answered, ticket = ticket, ticket_survivor(ticket)
    user = user_with_address(sender.address)
    if not participant(ticket, user, thread.target):
        if answered.pk != ticket.pk and participant(answered, user, thread.target):
            reason = Said(
                gettext_noop(
                    "It answers %(answered)s, which was merged into %(number)s, a ticket of "
                    "another customer than %(address)s."
                ),
                {"answered": answered.number, "number": ticket.number, "address": sender.address},
            )
        else:
            reason = Said(
                gettext_noop(
                    "It answers %(number)s (by its %(how)s), but %(address)s is not a "
                    "participant of that ticket."
                ),
                {"number": ticket.number, "how": Said(thread.how), "address": sender.address},
            )
        return _settle(inbound, Status.HELD, reason, ticket=ticket)
    assert user is not None
    content = content_of(parsed)
    try:
        with transaction.atomic():
            message = message_post(
                actor=user, ticket_id=ticket.pk, body=content.body, files=content.files
            )
            _copy_others(ticket, user, parsed)
            return _settle(
                inbound,
                Status.IMPORTED,
                Said(
                    gettext_noop("A reply on %(number)s (matched by its %(how)s)."),
                    {"number": ticket.number, "how": Said(thread.how)},
                ),
                ticket=ticket,
                message=message,
            )
    except DomainError as exc:
        return _settle(
            inbound,
            Status.HELD,
            Said(
                gettext_noop("It could not be added to %(number)s: %(problem)s"),
                {"number": ticket.number, "problem": exc.as_said()},
            ),
            ticket=ticket,
        )


def _new_ticket(inbound: InboundMail, parsed: ParsedMail, sender: Address) -> InboundMail:
    user = user_with_address(sender.address)
    if user is not None and user.role in STAFF_ROLES:
        return _settle(
            inbound,
            Status.HELD,
            Said(
                gettext_noop(
                    "Sent by the agent %(name)s and answering no ticket: tickets are opened "
                    "for customers, so an agent decides what to do with it."
                ),
                {"name": user.username},
            ),
        )
    if user is not None and not user.is_active:
        return _settle(
            inbound,
            Status.HELD,
            Said(
                gettext_noop(
                    "The account with this address (%(name)s) is deactivated, so it cannot "
                    "open tickets; an agent decides what to do with the mail."
                ),
                {"name": user.username},
            ),
        )
    content = content_of(parsed)
    title = title_of(parsed.subject, content.body, sender.address)
    try:
        with transaction.atomic():
            if user is None:
                user = customer_create_from_mail(email=sender.address, name=sender.name)
            opened = ticket_open(
                actor=user,
                title=title,
                body=content.body,
                channel=Channel.EMAIL,
                files=content.files,
            )
            _copy_others(opened.ticket, user, parsed)
            return _settle(
                inbound,
                Status.IMPORTED,
                Said(gettext_noop("Opened %(number)s."), {"number": opened.ticket.number}),
                ticket=opened.ticket,
                message=opened.message,
            )
    except DomainError as exc:
        if exc.field == "email":
            why = Said(
                gettext_noop(
                    "The sender's address %(address)s cannot be a customer's: %(problem)s"
                ),
                {"address": sender.address, "problem": exc.as_said()},
            )
        else:
            why = Said(
                gettext_noop("No ticket could be opened: %(problem)s"), {"problem": exc.as_said()}
            )
        return _settle(inbound, Status.HELD, why)


def _copy_others(ticket: Ticket, sender: User, parsed: ParsedMail) -> None:
    """The other people in To and Cc, copied on the ticket when the desk is set to
    (FRONTDESK_MAIL_CC_FROM_HEADERS): never the desk's own addresses or the sender."""
    if not settings.FRONTDESK_MAIL_CC_FROM_HEADERS:
        return
    own = set(_own_addresses()) | {sender.email.lower()}
    others = [
        found.address
        for name in ("To", "Cc")
        for found in addresses(parsed.message, name)
        if found.address not in own and not parse_reply_address(found.address)
    ]
    if others:
        cc_from_mail(ticket=ticket, sender=sender, others=list(dict.fromkeys(others)))


# --- bounces and mail too large -----------------------------------------------------------


def _bounce(inbound: InboundMail, raw: bytes, verdict: Verdict) -> InboundMail:
    """Ignore a bounce; when it names a mail the desk sent, note it on that outbox row."""
    diagnostic = "; ".join(
        match.decode("utf-8", "replace").strip() for match in _DIAGNOSTIC.findall(raw)[:2]
    )
    named = [found.decode("ascii", "replace") for found in _MESSAGE_ID_LINE.findall(raw)]
    ours = [message_id for message_id in named if parse_message_id(message_id)]
    rows = OutboxMail.objects.filter(message_id_header__in=ours + [m.lower() for m in ours])
    sent = rows.first()
    with transaction.atomic():
        if sent is not None:
            rows.update(last_error=f"Bounced: {diagnostic or verdict.why}"[:2000])
        about = f" about {sent.to_address}'s mail ({sent.kind})" if sent else ""
        return _settle(
            inbound,
            Status.IGNORED,
            f"A bounce ({verdict.why}){about}; bounces never open tickets.",
            ticket=sent.ticket if sent else None,
        )


def _too_large(inbound: InboundMail, raw: bytes) -> InboundMail:
    limit = max_bytes()
    reason = (
        f"The mail is {human_size(len(raw))}; mail can be at most {human_size(limit)}. "
        "It was not imported."
    )
    try:
        message = parse_headers(raw)
    except Exception:  # the quarantine below keeps the mail either way
        return _settle(inbound, Status.QUARANTINED, reason)
    senders = addresses(message, "From")
    sender = senders[0].address if senders else ""
    inbound.from_address = sender[:254]
    inbound.subject = header(message, "Subject")[:998]
    verdict = classify(message, sender=sender, envelope_from=inbound.envelope_from)
    with transaction.atomic():
        if sender and verdict.kind is Kind.PERSON and _may_notify(sender):
            outbox_enqueue(
                kind=TOO_LARGE_KIND,
                recipient=None,
                to_address=sender,
                data={
                    "size": human_size(len(raw)),
                    "limit": human_size(limit),
                    "subject": inbound.subject[:200],
                },
            )
            reason += " The sender was told."
        return _settle(inbound, Status.QUARANTINED, reason)


def _may_notify(address: str) -> bool:
    """One notice a day per address, to a person (never the desk itself), and only when no
    rule of the moment forbids automatic mail to it."""
    if address in _own_addresses() or not automatic_mail_allowed(address):
        return False
    recent = OutboxMail.objects.filter(
        kind=TOO_LARGE_KIND, to_address__iexact=address, created_at__gte=now() - NOTICE_EVERY
    )
    return not recent.exists()
