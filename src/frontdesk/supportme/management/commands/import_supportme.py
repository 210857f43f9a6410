"""``frontdesk import-supportme PATH``: bring a SupportMe data.db into Frontdesk."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from frontdesk.supportme.importer import ImportFailed, supportme_import


class Command(BaseCommand):
    help = (
        "Import users, tickets and messages from a SupportMe data.db (opened read-only). "
        "SupportMe ids are kept where they are free; otherwise new ids are given and a JSON "
        "mapping file is written. Running it again imports only what is new."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", type=Path, help="The SupportMe data.db file.")
        parser.add_argument(
            "--mapping-file",
            type=Path,
            help="Where to write the old id -> new id mapping (default: a file in the data "
            "directory, written only when ids or names changed).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # A fresh data directory has no tables yet: make them, as `frontdesk serve` does.
        call_command("migrate", interactive=False, verbosity=0)
        try:
            report = supportme_import(
                options["path"],
                mapping_file=options["mapping_file"],
                show_progress=options["verbosity"] > 0,
            )
        except ImportFailed as failure:
            raise CommandError(str(failure)) from None
        self.stdout.write(report.summary())
