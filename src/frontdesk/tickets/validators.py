"""The ticket and message rules of SupportMe, with its words."""

from __future__ import annotations

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
