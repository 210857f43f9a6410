"""Two reads of every workspace page, each the way it was and compiled once (decision 84):
the page's ids (the gate, the view, its choice filters, the order: built and compiled by the
ORM on every request, against ``paging.PageIds``) and the session (Django's database store
against ``accounts/session_store.py``).

    FRONTDESK_DATA_DIR=... .venv/bin/python bench/workspace_reads_cpu.py [--reads 300]

Uses the desk the app would (DATABASE_URL, or SQLite in FRONTDESK_DATA_DIR) and the first agent
in a team; checks both ways give the same ids and the same session, then prints CPU per read
(the SQL's run included), three rounds alternating.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

from _server import LOAD_TEST_ENV

VIEWS = ("claimable", "mine", "open", "pending", "overdue", "closed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=300)
    args = parser.parse_args()
    os.environ.update(LOAD_TEST_ENV)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")
    import django

    django.setup()
    from django.contrib.sessions.backends import db

    from frontdesk.accounts import session_store
    from frontdesk.accounts.models import User
    from frontdesk.teams.models import TeamMembership
    from frontdesk.tickets import selectors

    agent = User.objects.get(pk=TeamMembership.objects.values_list("user_id", flat=True)[0])
    real_choices = selectors.choice_filters

    def ids(view: str, compiled: bool) -> Callable[[], list[int]]:
        def read() -> list[int]:
            selectors.choice_filters = real_choices if compiled else lambda filters: None
            page = selectors.tickets_for_workspace(user=agent, view=view)
            return [row.pk for row in page.tickets]

        return read

    store = session_store.SessionStore()
    store["colour"] = "green"
    store.create()
    key = store.session_key

    def session(kind: type[db.SessionStore]) -> Callable[[], dict[str, Any]]:
        return lambda: dict(kind(key).items())

    try:
        for view in VIEWS:
            assert ids(view, True)() == ids(view, False)(), view
            _compare(f"page /home?view={view}", ids(view, False), ids(view, True), args.reads)
        assert session(db.SessionStore)() == session(session_store.SessionStore)()
        _compare(
            "the session", session(db.SessionStore), session(session_store.SessionStore), args.reads
        )
    finally:
        selectors.choice_filters = real_choices
        store.delete()


def _compare(name: str, before: Callable[[], Any], after: Callable[[], Any], reads: int) -> None:
    """CPU ms per read, ``before`` then ``after``, three rounds."""
    rounds = []
    for _ in range(3):
        rounds.append(tuple(_cpu(read, reads) for read in (before, after)))
    shown = ", ".join(f"{b:.3f} → {a:.3f}" for b, a in rounds)
    print(f"{name:28} built → compiled, CPU ms per read: {shown}", flush=True)


def _cpu(read: Callable[[], Any], reads: int) -> float:
    read()
    started = time.process_time()
    for _ in range(reads):
        read()
    return (time.process_time() - started) * 1000 / reads


if __name__ == "__main__":
    main()
