"""``frontdesk mail-intake [--host H] [--port P] [--lmtp]``: the SMTP (or LMTP) server an MTA
delivers support mail to, until stopped (SIGTERM or Ctrl-C). See mail/smtp_intake.py and
docs/email.md, "Intakes"."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from frontdesk.mail.smtp_intake import IntakeController, accepted_addresses


class Command(BaseCommand):
    help = "Receive mail by SMTP or LMTP from an MTA (for FRONTDESK_SUPPORT_ADDRESSES only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument("--port", type=int, default=2525, help="port to listen on")
        parser.add_argument("--lmtp", action="store_true", help="speak LMTP instead of SMTP")

    def handle(self, *args: Any, **options: Any) -> None:
        if not accepted_addresses():
            raise CommandError(
                "FRONTDESK_SUPPORT_ADDRESSES is not set: there is no address to accept mail for."
            )
        # Like `serve` and `demo`: an intake started first, on a new data directory, would
        # otherwise answer every mail with 451 (nowhere to keep it).
        call_command("migrate", interactive=False, verbosity=0)
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        controller = IntakeController(
            host=options["host"], port=options["port"], lmtp=options["lmtp"]
        )
        try:
            controller.start()
        except OSError as exc:
            raise CommandError(
                f"cannot listen on {options['host']}:{options['port']}: {exc}"
            ) from None
        protocol = "LMTP" if options["lmtp"] else "SMTP"
        self.stdout.write(
            f"Mail intake ({protocol}) on {options['host']}:{options['port']} for "
            f"{', '.join(sorted(accepted_addresses()))} (and their plus-addresses)",
        )
        self.stdout.flush()
        while not stop.wait(1):
            pass
        controller.stop()
