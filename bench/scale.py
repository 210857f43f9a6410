"""How fast are the reads at a million tickets? One client, over HTTP, against `frontdesk serve`.

    .venv/bin/python bench/scale.py [--generate 1000000] [--requests 200] [--warmup 20]
    .venv/bin/python bench/scale.py --only search     # the search reads alone

Uses the database the app would (DATABASE_URL, or SQLite in FRONTDESK_DATA_DIR). With
``--generate N`` it first migrates and runs ``frontdesk demo`` for the tickets missing up to N.
It then makes sure a few 50-message conversations exist (through the services, as a real
conversation would be written), starts ``frontdesk serve --no-migrate --no-worker`` on a free
port (the job worker runs as its own unit, as docs/deploy.md's larger profile runs it: at a
million tickets its SLA and statistics jobs keep a core busy and write messages while the
reads are timed; ``--with-worker`` starts it beside the server as ``make run`` does), signs
in demo agents and customers like any client (``POST /login`` for a bearer token, the login
form for a page's session cookie), and times each read: a warm-up, then ``--requests``
requests rotating over varied agents, customers, tickets, filters and words. Prints p50, p95
and p99 per read beside its budget (issue 5). The server's rate limits are turned off: one
client making 3,000 requests a minute is the point here, not an abuse.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from _server import LOAD_TEST_ENV, free_port, percentile, wait_ready

FRONTDESK = str(Path(sys.executable).with_name("frontdesk"))
PASSWORD = "demo-password"  # every demo account's (tickets/demo.py)
LONG_TITLE = "Scale benchmark a conversation of fifty messages"
LONG_MESSAGES = 50
LONG_THREADS = 5
UNPAGED_REQUESTS = 20
COMMON_WORDS = ["class", "app", "thanks", "studio", "booking"]
PHRASES = ['"dark mode"', '"door entry code"', '"refunded the difference"', '"main hall"']
# Two words that meet in 15,000-50,000 of 5.2 million messages (and often in titles).
TWO_WORDS = ["class refund", "studio door", "payment twice", "booking app", "locker key"]
WORKSPACE_VIEWS = ["claimable", "mine", "open", "pending", "overdue", "closed"]


@dataclass
class Read:
    name: str
    budget_ms: float | None  # None: measured, no budget (said in `note`)
    requests: Iterator[tuple[str, dict[str, str]]]  # path and headers, endlessly
    note: str = ""
    times_ms: list[float] = field(default_factory=list)

    def percentile(self, q: float) -> float:
        return percentile(sorted(self.times_ms), q)


@dataclass
class Fixtures:
    agents: list[str]  # usernames
    customers: list[tuple[int, str]]  # (id, username)
    long_threads: list[int]
    rare_words: list[str]
    ticket_numbers: list[str]  # "TKT-001234" and "1234", as an agent would type them
    names: list[str]  # customers' usernames (as typed, in lower case) and email addresses
    tickets: int = 0
    messages: int = 0


# --- the data -----------------------------------------------------------------------------


def generate(wanted: int) -> None:
    subprocess.run([FRONTDESK, "migrate", "-v", "0"], check=True)
    have = _count_tickets()
    if have < wanted:
        print(f"{have} tickets; generating {wanted - have} more with `frontdesk demo`")
        started = time.perf_counter()
        subprocess.run([FRONTDESK, "demo", "--tickets", str(wanted - have)], check=True)
        print(f"demo took {time.perf_counter() - started:.0f} s")


def _count_tickets() -> int:
    code = "from frontdesk.tickets.models import Ticket; print(Ticket.objects.count())"
    out = subprocess.run([FRONTDESK, "shell", "-c", code], check=True, capture_output=True)
    return int(out.stdout)


def prepare(rng: random.Random, *, write: bool = True) -> Fixtures:
    """Pick the people, tickets and words to read, and write the long conversations (unless
    not ``write``: then only those already there are read)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")
    import django

    django.setup()
    from django.db import connection

    from frontdesk.accounts.models import Role, User
    from frontdesk.tickets.models import Message, Ticket

    agents = list(User.objects.filter(role=Role.AGENT).values_list("username", flat=True))
    customers = list(User.objects.filter(role=Role.CUSTOMER).values_list("pk", "username"))
    if not agents or not customers:
        sys.exit("No demo agents or customers: run with --generate N first.")
    threads = list(Ticket.objects.filter(title=LONG_TITLE).values_list("pk", flat=True))
    top = Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 1
    numbers = [rng.randint(1, top) for _ in range(10)]
    named = rng.sample(customers, min(10, len(customers)))
    emails = dict(User.objects.filter(pk__in=[pk for pk, _ in named]).values_list("pk", "email"))
    for _ in range(LONG_THREADS - len(threads) if write else 0):
        threads.append(_write_long_thread(rng, rng.choice(agents), rng.choice(customers)[0]))
    fixtures = Fixtures(
        agents=rng.sample(agents, min(5, len(agents))),
        customers=rng.sample(customers, min(20, len(customers))),
        long_threads=threads,
        # Four-digit numbers: invoice, locker and gift card numbers, a few tickets each.
        rare_words=[str(rng.randint(1000, 9999)) for _ in range(10)],
        ticket_numbers=[Ticket.number_for(n) for n in numbers[:5]] + [str(n) for n in numbers[5:]],
        names=[name.lower() for _, name in named[:5]] + [emails[pk] for pk, _ in named[5:]],
        tickets=Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
        messages=Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
    )
    connection.close()
    return fixtures


