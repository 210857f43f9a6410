"""Held mail: what agents see of it, and their two decisions, Accept and Dismiss.

A mail is held when the pipeline would not decide alone: a reply to a ticket from someone who is
not its participant, a mail from an agent's address answering no ticket, a sender imitating the
desk's or an agent's address, a mail a rule refused (too many open tickets). Only staff decide.

- **Accept** on a held reply adds it to its ticket as the sender's message when the sender may
  write there (the requester, an agent); anyone else's words are added as an internal note by
  the agent who accepted, headed with who sent it: a ticket has one requester, and a stranger's
  text reaches them only if an agent passes it on. A sender without an account gets a customer
  account first. A held mail that answers no ticket opens one for its sender. The message
  written is the trace; the mail row records who accepted it and when.
- **Dismiss** records who dismissed it and when; the mail stays (ignored), raw and all.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import User
from frontdesk.accounts.services import customer_create_from_mail
from frontdesk.core.clock import now
from frontdesk.core.errors import Conflict, InvalidInput, NotAllowed, NotFound, Said
from frontdesk.mail.bodies import body_and_files
from frontdesk.mail.content import content_of, title_of
from frontdesk.mail.models import InboundMail
from frontdesk.mail.parsing import ParsedMail, Unusable, read
from frontdesk.mail.routing import user_with_address
from frontdesk.tickets.models import Channel, Message, Ticket
from frontdesk.tickets.services import message_post, ticket_open

STAFF_ONLY = gettext_noop("Only agents can see and decide on held mail.")
NOT_FOUND = gettext_noop("There is no held mail with that number.")
NO_LONGER_HELD = gettext_noop("This mail is no longer held: %(outcome)s")
SENT_BY_AGENT = gettext_noop(
    "This mail was sent from an agent's address and answers no ticket, so there is no customer "
    "to open a ticket for. Open one for the customer from the workspace, then dismiss this mail."
)
NO_SENDER = gettext_noop("This mail names no sender, so there is nobody to add it for. Dismiss it.")
NOT_ADDED = gettext_noop("The mail could not be added for its sender: %(problem)s")
HELD_SHOWN = 100
PREVIEW_CHARS = 600

Status = InboundMail.Status


def _check_staff(actor: User) -> None:
    if not actor.is_staff_member:
        raise NotAllowed(STAFF_ONLY)


@dataclass(frozen=True)
class HeldMail:
    mail: InboundMail
    preview: str


def held_mails(*, actor: User) -> list[HeldMail]:
    """The held mails, oldest first (the one waiting longest is decided first), each with the
    beginning of its text."""
    _check_staff(actor)
    rows = (
        InboundMail.objects.filter(status=Status.HELD)
        .select_related("ticket")
        .defer("raw")
        .order_by("received_at", "id")[:HELD_SHOWN]
    )
    return [HeldMail(mail=row, preview=_preview(row.pk)) for row in rows]


def held_mail_count(*, actor: User) -> int:
    _check_staff(actor)
    return InboundMail.objects.filter(status=Status.HELD).count()


def _preview(inbound_id: int) -> str:
    raw = InboundMail.objects.values_list("raw", flat=True).get(pk=inbound_id)
    try:
        text, _, _ = body_and_files(read(bytes(raw), envelope_to=[]).message)
    except Unusable:
        return ""
    return text[:PREVIEW_CHARS] + ("…" if len(text) > PREVIEW_CHARS else "")


def _held_for_update(inbound_id: int) -> InboundMail:
    inbound = InboundMail.objects.select_for_update().filter(pk=inbound_id).first()
    if inbound is None:
        raise NotFound(NOT_FOUND)
    if inbound.status != Status.HELD:
        raise Conflict(NO_LONGER_HELD, values={"outcome": _reason(inbound) or inbound.status})
    return inbound


def held_mail_accept(*, actor: User, inbound_id: int) -> InboundMail:
    """Add a held mail to its ticket, or open a ticket with it (see the module's text)."""
    _check_staff(actor)
    with transaction.atomic():
        inbound = _held_for_update(inbound_id)
        parsed = _parsed(inbound)
        try:
            if inbound.ticket_id is not None:
                message = _append(actor, inbound, parsed)
                outcome = Said(
                    gettext_noop("added to %(number)s"),
                    {"number": Ticket.number_for(message.ticket_id)},
                )
            else:
                message = _open(actor, parsed)
                outcome = Said(
                    gettext_noop("opened %(number)s"),
                    {"number": Ticket.number_for(message.ticket_id)},
                )
        except (NotAllowed, NotFound) as exc:
            # The sender's refusal, not the agent's: say so beside the mail, not as a 403.
            raise InvalidInput(NOT_ADDED, values={"problem": exc.as_said()}) from exc
        inbound.status = Status.IMPORTED
        _set_reason(
            inbound,
            Said(
                gettext_noop("Held, then accepted by %(name)s: %(outcome)s. (%(before)s)"),
                {"name": actor.username, "outcome": outcome, "before": _reason(inbound)},
            ),
        )
        inbound.ticket_id = message.ticket_id
        inbound.message = message
        inbound.decided_by = actor
        inbound.decided_at = now()
        inbound.save(
            update_fields=[
                "status",
                "reason",
                "reason_facts",
                "ticket",
                "message",
                "decided_by",
                "decided_at",
            ]
        )
    return inbound


def held_mail_dismiss(*, actor: User, inbound_id: int) -> InboundMail:
    """Leave a held mail out for good; it stays recorded, as ignored, with who decided."""
    _check_staff(actor)
    with transaction.atomic():
        inbound = _held_for_update(inbound_id)
        inbound.status = Status.IGNORED
        _set_reason(
            inbound,
            Said(
                gettext_noop("Held, then dismissed by %(name)s. (%(before)s)"),
                {"name": actor.username, "before": _reason(inbound)},
            ),
        )
        inbound.decided_by = actor
        inbound.decided_at = now()
        inbound.save(update_fields=["status", "reason", "reason_facts", "decided_by", "decided_at"])
    return inbound


def _reason(inbound: InboundMail) -> Said | str:
    """The reason so far, as a part of the next: its facts when kept, else its English."""
    return Said.from_facts(inbound.reason_facts) if inbound.reason_facts else inbound.reason


def _set_reason(inbound: InboundMail, reason: Said) -> None:
    inbound.reason = reason.english()
    inbound.reason_facts = reason.facts()


def _parsed(inbound: InboundMail) -> ParsedMail:
    try:
        parsed = read(bytes(inbound.raw), envelope_to=inbound.envelope_to.splitlines())
    except Unusable as exc:
        raise InvalidInput(exc.said.text, values=exc.said.values) from exc
    if parsed.sender is None:
        raise InvalidInput(NO_SENDER)
    return parsed


def _sender_account(parsed: ParsedMail) -> User:
    assert parsed.sender is not None
    user = user_with_address(parsed.sender.address)
    if user is None:
        user = customer_create_from_mail(email=parsed.sender.address, name=parsed.sender.name)
    return user


def _append(actor: User, inbound: InboundMail, parsed: ParsedMail) -> Message:
    assert inbound.ticket is not None
    assert parsed.sender is not None
    ticket = inbound.ticket
    sender = _sender_account(parsed)
    content = content_of(parsed)
    if sender.is_staff_member or sender.pk == ticket.requester_id:
        return message_post(
            actor=sender, ticket_id=ticket.pk, body=content.body, files=content.files
        )
    name = f"{parsed.sender.name} <{parsed.sender.address}>" if parsed.sender.name else ""
    heading = f"Mail from {name or parsed.sender.address} (customer {sender.username}), "
    heading += "accepted from held mail:"
    return message_post(
        actor=actor,
        ticket_id=ticket.pk,
        body=f"{heading}\n\n{content.body}",
        internal=True,
        files=content.files,
    )


def _open(actor: User, parsed: ParsedMail) -> Message:
    assert parsed.sender is not None
    existing = user_with_address(parsed.sender.address)
    if existing is not None and existing.is_staff_member:
        raise InvalidInput(SENT_BY_AGENT)
    sender = _sender_account(parsed)
    content = content_of(parsed)
    opened = ticket_open(
        actor=sender,
        title=title_of(parsed.subject, content.body, parsed.sender.address),
        body=content.body,
        channel=Channel.EMAIL,
        files=content.files,
    )
    return opened.message


def mail_raw(*, actor: User, inbound_id: int) -> InboundMail:
    """A stored mail, raw bytes and all, for an admin to download."""
    if not actor.is_admin:
        raise NotAllowed(gettext_noop("Only admins can download stored mail."))
    inbound = InboundMail.objects.filter(pk=inbound_id).first()
    if inbound is None:
        raise NotFound(gettext_noop("There is no stored mail with that number."))
    return inbound
