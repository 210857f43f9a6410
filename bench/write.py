"""Concurrent writes through the SupportMe API: throughput and latency of posting messages and
opening tickets with C clients at once, then a check that nothing acknowledged was lost or
doubled and that ticket numbers are unique.

    .venv/bin/python bench/write.py [--concurrency 32] [--duration 20 | --operations N]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fd_bench_write .venv/bin/python bench/write.py

Starts ``frontdesk serve --workers N`` (default 2) on a fresh temporary data directory (SQLite
there, or DATABASE_URL's database, which must exist and be empty), rate limits off. Half the
clients are customers opening tickets; the other half are agents posting replies into a pool of
eight tickets, so several writers meet on the same rows. Every body is unique. Afterwards it
reads the database (through ``frontdesk shell``) and checks that every acknowledged ticket and
message exists exactly once, with the ticket, author and body it was acknowledged with, and that
no two tickets share a number (TKT-%06d).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from _server import Account, Client, Server, Stats, django_run, make_agents, markdown, served

POOL = 8  # tickets the agents reply into


@dataclass
class Acks:
    """What the server acknowledged: message id -> (ticket id, author id, body)."""

    messages: dict[int, tuple[int, int, str]] = field(default_factory=dict)
    tickets: dict[int, int] = field(default_factory=dict)  # ticket id -> first message id
    sent: int = 0


async def open_tickets(
    client: Client, me: Account, acks: Acks, stop: Callable[[], bool], tag: str
) -> None:
    for n in itertools.count():
        if stop():
            return
        body = f"{tag} ticket body from {me.user_id} number {n}"
        title = f"Write test {me.user_id} {n}"
        acks.sent += 1
        status, data = await client.call(
            "POST /ticket/new",
            "POST",
            "/ticket/new",
            {"ticket_title": title, "message": body},
            me.token,
        )
        if status == 200:
            acks.tickets[data["ticket_id"]] = data["message_id"]
            acks.messages[data["message_id"]] = (data["ticket_id"], me.user_id, body)


async def post_messages(
    client: Client, me: Account, pool: list[int], acks: Acks, stop: Callable[[], bool], tag: str
) -> None:
    rng = random.Random(me.user_id)
    for n in itertools.count():
        if stop():
            return
        ticket = rng.choice(pool)
        body = f"{tag} reply from {me.user_id} number {n}"
        acks.sent += 1
        status, data = await client.call(
            "POST /ticket/<id> message", "POST", f"/ticket/{ticket}", {"message": body}, me.token
        )
        if status == 200:
            acks.messages[data["message_id"]] = (ticket, me.user_id, body)


CHECK = """
import json
from frontdesk.tickets.models import Message, Ticket
rows = list(Message.objects.filter(body__startswith={tag!r}).values_list(
    "id", "ticket_id", "author_id", "body"))
numbers = [t.number for t in Ticket.objects.only("id")]
print(json.dumps({{"messages": rows, "numbers": numbers,
    "tickets": list(Ticket.objects.values_list("id", flat=True))}}))
"""


def verify(server: Server, acks: Acks, tag: str) -> list[str]:
    stored = json.loads(django_run(server.env, CHECK.format(tag=tag)).strip().splitlines()[-1])
    problems: list[str] = []
    by_id: dict[int, tuple[int, int, str]] = {}
    bodies: dict[str, int] = {}
    for message_id, ticket_id, author_id, body in stored["messages"]:
        by_id[message_id] = (ticket_id, author_id, body)
        bodies[body] = bodies.get(body, 0) + 1
    for message_id, expected in acks.messages.items():
        if message_id not in by_id:
            problems.append(f"acknowledged message {message_id} is missing")
        elif by_id[message_id] != expected:
            problems.append(f"message {message_id} is {by_id[message_id]}, not {expected}")
        elif bodies[expected[2]] != 1:
            problems.append(f"message body {expected[2]!r} is stored {bodies[expected[2]]} times")
    tickets = set(stored["tickets"])
    problems += [f"acknowledged ticket {t} is missing" for t in acks.tickets if t not in tickets]
    if len(set(stored["numbers"])) != len(stored["numbers"]):
        problems.append("two tickets share a number")
    unacknowledged = len(by_id) - len(acks.messages)
    print(
        f"\nCheck: {len(acks.tickets)} tickets and {len(acks.messages)} messages acknowledged "
        f"of {acks.sent} sent; {len(stored['messages'])} messages stored "
        f"({unacknowledged} stored without an acknowledgement, e.g. after a timeout); "
        f"{len(stored['numbers'])} ticket numbers, {len(set(stored['numbers']))} distinct."
    )
    return problems


async def accounts(client: Client, names: list[str]) -> list[Account]:
    made = [await client.register(name) for name in names]
    if None in made:
        raise SystemExit("could not register the benchmark's accounts")
    return [account for account in made if account is not None]


async def run(server: Server, concurrency: int, duration: float, operations: int) -> int:
    tag = "wb" + "".join(random.choices(string.ascii_lowercase, k=6))
    client = Client(server.base_url, connections=concurrency)
    try:
        half = concurrency // 2
        customers = await accounts(client, [f"{tag}c{i}" for i in range(concurrency - half)])
        agents = await accounts(client, [f"{tag}a{i}" for i in range(half)])
        make_agents(server.env, [a.username for a in agents])
        acks = Acks()
        pool = []
        owner = customers[0]
        for n in range(POOL):
            body = {"ticket_title": f"Shared ticket {n}", "message": f"{tag} shared ticket {n}"}
            _, data = await client.call("setup", "POST", "/ticket/new", body, owner.token)
            pool.append(data["ticket_id"])
            acks.tickets[data["ticket_id"]] = data["message_id"]
            acks.messages[data["message_id"]] = (data["ticket_id"], owner.user_id, body["message"])

        deadline = time.perf_counter() + duration

        def stop() -> bool:
            if operations:
                return acks.sent >= operations
            return time.perf_counter() >= deadline

        client.stats = stats = Stats()
        stats.start()
        await asyncio.gather(
            *(open_tickets(client, c, acks, stop, tag) for c in customers),
            *(post_messages(client, a, pool, acks, stop, tag) for a in agents),
        )
        stats.stop()
    finally:
        await client.close()
    print(
        f"\n### Writes, C = {concurrency} ({len(customers)} opening tickets, {len(agents)} "
        f"replying into {POOL} shared tickets), {stats.wall:.1f} s\n"
    )
    print(markdown(stats.rows("all writes")))
    for error in stats.error_samples:
        print(f"- error: {error}")
    problems = verify(server, acks, tag)
    print(
        "Check passed: nothing lost, nothing doubled, numbers unique."
        if not problems
        else "Check FAILED:\n" + "\n".join(f"- {p}" for p in problems[:20])
    )
    return 1 if problems else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of writing")
    parser.add_argument("--operations", type=int, default=0, help="stop after N writes instead")
    parser.add_argument("--workers", type=int, default=2, help="frontdesk serve --workers")
    parser.add_argument("--threads", type=int, help="frontdesk serve --threads (default: its own)")
    args = parser.parse_args()
    database = os.environ.get("DATABASE_URL")
    with served(workers=args.workers, threads=args.threads, database_url=database) as server:
        code = asyncio.run(run(server, args.concurrency, args.duration, args.operations))
    print(
        f"database: {'SQLite' if not database else database.split('@')[-1]}; "
        f"workers: {args.workers}, threads: {args.threads or 'default'}; "
        f"load average: {os.getloadavg()[0]:.2f}"
    )
    raise SystemExit(code)


if __name__ == "__main__":
    main()
