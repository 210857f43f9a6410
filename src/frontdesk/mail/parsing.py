"""Reading a raw mail into what the pipeline needs, whatever state it arrives in.

Real mail is often broken: a header with a bad encoded word, an address list a parser chokes
on, a part declared UTF-8 that holds Latin-1, a charset nobody knows. Every reading here falls
back rather than fails; only a mail without a single usable header is unusable.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

from django.utils.translation import gettext_noop

from frontdesk.core.errors import Said

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_SPACES = re.compile(r"\s+")


class Unusable(Exception):
    """The mail cannot be read at all; it is quarantined with this reason (``said``: the
    same, marked for the catalogue)."""

    def __init__(self, said: Said) -> None:
        super().__init__(said.english())
        self.said = said


@dataclass(frozen=True)
class Address:
    address: str  # lower case
    name: str


@dataclass
class ParsedMail:
    message: EmailMessage
    sender: Address | None
    recipients: list[str]  # To, Cc, Delivered-To, X-Original-To and the envelope, lower case
    subject: str
    message_id: str
    answers_to: list[str] = field(default_factory=list)  # In-Reply-To, then References (last first)
    return_path: str = ""


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    if not isinstance(message, EmailMessage) or not list(message.keys()):
        raise Unusable(Said(gettext_noop("No mail headers could be read.")))
    return message


def parse_headers(raw: bytes) -> EmailMessage:
    """Only the headers (a mail too large to read whole still has a sender to answer)."""
    message = BytesParser(policy=email.policy.default).parsebytes(raw, headersonly=True)
    assert isinstance(message, EmailMessage)
    return message


def header(message: Message, name: str) -> str:
    """A header's decoded text on one line, or empty; a header the policy cannot decode is
    read as the raw text it arrived as."""
    try:
        value = message.get(name)
    except Exception:  # any malformed header reads as its raw text
        value = _raw_header(message, name)
    if value is None:
        return ""
    return _SPACES.sub(" ", _text(str(value))).strip()


def headers(message: Message, name: str) -> list[str]:
    try:
        values = message.get_all(name) or []
    except Exception:  # as above
        values = [_raw_header(message, name) or ""]
    return [_SPACES.sub(" ", _text(str(value))).strip() for value in values]


def _raw_header(message: Message, name: str) -> str | None:
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            return _text(str(value))
    return None


def raw_headers(message: Message, name: str) -> list[str]:
    """A header's every copy as it arrived (unfolded, not decoded): for headers made of ASCII
    tokens (Message-IDs, Auto-Submitted, addresses whose names do not matter), read without
    the cost of the policy's parsing."""
    wanted = name.lower()
    return [
        _SPACES.sub(" ", _text(str(value))).strip()
        for key, value in message.raw_items()
        if key.lower() == wanted
    ]


def _text(value: str) -> str:
    """8-bit bytes in a raw header (kept by the parser as lone surrogates) read as UTF-8,
    anything else as the replacement character: text that can be stored and compared."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def raw_header(message: Message, name: str) -> str:
    found = raw_headers(message, name)
    return found[0] if found else ""


def addresses(message: Message, name: str, *, decoded: bool = True) -> list[Address]:
    """The addresses of a header (every copy of it), lower case, without the empty ones;
    ``decoded=False`` when only the addresses matter, not the names beside them."""
    found: list[Address] = []
    for value in headers(message, name) if decoded else raw_headers(message, name):
        try:
            pairs = getaddresses([value])
        except Exception:  # an address list the parser chokes on, read loosely
            pairs = [parseaddr(value)]
        for display, address in pairs:
            address = address.strip().strip("<>").lower()
            if "@" in address:
                found.append(Address(address=address, name=display.strip()[:200]))
    return found


def message_ids(value: str) -> list[str]:
    return _MESSAGE_ID.findall(value)


def read(raw: bytes, *, envelope_to: list[str]) -> ParsedMail:
    message = parse(raw)
    senders = addresses(message, "From") or addresses(message, "Sender")
    recipients = [
        item.address
        for name in ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")
        for item in addresses(message, name, decoded=False)
    ]
    recipients += [parseaddr(item)[1].lower() for item in envelope_to if item]
    references = message_ids(raw_header(message, "References"))
    return ParsedMail(
        message=message,
        sender=senders[0] if senders else None,
        recipients=list(dict.fromkeys(recipients)),
        subject=header(message, "Subject"),
        message_id=_message_id(raw_header(message, "Message-ID")),
        answers_to=list(
            dict.fromkeys([*message_ids(raw_header(message, "In-Reply-To")), *reversed(references)])
        ),
        return_path=raw_header(message, "Return-Path"),
    )


def _message_id(value: str) -> str:
    """The mail's own Message-ID; one written without its angle brackets (some scripts do)
    counts as written, so that it still deduplicates."""
    found = message_ids(value)
    return (found[0] if found else value.split(" ")[0] if value else "")[:998]
