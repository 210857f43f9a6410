"""A customer's reads through the gate, for the heaviest, the median and a copied customer.

    .venv/bin/python bench/customer_gate.py [--requests 30] [--plans custom generic]

In process, no server: each read as the faces make it (SupportMe's open and closed tickets,
compiled; the newest 26 tickets of the customer's pages; the newest 51 of the REST comments
they may read), run ``--requests`` times after a warm-up that lets psycopg prepare the
statement (decision 85), with PostgreSQL's ``plan_cache_mode`` forced to plans made for the
values (``custom``) or to the generic plan a prepared statement may keep (``generic``). On
SQLite the mode is ignored. Prints each read's wall-time p50 and p95 in ms and its rows. Reads
only: nothing is written, so it may run against a shared desk. The customers are found by
their tickets: the one with the most, the median one, and one copied on a ticket (CC).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

from _server import percentile


def _customers() -> dict[str, int]:
    from django.db.models import Count

    from frontdesk.following.models import CcPerson
    from frontdesk.tickets.models import Ticket

    counts = list(
        Ticket.objects.order_by()
        .values("requester_id")
        .annotate(n=Count("id"))
        .order_by("-n", "requester_id")
        .values_list("requester_id", "n")
    )
    found = {"heaviest": counts[0][0], "median": counts[len(counts) // 2][0]}
    others = CcPerson.objects.exclude(person_id=counts[0][0]).order_by("person_id")
    copied = others.values_list("person_id", flat=True).first()
    if copied is not None:
        found["copied"] = copied
    return found


def _reads(user: Any) -> dict[str, Callable[[], int]]:
    from frontdesk.tickets import access, selectors

    newest = access.tickets_visible_to(user).order_by("-created_at", "-id")
    comments = access.messages_visible_to(user).order_by("id")
    return {
        "SupportMe open tickets": lambda: len(selectors.ticket_rows_active_for(user=user)),
        "SupportMe closed tickets": lambda: len(selectors.ticket_rows_done_for(user=user)),
        "newest 26 tickets": lambda: len(list(newest.values_list("id")[:26])),
        "newest 51 comments": lambda: len(list(comments.values_list("id")[:51])),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=12, help="psycopg prepares at the 5th")
    parser.add_argument("--plans", nargs="*", default=["custom", "generic"])
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")
    import django

    django.setup()
    from django.db import connection

    from frontdesk.accounts.models import User

    print(f"load {os.getloadavg()[0]:.2f}, {connection.vendor}")
    for who, pk in _customers().items():
        user = User.objects.get(pk=pk)
        for mode in args.plans if connection.vendor == "postgresql" else ["-"]:
            if mode != "-":
                with connection.cursor() as cursor:
                    cursor.execute(f"SET plan_cache_mode = force_{mode}_plan")
            for name, read in _reads(user).items():
                for _ in range(args.warmup):
                    rows = read()
                times = []
                for _ in range(args.requests):
                    start = time.perf_counter()
                    read()
                    times.append((time.perf_counter() - start) * 1000)
                times.sort()
                print(
                    f"{who:9} (user {pk:5}) {mode:8} {name:25} {rows:6} rows"
                    f"  p50 {percentile(times, 0.50):8.2f}  p95 {percentile(times, 0.95):8.2f} ms"
                )
    print(f"load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
