"""Use cases for followers and CC. Each runs in one transaction, gates the ticket under its
row lock, checks the actor, and records the change as a history row (TicketEvent, announced
live by live/announce.py): ``followers`` (staff-only) and ``cc`` (the requester sees it).

Followers are staff who want to hear of a ticket that is not theirs: they are told of its
replies, internal notes and status changes (notifications/rules.py). CC people are anyone the
requester or an agent copies on a ticket by address: they read and answer its public
conversation on the web and by mail, as the requester does, and never see an internal note
(tickets/access.py). An address nobody has yet becomes a customer account, as mail intake
makes one for a stranger who writes in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_noop

from frontdesk.accounts import validators as account_validators
from frontdesk.accounts.models import User
from frontdesk.accounts.services import customer_create_from_mail
from frontdesk.core.errors import InvalidInput, NotAllowed, NotFound
from frontdesk.core.ids import is_id
from frontdesk.following.models import CcPerson, Follower
from frontdesk.following.selectors import CC_MAX
from frontdesk.mail.routing import user_with_address
from frontdesk.tickets import access
from frontdesk.tickets.models import Ticket, TicketEvent
from frontdesk.tickets.services import Opened, record_change, ticket_open, touch

FOLLOW_STAFF_ONLY = gettext_noop("Only agents and admins can follow tickets.")
FOLLOWER_NOT_STAFF = gettext_noop("Only an active agent or admin can follow a ticket.")
NOT_FOLLOWING = gettext_noop("That person does not follow this ticket.")
CC_WHO_MAY = gettext_noop("Only the requester or an agent can change who is copied on this ticket.")
CC_NOT_COPIED = gettext_noop("That person is not copied on this ticket.")
CC_EMPTY = gettext_noop("Enter at least one email address.")
CC_TOO_MANY = gettext_noop("A ticket can have at most %(limit)s people in CC.")


# --- followers -------------------------------------------------------------------------------


def ticket_follow(*, actor: User, ticket_id: int, user_id: int | None = None) -> bool:
    """``actor`` follows the ticket, or (``user_id``) makes another agent or admin follow it.
    Staff only. Returns whether anything changed: following twice is no error."""
    if not actor.is_staff_member:
        raise NotAllowed(FOLLOW_STAFF_ONLY)
    with transaction.atomic():
        ticket = access.ticket_get(user=actor, ticket_id=ticket_id, for_update=True)
        person = actor if user_id is None or user_id == actor.pk else _staff(user_id)
        return _follow(ticket, actor, person)


def _follow(ticket: Ticket, actor: User, person: User) -> bool:
    _, created = Follower.objects.get_or_create(ticket=ticket, user=person)
    if created:
        event = record_change(ticket, actor, TicketEvent.Field.FOLLOWERS, "", person.username)
        touch(ticket, [], actor, [event])
    return created


def ticket_follow_automatically(*, ticket: Ticket, person: User) -> None:
    """An agent who answers or is given a ticket follows it (docs/workflow.md, "Followers and
    CC"): called inside the use case that did so, which holds the ticket's lock. Quiet: no
    history row of its own, since the reply or the assignment is the change."""
    if person.is_staff_member and person.is_active:
        Follower.objects.get_or_create(ticket=ticket, user=person)


def ticket_unfollow(*, actor: User, ticket_id: int, user_id: int | None = None) -> bool:
    """``actor`` stops following the ticket, or (``user_id``) removes another follower. Staff
    only. Returns whether anything changed."""
    if not actor.is_staff_member:
        raise NotAllowed(FOLLOW_STAFF_ONLY)
    with transaction.atomic():
        ticket = access.ticket_get(user=actor, ticket_id=ticket_id, for_update=True)
        target = user_id if user_id is not None else actor.pk
        if not is_id(target):  # no such person: and too big a number for the database
            raise NotFound(NOT_FOLLOWING)
        row = Follower.objects.filter(ticket=ticket, user_id=target).select_related("user")
        found = row.first()
        if found is None:
            if user_id is not None and user_id != actor.pk:
                raise NotFound(NOT_FOLLOWING)
            return False
        found.delete()
        event = record_change(ticket, actor, TicketEvent.Field.FOLLOWERS, found.user.username, "")
        touch(ticket, [], actor, [event])
        return True


def _staff(user_id: object) -> User:
    person = User.objects.filter(pk=user_id).first() if isinstance(user_id, int) else None
    if person is None or not person.is_staff_member or not person.is_active:
        raise InvalidInput(FOLLOWER_NOT_STAFF, field="user_id")
    return person


# --- CC --------------------------------------------------------------------------------------


def _check_may_change_cc(actor: User, ticket: Ticket) -> None:
    if not (actor.is_staff_member or actor.pk == ticket.requester_id):
        raise NotAllowed(CC_WHO_MAY)


def ticket_cc_add(*, actor: User, ticket_id: int, emails: Sequence[str]) -> list[User]:
    """Copy the people with these addresses on the ticket: the requester or staff. All or
    nothing: one address that cannot be copied refuses them all, naming it. An address nobody
    has becomes a customer account; one already copied is skipped. Returns those added."""
    with transaction.atomic():
        ticket = access.ticket_get(user=actor, ticket_id=ticket_id, for_update=True)
        _check_may_change_cc(actor, ticket)
        return cc_add_to(ticket, actor, emails)


def cc_add_to(ticket: Ticket, actor: User | None, emails: Sequence[str]) -> list[User]:
    """:func:`ticket_cc_add` for a ticket the caller has gated and locked, and whose actor
    it has checked (opening a ticket with CC; mail intake, whose actor is the sender)."""
    addresses = clean_cc_addresses(emails)
    present = set(CcPerson.objects.filter(ticket=ticket).values_list("person_id", flat=True))
    people = []
    for address in addresses:
        person = _person_for(address, ticket)
        if person.pk not in present and person not in people:
            people.append(person)
    if len(present) + len(people) > CC_MAX:
        raise InvalidInput(CC_TOO_MANY, values={"limit": CC_MAX}, field="cc")
    events = []
    for person in people:
        CcPerson.objects.create(ticket=ticket, person=person, added_by=actor)
        events.append(record_change(ticket, actor, TicketEvent.Field.CC, "", person.email))
    if events and actor is not None:
        touch(ticket, [], actor, events)
    return people


def clean_cc_addresses(emails: Sequence[str]) -> list[str]:
    """The addresses, trimmed, lower-cased and without repeats; InvalidInput on field ``cc``
    naming the first that is not an address."""
    if isinstance(emails, str):
        emails = [emails]
    cleaned: list[str] = []
    for raw in emails:
        if not isinstance(raw, str):
            raise InvalidInput(gettext_noop("Each CC must be an email address."), field="cc")
        address = raw.strip().lower()
        if not address:
            continue
        try:
            account_validators.check_email(address)
        except InvalidInput:
            raise InvalidInput(
                gettext_noop("“%(text)s” is not an email address."),
                values={"text": raw.strip()[:80]},
                field="cc",
            ) from None
        if address not in cleaned:
            cleaned.append(address)
    if not cleaned:
        raise InvalidInput(CC_EMPTY, field="cc")
    if len(cleaned) > CC_MAX:
        raise InvalidInput(CC_TOO_MANY, values={"limit": CC_MAX}, field="cc")
    return cleaned


def _person_for(address: str, ticket: Ticket) -> User:
    person = user_with_address(address)
    if person is None:
        return customer_create_from_mail(email=address)
    if person.pk == ticket.requester_id:
        raise InvalidInput(
            gettext_noop("%(address)s is the requester of this ticket already."),
            values={"address": address},
            field="cc",
        )
    if person.is_staff_member:
        raise InvalidInput(
            gettext_noop(
                "%(address)s belongs to an agent, who sees the ticket already: agents follow "
                "tickets instead."
            ),
            values={"address": address},
            field="cc",
        )
    if not person.is_active or person.is_system:
        raise InvalidInput(
            gettext_noop("%(address)s belongs to an account that is not active."),
            values={"address": address},
            field="cc",
        )
    return person


def ticket_cc_remove(*, actor: User, ticket_id: int, person_id: int) -> None:
    """Stop copying a person on the ticket: the requester or staff, or the person themselves.
    They lose the ticket at once (tickets/access.py)."""
    with transaction.atomic():
        ticket = access.ticket_get(user=actor, ticket_id=ticket_id, for_update=True)
        if actor.pk != person_id:
            _check_may_change_cc(actor, ticket)
        if not is_id(person_id):  # no such person: and too big a number for the database
            raise NotFound(CC_NOT_COPIED)
        row = (
            CcPerson.objects.filter(ticket=ticket, person_id=person_id)
            .select_related("person")
            .first()
        )
        if row is None:
            raise NotFound(CC_NOT_COPIED)
        row.delete()
        event = record_change(ticket, actor, TicketEvent.Field.CC, row.person.email, "")
        touch(ticket, [], actor, [event])


def ticket_open_with_cc(
    *,
    actor: User,
    cc: Sequence[str],
    opener: Callable[..., Opened] = ticket_open,
    **opening: Any,
) -> Opened:
    """Open a ticket (:func:`frontdesk.tickets.services.ticket_open`, or ``opener``, a use case
    that opens one with more, such as its custom fields) and the people it copies, in one
    transaction: a CC that cannot be added opens no ticket. The addresses are checked before
    anything is written."""
    if not cc:
        return opener(actor=actor, **opening)
    clean_cc_addresses(cc)  # refused before the ticket exists
    with transaction.atomic():
        opened = opener(actor=actor, **opening)
        ticket = access.ticket_get(user=actor, ticket_id=opened.ticket.pk, for_update=True)
        _check_may_change_cc(actor, ticket)
        cc_add_to(ticket, actor, cc)
    return opened


def cc_from_mail(*, ticket: Ticket, sender: User, others: Sequence[str]) -> list[User]:
    """The other people a mail to the desk was addressed to (To, Cc), copied on its ticket
    (FRONTDESK_MAIL_CC_FROM_HEADERS): inside mail intake's transaction, for a ticket it has
    just opened or answered. Only the requester's or an agent's mail copies anyone. Unlike
    the pages it is lenient, since nobody is there to correct a mail: an address that cannot
    be copied (an agent's, the requester's, one not valid) is left out, and past the limit
    the rest are."""
    if not (sender.is_staff_member or sender.pk == ticket.requester_id):
        return []
    added: list[User] = []
    for address in others:
        try:
            with transaction.atomic():
                added += cc_add_to(ticket, sender, [address])
        except InvalidInput:
            continue
    return added
