"""The seed's limits on a ticket's title and a message, with its words: the SupportMe API's
wire contract, checked at that face before it calls the services (docs/supportme-compat.md).
The domain's own rules (tickets/validators.py) are wider; everything these accept, they
accept too."""

from __future__ import annotations

from frontdesk.core.errors import InvalidInput
from frontdesk.core.text import is_storable_text

TITLE_MIN = 8
TITLE_MAX = 64
MESSAGE_MIN = 8
MESSAGE_MAX = 512
BLANK_FIELDS = "Please don't leave any blank fields."


def check_title(title: str) -> None:
    if not title.strip():
        raise InvalidInput(BLANK_FIELDS, field="title")
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
        raise InvalidInput(BLANK_FIELDS, field="message")
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
