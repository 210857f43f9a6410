"""The ticket and message rules of SupportMe, with its words."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import models

from frontdesk.core.clock import in_utc
from frontdesk.core.errors import InvalidInput
from frontdesk.core.text import is_storable_text

TITLE_MIN = 8
TITLE_MAX = 64
MESSAGE_MIN = 8
MESSAGE_MAX = 512

TITLE_HINT = f"Letters, digits and spaces, {TITLE_MIN} to {TITLE_MAX} characters."
MESSAGE_HINT = f"{MESSAGE_MIN} to {MESSAGE_MAX} characters."


def check_title(title: str) -> None:
    if not title.strip():
        raise InvalidInput("Please don't leave any blank fields.", field="title")
    if not all(ch.isalnum() or ch == " " for ch in title):
        raise InvalidInput(
            "Ticket title can only contain spaces and alphanumeric characters.", field="title"
        )
    if len(title) < TITLE_MIN:
        raise InvalidInput(
            f"Ticket title must be at least {TITLE_MIN} characters - be descriptive.",
            field="title",
        )
    if len(title) > TITLE_MAX:
        raise InvalidInput(
            f"Ticket title cannot be more than {TITLE_MAX} characters - keep it concise.",
            field="title",
        )


def check_message(body: str) -> None:
    if not body.strip():
        raise InvalidInput("Please don't leave any blank fields.", field="message")
    if len(body) < MESSAGE_MIN:
        raise InvalidInput(
            f"Message length must be at least {MESSAGE_MIN} characters - be descriptive.",
            field="message",
        )
    if len(body) > MESSAGE_MAX:
        raise InvalidInput(
            f"Message length cannot be more than {MESSAGE_MAX} characters.", field="message"
        )
    if not is_storable_text(body):
        raise InvalidInput("Message contains characters that cannot be stored.", field="message")


RESOLUTION_MAX = 10_000
RESOLUTION_HINT = (
    f"How the problem was solved, up to {RESOLUTION_MAX:,} characters. Leave it empty for none."
)


def clean_resolution(value: object) -> str:
    """The resolution's text: line breaks as ``\n``, no space around it; empty for none."""
    if not isinstance(value, str):
        raise InvalidInput("The resolution must be text (empty for none).", field="resolution")
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > RESOLUTION_MAX:
        raise InvalidInput(
            f"The resolution can be at most {RESOLUTION_MAX:,} characters.", field="resolution"
        )
    if not is_storable_text(text):
        raise InvalidInput(
            "The resolution contains characters that cannot be stored.", field="resolution"
        )
    return text


def clean_flag(value: object, *, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput("Give true or false.", field=field)
    return value


TAG_MAX_LENGTH = 50
TAGS_PER_TICKET = 20
HOURS_MAX = Decimal("99999.99")
_TAG_CHARACTERS = re.compile(r"^[a-z0-9][a-z0-9 _-]*$")


def clean_choice(value: object, choices: type[models.TextChoices], *, field: str) -> str:
    if not isinstance(value, str) or value not in choices.values:
        allowed = ", ".join(choices.values)
        raise InvalidInput(f"Unknown {field} {value!r}: use one of {allowed}.", field=field)
    return value


def clean_tags(value: object) -> list[str]:
    """Tag names as a sorted, de-duplicated list: lower case, letters, digits, space, - and _."""
    if not isinstance(value, list | tuple) or not all(isinstance(tag, str) for tag in value):
        raise InvalidInput("Tags must be a list of words.", field="tags")
    tags = sorted({" ".join(tag.lower().split()) for tag in value} - {""})
    for tag in tags:
        if len(tag) > TAG_MAX_LENGTH or not _TAG_CHARACTERS.match(tag):
            raise InvalidInput(
                f"Tag {tag!r} is not valid: letters, digits, spaces, - and _, at most "
                f"{TAG_MAX_LENGTH} characters.",
                field="tags",
            )
    if len(tags) > TAGS_PER_TICKET:
        raise InvalidInput(f"A ticket can have at most {TAGS_PER_TICKET} tags.", field="tags")
    return tags


def clean_due_at(value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidInput("The due date must be a date and time with a time zone.", field="due_at")
    try:
        return in_utc(value)
    except OverflowError as exc:
        raise InvalidInput("The due date is outside the calendar.", field="due_at") from exc


def clean_hours(value: object, *, field: str) -> Decimal | None:
    if value is None:
        return None
    try:
        hours = Decimal(str(value)) if isinstance(value, int | float | str | Decimal) else None
    except InvalidOperation:
        hours = None
    if hours is None or not hours.is_finite() or not Decimal(0) <= hours <= HOURS_MAX:
        raise InvalidInput(f"Hours must be a number from 0 to {HOURS_MAX}.", field=field)
    return hours.quantize(Decimal("0.01"))
