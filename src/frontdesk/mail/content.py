"""What a mail becomes on a ticket: the message's text and the files that go with it, within
the same limits as a message written on the pages.

- Files pass the upload rules (tickets/files.py: count, size, sniffed type, clean names). What
  does not fit is left out, and the message says so on a line of its own.
- A text longer than a message can hold keeps its first part in the message; the full text is
  attached as ``mail-text.txt``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile

from frontdesk.mail.bodies import FilePart, body_and_files
from frontdesk.mail.parsing import ParsedMail
from frontdesk.tickets import files as upload_rules
from frontdesk.tickets.validators import MESSAGE_MAX, TITLE_MAX, message_length

FULL_TEXT_NAME = "mail-text.txt"
NOTES_RESERVE = 4_000  # characters kept free for the lines about files left out
NOTES_MAX = 20
NO_TEXT = "(This mail has no text.)"
ONLY_FILES = "(This mail has no text, only the attached files.)"
# SupportMe's commands run when a message is exactly one of them; a mail's text never does.
_COMMANDS = frozenset({"!close", "!open", "!claim"})


@dataclass
class Content:
    body: str
    files: list[UploadedFile] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    from_html: bool = False


def content_of(parsed: ParsedMail) -> Content:
    text, parts, from_html = body_and_files(parsed.message)
    too_long = message_length(text) > MESSAGE_MAX - NOTES_RESERVE
    slots = upload_rules.max_files() - (1 if too_long else 0)
    kept, left_out = _files_that_fit(parts, slots)
    files = [_upload(part.name, part.content, part.content_type) for part in kept]
    if too_long:
        files.append(_upload(FULL_TEXT_NAME, text.encode(), "text/plain"))
        text = _cut(text, MESSAGE_MAX - NOTES_RESERVE)
        text += (
            f"\n\n[The mail's text was too long for one message: all of it is in {FULL_TEXT_NAME}.]"
        )
    if not text.strip():
        text = ONLY_FILES if files else NO_TEXT
    if left_out:
        shown = left_out[:NOTES_MAX]
        more = len(left_out) - len(shown)
        text += "\n\n" + "\n".join(f"[Left out: {line}]" for line in shown)
        if more:
            text += f"\n[Left out: {more} more files]"
    if text.strip() in _COMMANDS:
        text += "\n"
    return Content(body=text, files=files, left_out=left_out, from_html=from_html)


def _files_that_fit(parts: list[FilePart], slots: int) -> tuple[list[FilePart], list[str]]:
    limit = upload_rules.max_bytes()
    kept: list[FilePart] = []
    left_out: list[str] = []
    for part in parts:
        name = upload_rules.clean_filename(part.name)
        size = len(part.content)
        if size == 0:
            left_out.append(f"{name} (empty)")
        elif size > limit:
            left_out.append(
                f"{name} ({upload_rules.human_size(size)}; a file can be at most "
                f"{upload_rules.human_size(limit)})"
            )
        elif len(kept) >= slots:
            left_out.append(
                f"{name} (a message can carry at most {upload_rules.max_files()} files)"
            )
        else:
            kept.append(part)
    return kept, left_out


def _upload(name: str, content: bytes, content_type: str) -> UploadedFile:
    # Django's upload object refuses names such as ".." outright: give it the clean one.
    return SimpleUploadedFile(upload_rules.clean_filename(name), content, content_type)


def _cut(text: str, limit: int) -> str:
    """The first ``limit`` characters, ended at a line break when one is near."""
    cut = text[:limit]
    newline = cut.rfind("\n")
    return cut[:newline] if newline > limit - 2_000 else cut


# --- the title of a ticket a mail opens --------------------------------------------------

_PREFIX = re.compile(
    r"^\s*(?:(?:re|fwd?|aw|sv|wg|vs|antw|tr|rif|odp)(?:\s*\[\d+\]|\s*\(\d+\))?\s*[:\uff1a]\s*)+",
    re.IGNORECASE,
)
_NOT_IN_A_TITLE = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\u202a-\u202e\u2066-\u2069]"
)
TITLE_FROM_BODY_MAX = 80


def title_of(subject: str, body: str, sender: str) -> str:
    """A ticket title from the subject without its reply and forward prefixes (``Re:``,
    ``Fwd:``, ``AW:``, ``SV:``…), on one printable line, at most the title's length. An empty
    subject: the text's first line; an empty text too: "Email from <address>"."""
    title = _one_line(_PREFIX.sub("", subject))
    if not title:
        first = next((line for line in body.split("\n") if line.strip()), "")
        title = _one_line(first)
        if len(title) > TITLE_FROM_BODY_MAX:
            title = title[: TITLE_FROM_BODY_MAX - 1].rstrip() + "…"
        if not title or title in {NO_TEXT, ONLY_FILES}:
            title = _one_line(f"Email from {sender}")
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1].rstrip() + "…"
    return title


def _one_line(text: str) -> str:
    return " ".join(_NOT_IN_A_TITLE.sub(" ", text).split())
