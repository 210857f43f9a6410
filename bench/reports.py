"""How fast are the reports at a million tickets? In process, against the desk the app would
use (DATABASE_URL, or SQLite in FRONTDESK_DATA_DIR).

    .venv/bin/python bench/reports.py [--generate 1000000] [--repeats 5]

With ``--generate N`` it first migrates and runs ``frontdesk demo`` for the tickets missing up
to N (as bench/scale.py does). Then, for an admin (every ticket) and a demo agent in a team
(the gate's team subquery), for the last 7, 30 and 90 days, it times the whole page (GET
/reports through Django's test client: session, the selector, charts and template) and the
selector alone (reports/selectors.report_for, both periods), ``--repeats`` times after one
warm-up each, and prints the median and the slowest beside the budget (issue 16: under a
second). It also prints how many tickets each period holds. ``--ranges 7,90`` times some of
the presets; ``--no-page`` the selector alone; ``--zone America/New_York,Asia/Kolkata`` the
days of those zones (default UTC): the page's in the users' profile, set for the run and put
back after it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from _server import LOAD_TEST_ENV

FRONTDESK = str(Path(sys.executable).with_name("frontdesk"))
BUDGET_SECONDS = 1.0
PRESETS = ("7", "30", "90")


def generate(wanted: int) -> None:
    subprocess.run([FRONTDESK, "migrate", "-v", "0"], check=True)
    code = "from frontdesk.tickets.models import Ticket; print(Ticket.objects.count())"
    out = subprocess.run(
        [FRONTDESK, "shell", "-v", "0", "-c", code], check=True, capture_output=True
    )
    have = int(out.stdout.strip() or 0)
    if have < wanted:
        print(f"{have} tickets; generating {wanted - have} more with `frontdesk demo`")
        started = time.perf_counter()
        subprocess.run([FRONTDESK, "demo", "--tickets", str(wanted - have)], check=True)
        print(f"demo took {time.perf_counter() - started:.0f} s")


def timed(repeats: int, call: object) -> tuple[float, float]:
    assert callable(call)
    call()  # warm-up
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), max(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generate", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--ranges", default=",".join(PRESETS), help="Which of the presets, e.g. 7,90."
    )
    parser.add_argument("--zone", default="UTC", help="Time zones, e.g. UTC,Asia/Kolkata.")
    parser.add_argument(
        "--page",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="Also time the whole page (--no-page: the selector alone).",
    )
    args = parser.parse_args()
    os.environ.update(LOAD_TEST_ENV)
    if args.generate:
        generate(args.generate)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")
    import django

    django.setup()
    from frontdesk.accounts.models import Role, User
    from frontdesk.core.clock import now
    from frontdesk.teams.models import TeamMembership
    from frontdesk.tickets.models import Ticket

    admin = User.objects.filter(role=Role.ADMIN).order_by("pk").first()
    member = TeamMembership.objects.select_related("user").order_by("pk").first()
    if admin is None or member is None:
        sys.exit("No demo admin or team member: run with --generate N first.")
    total = Ticket.objects.count()
    print(f"{total} tickets; database {django.db.connection.vendor}")
    try:  # the daily aggregates (reports/aggregates.py), where this code has them
        from frontdesk.reports.aggregates import fresh_at

        print(f"aggregates as of {fresh_at()} (None: not built, the tickets are read)")
    except ImportError:
        print("no aggregates in this code: the tickets are read")
    print(f"{'zone':<17} {'who':<6} {'range':>5} {'tickets':>8} {'page p50':>9} "
          f"{'page max':>9} {'select p50':>11} {'select max':>11}  budget")  # fmt: skip
    users = (admin, member.user)
    saved = dict(User.objects.filter(pk__in=[u.pk for u in users]).values_list("pk", "time_zone"))
    try:
        for name in args.zone.split(","):
            zone = ZoneInfo(name)
            User.objects.filter(pk__in=saved).update(time_zone=name)
            for user in users:
                run(user, zone, now().astimezone(zone).date(), args)
    finally:
        for pk, time_zone in saved.items():
            User.objects.filter(pk=pk).update(time_zone=time_zone)


def run(user: Any, zone: ZoneInfo, today: date, args: argparse.Namespace) -> None:
    """Time each preset of ``args.ranges`` for ``user``, in ``zone``."""
    from django.test import Client

    from frontdesk.accounts.models import User
    from frontdesk.reports import periods, selectors
    from frontdesk.tickets.models import Ticket

    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    for preset in args.ranges.split(","):
        _, period = periods.period_parse(
            preset=preset,
            first="",
            last="",
            zone=zone,
            today=today,  # type: ignore[arg-type]
        )
        held = Ticket.objects.filter(
            created_at__gte=period.starts, created_at__lt=period.ends
        ).count()

        def page(preset: str = preset, client: Client = client) -> None:
            response = client.get(f"/reports?range={preset}")
            assert response.status_code == 200, response.status_code

        def select(period: periods.Period = period, user: User = user) -> None:
            selectors.report_for(user=user, period=period)

        page_mid, page_max = timed(args.repeats, page) if args.page else (0.0, 0.0)
        sel_mid, sel_max = timed(args.repeats, select)
        verdict = "met" if max(page_max, sel_max) < BUDGET_SECONDS else "MISSED"
        who = "admin" if user.is_admin else "agent"
        print(f"{zone.key:<17} {who:<6} {preset:>5} {held:>8} {page_mid:>8.3f}s "
              f"{page_max:>8.3f}s {sel_mid:>10.3f}s {sel_max:>10.3f}s  {verdict}")  # fmt: skip


if __name__ == "__main__":
    main()
