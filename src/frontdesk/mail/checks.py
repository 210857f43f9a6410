"""Start-up checks of the mail settings: a mistyped IMAP URL stops `frontdesk worker` (and
every other command that runs Django's checks) with the reason, instead of failing each poll."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error

from frontdesk.core.env import ConfigError


def check_imap_urls(**kwargs: Any) -> list[CheckMessage]:
    from frontdesk.mail.imap import imap_folders

    try:
        imap_folders()
    except ConfigError as exc:
        return [Error(str(exc), id="mail.E001")]
    return []
