"""The search's six shapes in process, one at a time: the ranking query, and a REST search.

    .venv/bin/python bench/search_shapes.py [--rounds 5] [--only phrase "two words"]
    .venv/bin/python bench/search_shapes.py --against /tmp/main/src/frontdesk/tickets/search.py

Uses the database the app would (DATABASE_URL, or SQLite in FRONTDESK_DATA_DIR) and the words
`bench/scale.py` searches for (the same seed picks the same rare words, ticket numbers and
names; nothing is written). Each round times every term of every shape once: the ranking
alone (``search.ticket_ids_matching`` as a REST search calls it, for an agent) and the REST
search around it (``tickets_list_for_api``: the ranking, the filter by the gate, the page).
Prints the wall time's p50 / p95 per shape, and the p50 per term; with ``--against``, also
each search whose ranked ids differ between the two (``DIFFERENT``).

``--against FILE`` loads another ``search.py`` (say main's, from ``git archive``) beside this
one and alternates them term by term in the same process (which goes first alternates too),
so that a loaded machine weighs on both alike; both columns are printed. ``--enough-recent N``
raises search.ENOUGH_RECENT: more PostgreSQL searches then read the rows past their newest
ones, as a search does whose words the newest rows seldom hold (another desk, other words).

``--only customer`` times a customer's own search (the ranking as their REST search calls
it, and that search): common words, rare words and phrases, for typical customers (a few to
tens of tickets), the demo's smallest (200-300 tickets) and its heaviest (4,000-5,000, and
the two with the most). The demo has no customer with fewer than about 200 tickets at a
million; ``--make-customers N`` (the only option that writes) gives N new customers 3-60
of the demo's tickets each, picked at random over the years, as a customer's would be.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import statistics
import sys
import time
from types import ModuleType
from typing import TYPE_CHECKING

from _server import percentile
from scale import COMMON_WORDS, PHRASES, TWO_WORDS, prepare

if TYPE_CHECKING:
    from frontdesk.accounts.models import User


def _load(path: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location("frontdesk.tickets.search_other", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # a dataclass looks its module up there
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", nargs="*", default=[""], help="shapes containing these texts")
    parser.add_argument("--against", metavar="FILE", help="another search.py, alternated")
    parser.add_argument(
        "--enough-recent",
        type=int,
        metavar="N",
        help="PostgreSQL: read the rows past the newest ones unless these hold N matches",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--make-customers", type=int, default=0, metavar="N", help="writes: see above"
    )
    args = parser.parse_args()
    fixtures = prepare(random.Random(args.seed), write=False)

    from frontdesk.accounts.models import User
    from frontdesk.tickets import access, api_selectors, search

    if args.make_customers:
        _make_customers(random.Random(args.seed), args.make_customers)
    agents = list(User.objects.filter(username__in=fixtures.agents))
    shapes: dict[str, list[str]] = {
        "common word": COMMON_WORDS,
        "rare word": fixtures.rare_words,
        "phrase": PHRASES,
        "two words": TWO_WORDS,
        "ticket number": fixtures.ticket_numbers,
        "a customer's name": fixtures.names,
    }
    # Who searches: agents, varied; each customer shape's customers, in turn.
    searchers: dict[str, list[User]] = dict.fromkeys(shapes, agents)
    for group, people in _customers().items():
        for kind, terms in (
            ("common word", COMMON_WORDS),
            ("rare word", fixtures.rare_words[:5]),
            ("phrase", PHRASES),
        ):
            shapes[f"customer, {group}: {kind}"] = terms
            searchers[f"customer, {group}: {kind}"] = people
    shapes = {k: v for k, v in shapes.items() if any(text in k for text in args.only)}
    variants = {"this": search}
    if args.against:
        variants = {"other": _load(args.against), "this": search}
    for module in variants.values():
        if args.enough_recent:
            module.ENOUGH_RECENT = args.enough_recent  # type: ignore[attr-defined]
    ranking: dict[tuple[str, str, str], list[float]] = {}
    rest: dict[tuple[str, str, str], list[float]] = {}
    load = [os.getloadavg()[0]]
    for round_ in range(args.rounds):
        for shape, terms in shapes.items():
            for n, term in enumerate(terms):
                people = searchers[shape]
                user = people[(n + round_) % len(people)]  # as scale.py, varied people
                internal, requester_id = access.search_scope(user)
                # Who goes first alternates: the second finds the pages the first read.
                order = list(variants.items())[:: 1 if (round_ + n) % 2 else -1]
                found = {}
                for name, module in order:
                    started = time.perf_counter()
                    found[name] = module.ticket_ids_matching(
                        query=term,
                        include_internal=internal,
                        limit=module.MATCH_LIMIT,
                        requester_id=requester_id,
                    )
                    ranking.setdefault((shape, term, name), []).append(
                        (time.perf_counter() - started) * 1000
                    )
                    api_selectors.search = module  # type: ignore[attr-defined]
                    started = time.perf_counter()
                    api_selectors.tickets_list_for_api(user=user, filters={}, search_text=term)
                    rest.setdefault((shape, term, name), []).append(
                        (time.perf_counter() - started) * 1000
                    )
                    api_selectors.search = search  # type: ignore[attr-defined]
                if len({tuple(ids) for ids in found.values()}) > 1:
                    print(f"DIFFERENT: {shape}, {term!r}, {user.username}")
        load.append(os.getloadavg()[0])
    names = list(variants)
    print(f"{args.rounds} rounds; load average (1 min) {min(load):.1f}-{max(load):.1f}")
    print(
        "| shape | " + " | ".join(f"{n}: ranking p50 / p95, REST p50 / p95" for n in names) + " |"
    )
    print("|---|" + "---|" * len(names))
    for shape, terms in shapes.items():
        cells = []
        for name in names:
            rank = sorted(t for term in terms for t in ranking[(shape, term, name)])
            full = sorted(t for term in terms for t in rest[(shape, term, name)])
            cells.append(
                f"{percentile(rank, 0.5):.1f} / {percentile(rank, 0.95):.1f}, "
                f"{percentile(full, 0.5):.1f} / {percentile(full, 0.95):.1f}"
            )
        print(f"| {shape} | " + " | ".join(cells) + " |")
    print("\nper term, p50 / max ms, ranking and REST: " + ", ".join(names))
    for shape, terms in shapes.items():
        for term in terms:
            cells = [
                f"{statistics.median(times):6.1f} /{max(times):6.1f}"
                for n in names
                for times in (ranking[(shape, term, n)], rest[(shape, term, n)])
            ]
            print(f"  {shape[:28]:28} {term[:24]:24} " + "   ".join(cells))


MADE_CUSTOMER = "bench-customer-"


def _customers() -> dict[str, list[User]]:
    """The customers whose own search is timed, by how many tickets they asked."""
    from django.db.models import Count

    from frontdesk.accounts.models import Role, User

    customers = User.objects.filter(role=Role.CUSTOMER).annotate(asked=Count("requested_tickets"))
    by_size = list(customers.filter(asked__gt=0).order_by("asked", "pk"))
    made = [c for c in by_size if c.username.startswith(MADE_CUSTOMER)]
    demo = [c for c in by_size if not c.username.startswith(MADE_CUSTOMER)]
    groups = {
        "3-60 tickets": made[:10],
        "the smallest of the demo": demo[:5],
        "4,000-5,000 tickets": [c for c in demo if 4_000 <= c.asked <= 5_000][-5:],
        "the two heaviest": demo[-2:],
    }
    for group, people in groups.items():
        print(f"{group}: " + ", ".join(f"{c.username} ({c.asked})" for c in people))
    return {group: people for group, people in groups.items() if people}


def _make_customers(rng: random.Random, count: int) -> None:
    """``count`` new customers, each given 3-60 of the demo's tickets picked at random."""
    from frontdesk.accounts.models import Role, User
    from frontdesk.tickets.models import Ticket

    top = Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for n in range(count):
        user = User.objects.create(
            username=f"{MADE_CUSTOMER}{n}",
            email=f"{MADE_CUSTOMER}{n}@example.com",
            role=Role.CUSTOMER,
        )
        picked = {rng.randint(1, top) for _ in range(rng.randint(3, 60))}
        Ticket.objects.filter(pk__in=picked).update(requester=user)


if __name__ == "__main__":
    main()
