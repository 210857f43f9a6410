"""``frontdesk reports_build``: count the reports' aggregates of every day at once."""

from __future__ import annotations

import os
import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from frontdesk.reports.aggregates import aggregates_build


class Command(BaseCommand):
    help = (
        "Count the reports' daily aggregates of every day from the tickets (after an import "
        "or a restore; the worker keeps them up to date afterwards)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # A fresh data directory has no tables yet: make them, as `frontdesk serve` does.
        call_command("migrate", interactive=False, verbosity=0)
        started = time.perf_counter()
        days = aggregates_build(processes=os.cpu_count() or 1)
        took = time.perf_counter() - started
        self.stdout.write(f"Counted the reports of {days} days in {took:.0f} s.")
