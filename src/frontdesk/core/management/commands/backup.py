"""``frontdesk backup [PATH]``: a consistent online copy of the desk (frontdesk/core/backup.py)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from frontdesk.core.backup import BackupError, backup_create, default_backup_path


class Command(BaseCommand):
    help = (
        "Copy the database, the job queue, the attachments and the secrets into a new "
        "directory, while the desk keeps serving (default: <data dir>/backups/frontdesk-<time>)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", help="a directory that does not exist yet")

    def handle(self, *args: Any, **options: Any) -> None:
        target = Path(options["path"]) if options["path"] else default_backup_path()
        started = time.monotonic()
        try:
            manifest = backup_create(target)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        tickets = manifest.row_counts.get("tickets_ticket", 0)
        messages = manifest.row_counts.get("tickets_message", 0)
        self.stdout.write(
            f"Backed up to {target.resolve()} in {time.monotonic() - started:.1f} s: "
            f"{tickets:,} tickets, {messages:,} messages, "
            f"{manifest.attachment_count:,} attachments "
            f"({manifest.attachment_bytes / 1e6:,.1f} MB)."
        )
        if len(manifest.secrets) < 2:
            self.stdout.write(
                "The secrets set in the environment (SECRET_KEY, FRONTDESK_JWT_SECRET) are not "
                "in the backup: keep them with it."
            )
