"""``frontdesk import-csv --format zendesk|freescout FILE``: tickets from a CSV export."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from frontdesk.importers.csv_formats import FORMATS, read_csv
from frontdesk.importers.records import ImportFailed, ImportReport
from frontdesk.importers.services import check_source_name, import_records


class Command(BaseCommand):
    help = (
        "Import tickets from a Zendesk or FreeScout ticket CSV export: one row, one ticket. "
        "Running it again updates what changed and adds what is new."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help="The CSV file.")
        parser.add_argument(
            "--format", required=True, help=f"Which product wrote it: {', '.join(FORMATS)}."
        )
        parser.add_argument(
            "--source-name",
            help="The name the id mapping keeps for this source (default: the format's name); "
            "give another to import a second, unrelated account.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Report what would be created and updated, and the problems; write nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        file: Path = options["file"]
        report = ImportReport(system=options["format"], location=str(file))
        try:
            check_source_name(options["source_name"] or "")
            source = read_csv(file, format=options["format"], report=report)
            if options["source_name"]:
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
