"""The domain's rules for what a ticket holds: its title, messages, resolution, details.

They welcome real text (any script, punctuation, emoji, long messages). The SupportMe API's
narrower limits are that face's contract, in supportme/rules.py."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import models
from django.utils.translation import gettext_noop

from frontdesk.core.clock import in_utc
from frontdesk.core.errors import InvalidInput
from frontdesk.core.text import (
    is_one_printable_line,
    is_storable_text,
    with_unix_line_breaks,
)

TITLE_MAX = 200
MESSAGE_MAX = 65_536  # characters, a line break counting one: 64 Ki of them

TITLE_HINT = f"Up to {TITLE_MAX} characters: any letters, digits, punctuation or symbols."
MESSAGE_HINT = f"Up to {MESSAGE_MAX:,} characters. Line breaks are kept; links become clickable."


def clean_title(value: str) -> str:
    """A ticket's title without the spaces around it: 1 to TITLE_MAX characters of any
    printable text, on one line, without bidirectional overrides."""
    title = value.strip()
    if not title:
        raise InvalidInput(gettext_noop("Give the ticket a title."), field="title")
    if len(title) > TITLE_MAX:
        raise InvalidInput(
            gettext_noop("A title can be at most %(limit)s characters; this one has %(count)s."),
            values={"limit": TITLE_MAX, "count": f"{len(title):,}"},
            field="title",
        )
    if not is_one_printable_line(title):
        raise InvalidInput(
            gettext_noop(
                "A title can't contain line breaks, control characters or "
                "text-direction overrides (U+202A to U+202E, U+2066 to U+2069)."
            ),
            field="title",
        )
    return title


def message_length(body: str) -> int:
    """The length the limit counts: characters, each line break one (as a page counts them)."""
    return len(with_unix_line_breaks(body))


def check_message(body: str) -> None:
    """A message's text is kept as written: not blank, at most MESSAGE_MAX characters, only
    characters that can be stored (tab and line breaks, no other control characters)."""
    if not body.strip():
        raise InvalidInput(gettext_noop("Write a message: it can't be empty."), field="message")
    length = message_length(body)
    if length > MESSAGE_MAX:
        raise InvalidInput(
            gettext_noop("A message can be at most %(limit)s characters; this one has %(count)s."),
            values={"limit": f"{MESSAGE_MAX:,}", "count": f"{length:,}"},
            field="message",
        )
    if not is_storable_text(body):
        raise InvalidInput(
            gettext_noop("The message contains control characters that cannot be stored."),
            field="message",
        )


RESOLUTION_MAX = 10_000
RESOLUTION_HINT = (
    f"How the problem was solved, up to {RESOLUTION_MAX:,} characters. Leave it empty for none."
)


def clean_resolution(value: object) -> str:
    """The resolution's text: line breaks as ``\n``, no space around it; empty for none."""
    if not isinstance(value, str):
        raise InvalidInput(
            gettext_noop("The resolution must be text (empty for none)."), field="resolution"
        )
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > RESOLUTION_MAX:
        raise InvalidInput(
            gettext_noop("The resolution can be at most %(limit)s characters."),
            values={"limit": f"{RESOLUTION_MAX:,}"},
            field="resolution",
        )
    if not is_storable_text(text):
        raise InvalidInput(
            gettext_noop("The resolution contains characters that cannot be stored."),
            field="resolution",
        )
    return text


def clean_flag(value: object, *, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(gettext_noop("Give true or false."), field=field)
    return value


TAG_MAX_LENGTH = 50
TAGS_PER_TICKET = 20
HOURS_MAX = Decimal("99999.99")
_TAG_CHARACTERS = re.compile(r"^[a-z0-9][a-z0-9 _-]*$")


def clean_choice(value: object, choices: type[models.TextChoices], *, field: str) -> str:
    if not isinstance(value, str) or value not in choices.values:
        allowed = ", ".join(choices.values)
        raise InvalidInput(
            gettext_noop("Unknown %(name)s %(value)s: use one of %(allowed)s."),
            values={"name": field, "value": repr(value), "allowed": allowed},
            field=field,
        )
    return value


def clean_tags(value: object) -> list[str]:
    """Tag names as a sorted, de-duplicated list: lower case, letters, digits, space, - and _."""
    if not isinstance(value, list | tuple) or not all(isinstance(tag, str) for tag in value):
        raise InvalidInput(gettext_noop("Tags must be a list of words."), field="tags")
    tags = sorted({" ".join(tag.lower().split()) for tag in value} - {""})
    for tag in tags:
        if len(tag) > TAG_MAX_LENGTH or not _TAG_CHARACTERS.match(tag):
            raise InvalidInput(
                gettext_noop(
                    "Tag %(tag)s is not valid: letters, digits, spaces, - and _, at most "
                    "%(limit)s characters."
                ),
                values={"tag": repr(tag), "limit": TAG_MAX_LENGTH},
                field="tags",
            )
    if len(tags) > TAGS_PER_TICKET:
        raise InvalidInput(
            gettext_noop("A ticket can have at most %(limit)s tags."),
            values={"limit": TAGS_PER_TICKET},
            field="tags",
        )
    return tags


DUE_AT_FIRST = datetime.min.replace(tzinfo=UTC) + timedelta(days=1)
DUE_AT_LAST = datetime.max.replace(tzinfo=UTC) - timedelta(days=1)
DUE_AT_OUTSIDE = gettext_noop(
    "The due date is outside the calendar: use a date between 2 January 0001 and 30 December 9999."
)


def clean_due_at(value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidInput(
            gettext_noop("The due date must be a date and time with a time zone."), field="due_at"
        )
    try:
        moment = in_utc(value)
    except OverflowError as exc:
        raise InvalidInput(DUE_AT_OUTSIDE, field="due_at") from exc
    # Pages show it in each reader's time zone (up to 14 hours either side of UTC): a moment
    # on the calendar's first or last day would leave it there.
    if not DUE_AT_FIRST <= moment <= DUE_AT_LAST:
        raise InvalidInput(DUE_AT_OUTSIDE, field="due_at")
    return moment


def clean_hours(value: object, *, field: str) -> Decimal | None:
    if value is None:
        return None
    try:
        hours = Decimal(str(value)) if isinstance(value, int | float | str | Decimal) else None
    except InvalidOperation:
        hours = None
    if hours is None or not hours.is_finite() or not Decimal(0) <= hours <= HOURS_MAX:
        raise InvalidInput(
            gettext_noop("Hours must be a number from 0 to %(limit)s."),
            values={"limit": HOURS_MAX},
            field=field,
        )
    return hours.quantize(Decimal("0.01"))
