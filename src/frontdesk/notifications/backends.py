"""The embedded profile's mail backend: each mail becomes an .eml file in the data directory.

Django's file backend appends every message of a connection to one log file; a folder of .eml
files is what a person can open in a mail client, and what tests and the docs point at.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

from frontdesk.core.clock import now


class EmlFileBackend(BaseEmailBackend):
    def __init__(self, file_path: str | Path | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.folder = Path(file_path or settings.EMAIL_FILE_PATH)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        self.folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            name = f"{now():%Y%m%d-%H%M%S}-{secrets.token_hex(6)}.eml"
            # Written under a temporary name and renamed: a reader never sees half a mail.
            partial = self.folder / f".{name}.partial"
            partial.write_bytes(message.message().as_bytes(linesep="\r\n"))
            os.replace(partial, self.folder / name)
        return len(email_messages)


def mail_out_summary() -> str:
    """One line for start-up: where mail goes (never the password)."""
    if not settings.EMAIL_HOST:
        return (
            f"Mail is not sent: each mail is written as an .eml file to {settings.EMAIL_FILE_PATH} "
            "(set EMAIL_HOST to send through an SMTP server)."
        )
    security = (
        "TLS" if settings.EMAIL_USE_SSL else "STARTTLS" if settings.EMAIL_USE_TLS else "no TLS"
    )
    login = f", signing in as {settings.EMAIL_HOST_USER}" if settings.EMAIL_HOST_USER else ""
    return (
        f"Mail is sent through SMTP at {settings.EMAIL_HOST}:{settings.EMAIL_PORT} "
        f"({security}{login}), from {settings.DEFAULT_FROM_EMAIL}."
    )
