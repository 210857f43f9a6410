"""An agent's own tickets beyond their teams, counted as each of their workspace pages counts
them: the grouped query built by the ORM each time against compiled once (decision 76).

    FRONTDESK_DATA_DIR=... .venv/bin/python bench/agent_counts_cpu.py [--counts 300]

Uses the desk the app would (DATABASE_URL, or SQLite in FRONTDESK_DATA_DIR) and the first agent
in a team; checks both give the same rows, then prints CPU per count, three rounds alternating.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

from _server import LOAD_TEST_ENV


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, default=300)
    args = parser.parse_args()
    os.environ.update(LOAD_TEST_ENV)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")
    import django

    django.setup()
    from frontdesk.accounts.models import User
    from frontdesk.teams.models import TeamMembership
    from frontdesk.tickets import access, statistics
    from frontdesk.tickets.models import Ticket

    agent = User.objects.get(pk=TeamMembership.objects.values_list("user_id", flat=True)[0])
    scope = access.team_scope(agent)
    assert scope is not None
    teams = sorted(team for team in scope.teams if team is not None)

    def built() -> list[Any]:
        return statistics._count_rows(Ticket.objects.filter(scope.beyond))

    def compiled() -> list[Any]:
        counted = statistics._beyond_rows(len(teams), agent.pk, statistics.now(), *teams)
        return statistics._as_rows(counted)

    assert sorted(map(str, built())) == sorted(map(str, compiled()))
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"agent {agent.username}, teams {teams}; load average {load}")
    ways: tuple[tuple[str, Callable[[], Any]], ...] = (
        ("built by the ORM each time", built),
        ("compiled once", compiled),
    )
    for round_ in range(3):
        for label, count in ways:
            started = time.process_time()
            for _ in range(args.counts):
                count()
            cpu = (time.process_time() - started) * 1000 / args.counts
            print(f"  round {round_ + 1}: {label:28} {cpu:6.3f} ms CPU")


if __name__ == "__main__":
    main()