def _write_long_thread(rng: random.Random, agent_name: str, customer_id: int) -> int:
    """A ticket an agent opened for a customer, then 50 messages back and forth, closed."""
    from frontdesk.accounts.models import User
    from frontdesk.tickets import services
    from frontdesk.tickets.demo_text import AGENT_ANSWERS, CUSTOMER_FOLLOW_UPS

    agent = User.objects.get(username=agent_name)
    customer = User.objects.get(pk=customer_id)
    opened = services.ticket_open(
        actor=agent, requester=customer, title=LONG_TITLE, body="It keeps happening."
    )
    ticket_id = opened.ticket.pk
    for n in range(LONG_MESSAGES - 1):
        author, texts = (customer, CUSTOMER_FOLLOW_UPS) if n % 2 else (agent, AGENT_ANSWERS)
        body = rng.choice(texts).format(name=customer.username, day="Monday", style="Tango")
        services.message_post(actor=author, ticket_id=ticket_id, body=body)
    return ticket_id


# --- the server and the client ------------------------------------------------------------


def start_server(port: int, log: Path, *, worker: bool) -> subprocess.Popen[bytes]:
    command = [FRONTDESK, "serve", "--no-migrate", "--port", str(port), "--threads", "4"]
    if not worker:
        command.append("--no-worker")
    with log.open("wb") as out:
        server = subprocess.Popen(
            command, env={**os.environ, **LOAD_TEST_ENV}, stdout=out, stderr=subprocess.STDOUT
        )
    wait_ready(f"http://127.0.0.1:{port}/login", server, log, timeout=60)
    return server


