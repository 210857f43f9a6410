"""The seed's limits on a ticket's title and a message, with its words: the SupportMe API's
wire contract, checked at that face before it calls the services (docs/supportme-compat.md).
The domain's own rules (tickets/validators.py) are wider; everything these accept, they
accept too."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from frontdesk.core.errors import InvalidInput
from frontdesk.core.text import is_storable_text

TITLE_MIN = 8
TITLE_MAX = 64
MESSAGE_MIN = 8
MESSAGE_MAX = 512
BLANK_FIELDS = gettext_noop("Please don't leave any blank fields.")


def check_title(title: str) -> None:
    if not title.strip():
        raise InvalidInput(BLANK_FIELDS, field="title")
    if not all(ch.isalnum() or ch == " " for ch in title):
        raise InvalidInput(
            gettext_noop("Ticket title can only contain spaces and alphanumeric characters."),
            field="title",
        )
    if len(title) < TITLE_MIN:
        raise InvalidInput(
            gettext_noop("Ticket title must be at least %(limit)s characters - be descriptive."),
            values={"limit": TITLE_MIN},
            field="title",
        )
    if len(title) > TITLE_MAX:
        raise InvalidInput(
            gettext_noop(
                "Ticket title cannot be more than %(limit)s characters - keep it concise."
            ),
            values={"limit": TITLE_MAX},
            field="title",
        )


def check_message(body: str) -> None:
    if not body.strip():
        raise InvalidInput(BLANK_FIELDS, field="message")
    if len(body) < MESSAGE_MIN:
        raise InvalidInput(
            gettext_noop("Message length must be at least %(limit)s characters - be descriptive."),
            values={"limit": MESSAGE_MIN},
            field="message",
        )
    if len(body) > MESSAGE_MAX:
        raise InvalidInput(
            gettext_noop("Message length cannot be more than %(limit)s characters."),
            values={"limit": MESSAGE_MAX},
            field="message",
        )
    if not is_storable_text(body):
        raise InvalidInput(
            gettext_noop("Message contains characters that cannot be stored."), field="message"
        )
