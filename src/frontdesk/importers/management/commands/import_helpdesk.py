"""``frontdesk import-helpdesk DATABASE``: bring a django-helpdesk database into Frontdesk."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from frontdesk.importers.helpdesk import SYSTEM, open_helpdesk, read_helpdesk, shown
from frontdesk.importers.records import ImportFailed, ImportReport
from frontdesk.importers.services import check_source_name, import_records


class Command(BaseCommand):
    help = (
        "Import people, queues, tickets, follow-ups and their files from a django-helpdesk "
        "database (a SQLite file or a PostgreSQL URL, opened read-only). Running it again "
        "updates what changed and adds what is new."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "database", help="The SQLite file (or sqlite:///path), or postgres://user@host/name."
        )
        parser.add_argument(
            "--media-root",
            type=Path,
            help="django-helpdesk's MEDIA_ROOT, where its attachments are (without it, files "
            "are left out and counted).",
        )
        parser.add_argument(
            "--source-name",
            default=SYSTEM,
            help=f"The name the id mapping keeps for this source (default {SYSTEM}); give "
            "another to import a second, unrelated django-helpdesk.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Report what would be created and updated, and the problems; write nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # A fresh data directory has no tables yet: make them, as `frontdesk serve` does.
        call_command("migrate", interactive=False, verbosity=0)
        location: str = options["database"]
        report = ImportReport(system=options["source_name"], location=shown(location))
        try:
            check_source_name(options["source_name"])
            with open_helpdesk(location) as database:
                source = read_helpdesk(
                    database, shown(location), media_root=options["media_root"], report=report
                )
                source.system = options["source_name"]
                done = import_records(
                    source=source,
                    report=report,
                    dry_run=options["dry_run"],
                    show_progress=options["verbosity"] > 0,
                )
        except ImportFailed as failure:
            raise CommandError(str(failure)) from None
        self.stdout.write(done.summary())
