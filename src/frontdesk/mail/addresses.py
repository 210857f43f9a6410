"""Signed addresses and Message-IDs: how a reply is matched to its ticket without trusting it.

Every mail the desk sends carries two things a reply brings back: a reply address
(``support+<token>@domain``, in ``Reply-To``) and a ``Message-ID`` (quoted back in
``In-Reply-To`` / ``References``). Both hold the ticket and the recipient the mail went to, and
an HMAC of those under a key derived from ``SECRET_KEY``. A stranger can copy a ticket number
from a subject line, but cannot make a token that verifies, and a token stolen from one
recipient's mail names that recipient, so the intake can tell who it was meant for.

Tokens are lower-case (mail servers may fold an address's case) and carry 80 bits of MAC.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.utils.encoding import force_bytes

MAC_CHARS = 20  # hex characters: 80 bits
_TOKEN = re.compile(rf"^t(\d+)u(\d+)-([0-9a-f]{{{MAC_CHARS}}})$")
_MESSAGE_ID = re.compile(
    rf"^<?fd\.t(\d+)\.u(\d+)\.([0-9a-z]+)\.([0-9a-f]{{{MAC_CHARS}}})@([^>]+)>?$"
)


@dataclass(frozen=True)
class ReplyTarget:
    """Whom a signed address or Message-ID was made for. ``user_id`` 0 means the ticket's
    thread as a whole (its root, :func:`thread_root_id`), or an address that is no user's."""

    ticket_id: int
    user_id: int


def _mac(*parts: object) -> str:
    key = hashlib.sha256(force_bytes("frontdesk.mail.addresses:" + settings.SECRET_KEY)).digest()
    message = force_bytes(":".join(str(part) for part in parts))
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:MAC_CHARS]


def support_address() -> str:
    """The desk's own address: the first support address, else DEFAULT_FROM_EMAIL's."""
    addresses = settings.FRONTDESK_SUPPORT_ADDRESSES
    return (addresses[0] if addresses else parseaddr(settings.DEFAULT_FROM_EMAIL)[1]).lower()


def mail_domain() -> str:
    return support_address().rpartition("@")[2] or "localhost"


def reply_address(ticket_id: int, user_id: int) -> str:
    """``support+t12u34-<mac>@domain``: the address a recipient's reply comes back to."""
    local, _, domain = support_address().partition("@")
    base = local.split("+", 1)[0]
    return f"{base}+t{ticket_id}u{user_id}-{_mac('reply', ticket_id, user_id)}@{domain}"


def parse_reply_address(address: str) -> ReplyTarget | None:
    """The target of a signed reply address, or None if it is not one or does not verify."""
    local = parseaddr(address)[1].lower().partition("@")[0]
    _, plus, token = local.partition("+")
    match = _TOKEN.match(token) if plus else None
    if match is None:
        return None
    ticket_id, user_id, mac = int(match[1]), int(match[2]), match[3]
    if not hmac.compare_digest(mac, _mac("reply", ticket_id, user_id)):
        return None
    return ReplyTarget(ticket_id, user_id)


def make_message_id(ticket_id: int, user_id: int) -> str:
    """A new, unique, signed Message-ID (with angle brackets) for one mail about a ticket to a
    user (``ticket_id`` 0: a mail about no ticket)."""
    return _signed_message_id(ticket_id, user_id, secrets.token_hex(8))


def thread_root_id(ticket_id: int) -> str:
    """The ticket's thread root: the same every time, first in every mail's References, so mail
    clients keep all of a ticket's mails in one conversation."""
    return _signed_message_id(ticket_id, 0, "root")


def _signed_message_id(ticket_id: int, user_id: int, nonce: str) -> str:
    mac = _mac("message-id", ticket_id, user_id, nonce)
    return f"<fd.t{ticket_id}.u{user_id}.{nonce}.{mac}@{mail_domain()}>"


def parse_message_id(message_id: str) -> ReplyTarget | None:
    """The target of a Message-ID this desk made and signed, or None."""
    match = _MESSAGE_ID.match(message_id.strip().lower())
    if match is None:
        return None
    ticket_id, user_id, nonce, mac = int(match[1]), int(match[2]), match[3], match[4]
    if not hmac.compare_digest(mac, _mac("message-id", ticket_id, user_id, nonce)):
        return None
    return ReplyTarget(ticket_id, user_id)
