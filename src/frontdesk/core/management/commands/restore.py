"""``frontdesk restore PATH``: a backup into an empty data directory (frontdesk/core/backup.py)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from frontdesk.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup made by `frontdesk backup` into an empty data directory or database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the backup's directory")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            manifest = backup_restore(Path(options["path"]))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Restored the backup of {manifest.created_at} into {settings.DATA_DIR} in "
            f"{time.monotonic() - started:.1f} s: every table's rows match the backup's "
            f"({manifest.row_counts.get('tickets_ticket', 0):,} tickets), "
            f"{manifest.attachment_count:,} attachments. Start it with `frontdesk serve` "
            "(it applies any newer migrations)."
        )
