"""The search's six shapes in process, one at a time: the ranking query, and a REST search.

    .venv/bin/python bench/search_shapes.py [--rounds 5] [--only phrase "two words"]
    .venv/bin/python bench/search_shapes.py --against /tmp/main/src/frontdesk/tickets/search.py

Uses the database the app would (DATABASE_URL, or SQLite in FRONTDESK_DATA_DIR) and the words
`bench/scale.py` searches for (the same seed picks the same rare words, ticket numbers and
names; nothing is written). Each round times every term of every shape once: the ranking
alone (``search.ticket_ids_matching`` as a REST search calls it, for an agent) and the REST
search around it (``tickets_list_for_api``: the ranking, the filter by the gate, the page).
Prints the wall time's p50 / p95 per shape, and the p50 per term.

``--against FILE`` loads another ``search.py`` (say main's, from ``git archive``) beside this
one and alternates them term by term in the same process (which goes first alternates too),
so that a loaded machine weighs on both alike; both columns are printed. ``--enough-recent N``
raises search.ENOUGH_RECENT: more PostgreSQL searches then read the rows past their newest
ones, as a search does whose words the newest rows seldom hold (another desk, other words).
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

from _server import percentile
from scale import COMMON_WORDS, PHRASES, TWO_WORDS, prepare


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
    args = parser.parse_args()
    fixtures = prepare(random.Random(args.seed), write=False)

    from frontdesk.accounts.models import User
    from frontdesk.tickets import api_selectors, search

    agents = list(User.objects.filter(username__in=fixtures.agents))
    shapes = {
        "common word": COMMON_WORDS,
        "rare word": fixtures.rare_words,
        "phrase": PHRASES,
        "two words": TWO_WORDS,
        "ticket number": fixtures.ticket_numbers,
        "a customer's name": fixtures.names,
    }
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
                agent = agents[(n + round_) % len(agents)]  # as scale.py, varied agents
                # Who goes first alternates: the second finds the pages the first read.
                order = list(variants.items())[:: 1 if (round_ + n) % 2 else -1]
                for name, module in order:
                    started = time.perf_counter()
                    module.ticket_ids_matching(
                        query=term, include_internal=True, limit=module.MATCH_LIMIT
                    )
                    ranking.setdefault((shape, term, name), []).append(
                        (time.perf_counter() - started) * 1000
                    )
                    api_selectors.search = module  # type: ignore[attr-defined]
                    started = time.perf_counter()
                    api_selectors.tickets_list_for_api(user=agent, filters={}, search_text=term)
                    rest.setdefault((shape, term, name), []).append(
                        (time.perf_counter() - started) * 1000
                    )
                    api_selectors.search = search  # type: ignore[attr-defined]
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
            print(f"  {shape:18} {term[:28]:28} " + "   ".join(cells))


if __name__ == "__main__":
    main()