class Client:
    """One keep-alive HTTP connection, as a single client would use."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None = None
    ) -> http.client.HTTPResponse:
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        response.body = response.read()  # type: ignore[attr-defined]
        return response

    def get_json(self, path: str, headers: dict[str, str]) -> dict:
        response = self.request("GET", path, headers)
        if response.status != 200:
            sys.exit(f"GET {path}: {response.status} {response.body[:300]!r}")  # type: ignore[attr-defined]
        return json.loads(response.body)  # type: ignore[attr-defined]

    def bearer(self, username: str) -> dict[str, str]:
        body = json.dumps({"username": username, "password": PASSWORD}).encode()
        response = self.request("POST", "/login", {"Content-Type": "application/json"}, body)
        token = json.loads(response.body)["access_token"]  # type: ignore[attr-defined]
        return {"Authorization": f"Bearer {token}"}

    def session(self, username: str) -> dict[str, str]:
        """Sign in through the login form; the session and CSRF cookies as a header."""
        cookies: SimpleCookie = SimpleCookie()
        response = self.request("GET", "/login", {})
        for value in response.headers.get_all("Set-Cookie") or []:
            cookies.load(value)
        form = urlencode(
            {
                "csrfmiddlewaretoken": cookies["csrftoken"].value,
                "username": username,
                "password": PASSWORD,
            }
        ).encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookies['csrftoken'].value}",
        }
        response = self.request("POST", "/login", headers, form)
        for value in response.headers.get_all("Set-Cookie") or []:
            cookies.load(value)
        if response.status != 302 or "sessionid" not in cookies:
            sys.exit(f"signing in {username} through the form failed: {response.status}")
        return {"Cookie": "; ".join(f"{key}={morsel.value}" for key, morsel in cookies.items())}


def cycle(items: list[tuple[str, dict[str, str]]]) -> Iterator[tuple[str, dict[str, str]]]:
    while True:
        yield from items


# --- the reads ----------------------------------------------------------------------------


def reads(client: Client, fixtures: Fixtures, rng: random.Random) -> list[Read]:
    agents = [client.bearer(name) for name in fixtures.agents]
    pages = [client.session(name) for name in fixtures.agents[:2]]
    customers = [(pk, client.bearer(name)) for pk, name in fixtures.customers]
    api = "/api/ticketing/tickets/"
    filters = [
        {"status": status, "priority": priority}
        for status in ("open", "in_progress", "pending", "new")
        for priority in ("high", "medium", "urgent")
    ]
    second_pages = []
    for headers in agents:
        first = client.get_json(f"{api}unassigned/", headers)
        second_pages.append((first["next"], headers))

    def searching(words: list[str]) -> Iterator[tuple[str, dict[str, str]]]:
        return cycle(
            [(f"{api}?{urlencode({'search': w})}", rng.choice(agents)) for w in words for _ in "ab"]
        )

    threads = fixtures.long_threads
    views = [
        Read(f"queue page /home?view={view}", 15, cycle([(f"/home?view={view}", p) for p in pages]))
        for view in WORKSPACE_VIEWS
    ]
    long_conversations = [
        Read(
            "ticket page /ticket/<50 messages>",
            15,
            cycle([(f"/ticket/{t}", page) for t in threads for page in pages]),
        ),
        Read(
            "/get-messages/<50-message ticket>",
            15,
            cycle([(f"/get-messages/{t}", rng.choice(agents)) for t in threads]),
        ),
    ]
    return [
        *views,
        *(long_conversations if threads else []),
        Read(
            "queue REST unassigned/ (page 1)",
            10,
            cycle([(f"{api}unassigned/", headers) for headers in agents]),
        ),
        Read("queue REST unassigned/ (page 2, cursor)", 10, cycle(second_pages)),
        Read(
            "/get-unclaimed-tickets (whole queue)",
            None,
            cycle([("/get-unclaimed-tickets", a) for a in agents]),
            "SupportMe contract: the whole queue, unpaged",
        ),
        Read(
            "/get-open-tickets/<customer>",
            10,
            cycle([(f"/get-open-tickets/{pk}", headers) for pk, headers in customers]),
            "SupportMe contract: all of a customer's open tickets",
        ),
        Read(
            "REST tickets/?status=&priority=",
            10,
            cycle([(f"{api}?{urlencode(f)}", rng.choice(agents)) for f in filters]),
        ),
        Read("REST tickets/statistics/", 100, cycle([(f"{api}statistics/", a) for a in agents])),
        Read("REST tickets/overdue/", 10, cycle([(f"{api}overdue/", a) for a in agents])),
        Read("search: common word", 50, searching(COMMON_WORDS)),
        Read("search: rare word", 50, searching(fixtures.rare_words)),
        Read("search: phrase", 50, searching(PHRASES)),
        Read("search: two words", 50, searching(TWO_WORDS)),
        Read("search: ticket number", 50, searching(fixtures.ticket_numbers)),
        Read("search: a customer's name", 50, searching(fixtures.names)),
    ]


def measure(client: Client, read: Read, *, warmup: int, count: int) -> None:
    if read.budget_ms is None:  # the unpaged contract lists: slow by design, fewer samples
        warmup, count = min(warmup, 2), min(count, UNPAGED_REQUESTS)
    for n in range(warmup + count):
        path, headers = next(read.requests)
        started = time.perf_counter()
        response = client.request("GET", path, headers)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200:
            sys.exit(f"GET {path}: {response.status} {response.body[:300]!r}")  # type: ignore[attr-defined]
        if n >= warmup:
            read.times_ms.append(elapsed)


def report(results: list[Read]) -> str:
    lines = [
        "| read | p50 ms | p95 ms | p99 ms | budget (p95) | |",
        "|---|---|---|---|---|---|",
    ]
    for read in results:
        p50, p95, p99 = (read.percentile(q) for q in (0.50, 0.95, 0.99))
        budget = f"≤ {read.budget_ms:g} ms" if read.budget_ms else read.note
        verdict = "" if read.budget_ms is None else ("met" if p95 <= read.budget_ms else "MISSED")
        lines.append(f"| {read.name} | {p50:.1f} | {p95:.1f} | {p99:.1f} | {budget} | {verdict} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--generate", type=int, metavar="N", help="make sure of N tickets first")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per read")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per read first")
    parser.add_argument(
        "--only", nargs="*", default=[""], help="reads whose name contains one of these texts"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--with-worker",
        action="store_true",
        help="start the job worker beside the server (its jobs then run during the timing)",
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="write no conversations (a shared dataset): reads that need them are left out",
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    load_before = " ".join(f"{value:.2f}" for value in os.getloadavg())
    if args.generate:
        generate(args.generate)
    fixtures = prepare(rng, write=not args.read_only)
    port = free_port()
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"frontdesk-scale-{port}.log"
    server = start_server(port, log, worker=args.with_worker)
    try:
        client = Client(port)
        every = reads(client, fixtures, rng)
        chosen = [read for read in every if any(text in read.name for text in args.only)]
        for read in chosen:
            measure(client, read, warmup=args.warmup, count=args.requests)
            print(f"{read.name}: p95 {read.percentile(0.95):.1f} ms", file=sys.stderr)
    finally:
        server.terminate()
        server.wait(timeout=30)
    database = os.environ.get("DATABASE_URL", "").split("@")[-1] or "SQLite"
    print(
        f"\n{database}: {fixtures.tickets:,} tickets, {fixtures.messages:,} messages; "
        f"{args.requests} requests per read after {args.warmup} warm-up "
        f"({UNPAGED_REQUESTS} for the unpaged lists), one client, "
        f"{'with' if args.with_worker else 'without'} the job worker; load average "
        f"{load_before} before, {' '.join(f'{v:.2f}' for v in os.getloadavg())} after\n"
    )
    print(report(chosen))


if __name__ == "__main__":
    main()
