"""``frontdesk mail-poll [--once]``: poll the IMAP folders of FRONTDESK_IMAP_URL now.

The worker already polls them every minute (docs/email.md, "Intakes"); this is for operators:
``--once`` polls each folder once, says what it imported and fails if a folder could not be
polled; without it, it polls every FRONTDESK_IMAP_POLL_SECONDS (any interval, also under a
minute) until stopped. A folder that another poller is working on is skipped.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from frontdesk.core.env import ConfigError
from frontdesk.mail import imap


class Command(BaseCommand):
    help = "Poll the IMAP folders of FRONTDESK_IMAP_URL (once, or until stopped)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="poll each folder once, then stop")
        parser.add_argument(
            "--interval",
            type=int,
            default=None,
            help="seconds between polls (default FRONTDESK_IMAP_POLL_SECONDS)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            folders = imap.imap_folders()
        except ConfigError as exc:
            raise CommandError(str(exc)) from None
        if not folders:
            raise CommandError("FRONTDESK_IMAP_URL is not set: there is no mailbox to poll.")
        call_command("migrate", interactive=False, verbosity=0)  # as `serve` and `demo` do
        interval = options["interval"] or settings.FRONTDESK_IMAP_POLL_SECONDS
        while True:
            results = imap.imap_poll(folders)
            for result in results:
                self.stdout.write(str(result))
            if options["once"]:
                failed = [result for result in results if result.error]
                if failed:
                    raise CommandError(f"{len(failed)} of {len(results)} folders failed")
                return
            time.sleep(max(1, interval))
