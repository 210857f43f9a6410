"""Which ticket a mail answers, and whether its sender may add to it.

Only what the desk signed is trusted, in this order:

1. a signed reply address among the recipients (``support+t12u34-<mac>@…``);
2. a signed Message-ID the desk sent, in ``In-Reply-To`` or ``References``.

A ticket number in the subject is never trusted: anyone can type one. Even a signed match only
names the ticket; the sender (their From address) must be one of its participants: the
requester, a person copied on it (CC) now, or a staff member. Anyone else's mail is held for
an agent.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from frontdesk.accounts.models import User
from frontdesk.mail.addresses import ReplyTarget, parse_message_id, parse_reply_address
from frontdesk.mail.parsing import ParsedMail
from frontdesk.tickets.access import is_copied
from frontdesk.tickets.models import Ticket


@dataclass(frozen=True)
class Thread:
    target: ReplyTarget
    how: str  # "reply address" or "Message-ID"


def thread_of(parsed: ParsedMail) -> Thread | None:
    """The ticket a mail answers, by what the desk signed; None for a new conversation. A
    signed mark of a mail about no ticket (ticket 0, such as the notice that a mail was too
    large) starts a new one too."""
    for recipient in parsed.recipients:
        target = parse_reply_address(recipient)
        if target is not None and target.ticket_id:
            return Thread(target, "reply address")
    for message_id in parsed.answers_to:
        target = parse_message_id(message_id)
        if target is not None and target.ticket_id:
            return Thread(target, "Message-ID")
    return None


def user_with_address(address: str) -> User | None:
    return User.objects.filter(email__lower=address.lower()).first() if address else None


def participant(ticket: Ticket, user: User | None, target: ReplyTarget) -> bool:
    """May ``user`` (the account with the sender's address) add to ``ticket`` by mail?"""
    if user is None or not user.is_active or user.is_system:
        return False
    if user.pk == ticket.requester_id or user.is_staff_member:
        return True
    # The person a reply address was made for counts only while they may still see the
    # ticket: a CC person removed since answers an old mail in vain (held).
    return is_copied(user, ticket.pk)


# --- look-alike addresses -----------------------------------------------------------------

# Letters from other scripts that render like Latin ones (a small table of the usual suspects:
# Cyrillic and Greek), so "support@" spelled with a Cyrillic o is seen for what it imitates.
_CONFUSABLES = str.maketrans(
    "\u0430\u0435\u043e\u0440\u0441\u0443\u0445\u0456\u0458\u0455\u0501\u051b\u051d\u0410\u0412\u0415\u041a\u041c\u041d\u041e\u0420\u0421\u0422\u0425\u0406\u0408\u0405\u03bf\u03b1\u03bd",
    "aeopcyxijsdqwABEKMHOPCTXIJSoav",
)


def skeleton(address: str) -> str:
    text = unicodedata.normalize("NFKC", address).translate(_CONFUSABLES)
    return text.lower()


def foreign_letters(address: str) -> str:
    """The letters of ``address`` outside ASCII, named: what a reader cannot see."""
    names = [f"U+{ord(ch):04X} {unicodedata.name(ch, '?')}" for ch in address if not ch.isascii()]
    return ", ".join(dict.fromkeys(names))


def imitated(address: str, genuine: list[str]) -> str | None:
    """The genuine address ``address`` imitates with look-alike letters, or None."""
    if address.isascii():
        return None
    shape = skeleton(address)
    for real in genuine:
        if real and real != address and skeleton(real) == shape:
            return real
    return None
