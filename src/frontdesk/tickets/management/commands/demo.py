"""``frontdesk demo [--tickets N]``: fill Frontdesk with a realistic demo help desk."""

from __future__ import annotations

import os
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from frontdesk.automations.demo import demo_rules_create
from frontdesk.core.errors import InvalidInput
from frontdesk.fields.demo import demo_fields_create, demo_team_fields_create
from frontdesk.following.demo import demo_following_create
from frontdesk.kb.demo import demo_kb_create
from frontdesk.privacy.demo import demo_privacy_create
from frontdesk.replies.demo import demo_saved_replies_create
from frontdesk.reports.aggregates import aggregates_build
from frontdesk.satisfaction.demo import demo_survey_teams_spread, demo_surveys_create
from frontdesk.sla.demo import demo_sla_create
from frontdesk.teams.demo import demo_teams_create
from frontdesk.tickets.demo import DEMO_PASSWORD, demo_create
from frontdesk.tickets.merging_demo import demo_merges_create
from frontdesk.timelog.demo import demo_time_entries_create
from frontdesk.webhooks.demo import demo_webhooks_create


def _at_least_one(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ArgumentTypeError("must be at least 1")
    return number


def _saved_replies() -> str:
    added = demo_saved_replies_create()
    return f"Added {added} shared saved replies for the agents."


class Command(BaseCommand):
    help = (
        "Create realistic demo data: organisations, customers, agents, an 'admin' account, and "
        "tickets in every status, priority and category with their conversations, tags, due "
        f"dates and history. Demo customers and agents sign in with {DEMO_PASSWORD!r}. "
        "Running it again adds another set of people and tickets beside the first (their "
        "names get a number); the admin account is created only once and never changed."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--tickets", type=_at_least_one, default=5_000, help="How many tickets (default 5000)."
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed: the same seed, the same data."
        )
        parser.add_argument(
            "--no-merges",
            action="store_true",
            help="Leave out the merged, split and linked tickets (the generated data only).",
        )
        parser.add_argument(
            "--admin-password",
            help="Password for the new 'admin' account (default: a random one, printed).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # A fresh data directory has no tables yet: make them, as `frontdesk serve` does.
        call_command("migrate", interactive=False, verbosity=0)
        try:
            report = demo_create(
                tickets=options["tickets"],
                seed=options["seed"],
                admin_password=options["admin_password"],
                show_progress=options["verbosity"] > 0,
            )
        except InvalidInput as invalid:
            raise CommandError(f"Cannot create the admin account: {invalid.message}") from None
        self.stdout.write(report.summary())
        self.stdout.write(_saved_replies())
        self.stdout.write(demo_sla_create())
        self.stdout.write(demo_time_entries_create(seed=options["seed"]))
        self.stdout.write(demo_surveys_create(seed=options["seed"]))
        if not options["no_merges"]:
            self.stdout.write(demo_merges_create())
        self.stdout.write(demo_following_create())
        self.stdout.write(demo_fields_create(seed=options["seed"]))
        self.stdout.write(demo_teams_create())
        self.stdout.write(demo_team_fields_create(seed=options["seed"]))
        self.stdout.write(demo_survey_teams_spread())
        self.stdout.write(demo_rules_create())  # after the teams: a rule moves tickets to one
        self.stdout.write(demo_privacy_create())
        self.stdout.write(demo_kb_create())
        self.stdout.write(demo_webhooks_create())
        # Last: the reports' aggregates count the desk as the steps above left it.
        days = aggregates_build(processes=os.cpu_count() or 1)
        self.stdout.write(f"Reports: counted {days} days.")
