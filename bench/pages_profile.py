"""Where a page or a list spends its time at scale, in process: no server, no sockets.

    .venv/bin/python bench/pages_profile.py [--requests 100] [--only TEXT]
    .venv/bin/python bench/pages_profile.py --only "claimable" --cprofile 40   # top functions

Uses the database the app would (DATABASE_URL, or SQLite in FRONTDESK_DATA_DIR): the desk that
``bench/scale.py`` measures over HTTP, with its 50-message conversations (made by scale.py).
It signs in two demo agents through the login form and a few customers for a bearer token,
then calls Django's WSGI handler directly, one read at a time, and prints per request the CPU
time of this process (``time.process_time``: other load on the machine does not count) and the
wall time's p50 and p95. Reads: the workspace views, a ticket page with 50 messages, the REST
lists, and SupportMe's ``/get-open-tickets``. ``--cprofile N`` profiles each chosen read's
loop with cProfile and prints its N costliest functions (cumulative and own time).

On a PostgreSQL server on this machine it also prints the CPU its backends spent per request
(``PG ms``: planning and running the queries, from ``/proc``), counting every backend
connected to the desk's database: nothing else should use that database meanwhile.

Reading these pages writes what any visit writes: a session per sign-in, and the read marker
of a ticket the first time an agent opens it.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import sys
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from _server import LOAD_TEST_ENV, percentile, wsgi_environ

PASSWORD = "demo-password"  # every demo account's (tickets/demo.py)
LONG_TITLE = "Scale benchmark a conversation of fifty messages"  # bench/scale.py's threads
VIEWS = ("claimable", "mine", "open", "pending", "overdue", "closed")


class Handler:
    """Django's WSGI handler, called as a server would, keeping one client's cookies."""

    def __init__(self) -> None:
        from django.core.handlers.wsgi import WSGIHandler

        self.handler = WSGIHandler()

    def __call__(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> tuple[int, dict[str, list[str]], bytes]:
        environ = wsgi_environ(method, path, body=body, headers=headers)
        answer: list[tuple[str, list[tuple[str, str]]]] = []
        response = self.handler(environ, lambda line, heads, *_: answer.append((line, heads)))
        try:
            content = b"".join(response)
        finally:
            response.close()
        line, heads = answer[0]
        got: dict[str, list[str]] = {}
        for name, value in heads:
            got.setdefault(name.lower(), []).append(value)
        return int(line.split()[0]), got, content

    def bearer(self, username: str) -> dict[str, str]:
        body = json.dumps({"username": username, "password": PASSWORD}).encode()
        status, _, answer = self("POST", "/login", {"Content-Type": "application/json"}, body)
        if status != 200:
            sys.exit(f"signing in {username} for a token failed: {status}")
        return {"Authorization": f"Bearer {json.loads(answer)['access_token']}"}

    def session(self, username: str) -> dict[str, str]:
        cookies: SimpleCookie = SimpleCookie()
        _, heads, _ = self("GET", "/login", {})
        for value in heads.get("set-cookie", []):
            cookies.load(value)
        token = cookies["csrftoken"].value
        form = urlencode(
            {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD}
        ).encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={token}",
        }
        status, heads, _ = self("POST", "/login", headers, form)
        for value in heads.get("set-cookie", []):
            cookies.load(value)
        if status != 302 or "sessionid" not in cookies:
            sys.exit(f"signing in {username} through the form failed: {status}")
        return {"Cookie": "; ".join(f"{key}={m.value}" for key, m in cookies.items())}


def reads(handler: Handler, rng: random.Random) -> dict[str, list[tuple[str, dict[str, str]]]]:
    from frontdesk.accounts.models import Role, User
    from frontdesk.tickets.models import Ticket

    agents = list(User.objects.filter(role=Role.AGENT).order_by("pk")[:50])
    customers = list(User.objects.filter(role=Role.CUSTOMER).order_by("pk"))
    pages = [handler.session(agent.username) for agent in rng.sample(agents, 2)]
    tokens = [handler.bearer(agent.username) for agent in rng.sample(agents, 2)]
    chosen = rng.sample(customers, min(10, len(customers)))
    threads = list(Ticket.objects.filter(title=LONG_TITLE).values_list("pk", flat=True))
    if not threads:
        print("No 50-message conversations (bench/scale.py writes them): no ticket page.")
    api = "/api/ticketing/tickets/"
    filters = [
        {"status": status, "priority": priority}
        for status in ("open", "in_progress", "pending", "new")
        for priority in ("high", "medium", "urgent")
    ]
    found: dict[str, list[tuple[str, dict[str, str]]]] = {
        f"page /home?view={view}": [(f"/home?view={view}", page) for page in pages]
        for view in VIEWS
    }
    if threads:
        found["page /ticket/<50 messages>"] = [(f"/ticket/{t}", p) for t in threads for p in pages]
    found["REST unassigned/"] = [(f"{api}unassigned/", token) for token in tokens]
    found["REST overdue/"] = [(f"{api}overdue/", token) for token in tokens]
    found["REST ?status=&priority="] = [
        (f"{api}?{urlencode(f)}", rng.choice(tokens)) for f in filters
    ]
    found["/get-open-tickets/<customer>"] = [
        (f"/get-open-tickets/{c.pk}", handler.bearer(c.username)) for c in chosen
    ]
    return found


def backends_cpu_ms() -> dict[int, float]:
    """The CPU time so far of each PostgreSQL backend connected to this database, by pid;
    empty on SQLite or a server elsewhere."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND backend_type = 'client backend'"
        )
        pids = [pid for (pid,) in cursor.fetchall()]
    found = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone, or not on this machine
        found[pid] = (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")
    return found


def run(
    handler: Handler, calls: list[tuple[str, dict[str, str]]], count: int
) -> tuple[float, list[float]]:
    """CPU ms per request, and each request's wall ms."""
    walls = []
    started = time.process_time()
    for n in range(count):
        path, headers = calls[n % len(calls)]
        begun = time.perf_counter()
        status, _, body = handler("GET", path, headers)
        walls.append((time.perf_counter() - begun) * 1000)
        if status != 200:
            sys.exit(f"GET {path}: {status} {body[:300]!r}")
    return (time.process_time() - started) * 1000 / count, walls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100, help="timed requests per read")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--only", default="", help="reads whose name contains this text")
    parser.add_argument("--cprofile", type=int, default=0, metavar="N", help="top N functions")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile-out", default="", help="with --cprofile: keep the stats here")
    args = parser.parse_args()
    os.environ.update(LOAD_TEST_ENV)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")
    import django

    django.setup()
    handler = Handler()
    everything = reads(handler, random.Random(args.seed))
    database = os.environ.get("DATABASE_URL", "").split("@")[-1] or "SQLite"
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"{database}, in process; load average {load}")
    print(f"{'read':34} {'CPU ms':>7} {'p50 ms':>7} {'p95 ms':>7} {'PG ms':>7}")
    for name, calls in everything.items():
        if args.only not in name:
            continue
        run(handler, calls, args.warmup)
        profiler = cProfile.Profile() if args.cprofile else None
        if profiler:
            profiler.enable()
        backends = backends_cpu_ms()
        cpu, walls = run(handler, calls, args.requests)
        if profiler:
            profiler.disable()
        after = backends_cpu_ms()  # the backends there before and after (a pool keeps them)
        server = sum(after[pid] - backends[pid] for pid in backends.keys() & after.keys())
        walls.sort()
        p50, p95 = percentile(walls, 0.5), percentile(walls, 0.95)
        pg = f"{server / args.requests:7.2f}" if backends else ""
        print(f"{name:34} {cpu:7.2f} {p50:7.2f} {p95:7.2f} {pg}", flush=True)
        if profiler:
            show(profiler, args.cprofile)
            if args.profile_out:
                profiler.dump_stats(args.profile_out)


def show(profiler: cProfile.Profile, top: int) -> None:
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(top)
        text = out.getvalue()
        print(text[text.find("   ncalls") :])


if __name__ == "__main__":
    main()
