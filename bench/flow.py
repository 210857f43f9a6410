"""The SupportMe story under load: requests a second and latency per endpoint of the SupportMe
API, with C customers and a few agents working at once, and the server's peak memory.

    .venv/bin/python bench/flow.py --concurrency 1 8 32 [--duration 20] [--workers 2] [--pin]
    .venv/bin/python bench/flow.py --base-url http://127.0.0.1:8000 [--server-pid PID]
    .venv/bin/python bench/flow.py --peer [PATH] [--rounds 3] [--concurrency 32] [--peer-only]

Without ``--base-url`` each concurrency level gets its own ``frontdesk serve --workers N`` on a
fresh temporary data directory (SQLite, or DATABASE_URL), rate limits off. With it, run this
under the server's environment (FRONTDESK_DATA_DIR or DATABASE_URL, rate limits raised): the
agents are promoted through ``frontdesk shell`` on the same database. Per level:

- phase 1, password hashing: C customers each register, log in and update their profile (the
  endpoints that run Argon2id), all at once;
- phase 2, the story without hashing, for ``--duration`` seconds: each customer opens a ticket,
  posts messages, lists its open tickets, reads the ticket and its messages, closes it after a
  few messages or reopens it when an agent closed it; A agents (1, 2, 4 for C = 1, 8, 32) take
  the oldest unclaimed tickets, claim, read, reply, close, and sometimes reopen and close again.
  Customers close their own tickets too, so the unclaimed queue stays below C tickets.

Reports count, errors, req/s and p50/p95/p99 per endpoint (a claim that lost to another agent
or a close of a ticket just closed is counted as a race, not an error), the CPU the client and
the server used, and the peak RSS and USS of each server process (psutil, every 0.2 s). One
aiohttp session; connections limited to C + A. ``--pin`` puts the server on core 0 and this
client on core 1. ``--json FILE`` writes everything.

``--peer`` sets Frontdesk side by side with the seed's design (a rebuild kept outside the
project, by default in ../shared/peers/supportme): it is copied into a temporary directory
with a virtual environment of its own and served by gunicorn, 2 sync workers, ``--preload``,
on a fresh data.db, its agents promoted with its own tools/promote.py. Each round runs the
seed's design, ``frontdesk serve`` as ``make run`` starts it (one process) and ``frontdesk
serve --workers 2`` (``--workers`` chooses), each pinned to core 0 with this client on core 1,
at C = 32 unless told. Printed: a table per server (req/s; p50/p95/p99 of the whole phase 2,
posting a message, opening a ticket, !claim, !close) and Frontdesk / seed design for req/s and
p95, round by round and their median.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import string
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from _peer import DEFAULT_PATH as DEFAULT_PEER
from _peer import peer_install, peer_served
from _server import (
    PASSWORD,
    Account,
    Client,
    CpuMeter,
    Endpoint,
    ProcessSampler,
    Server,
    Stats,
    make_agents,
    markdown,
    pin_client,
    served,
)
from _side_by_side import ratio_table, ratios, server_table

HASHING = ("register", "login", "POST /profile")
ALREADY = ("already open", "already closed", "already been claimed", "already claimed")


def agents_for(concurrency: int) -> int:
    return max(1, min(4, concurrency // 4))


async def sign_up(client: Client, username: str) -> Account | None:
    account = await client.register(username)
    if account is None:
        return None
    await client.login(account)
    body = {"new_password": "", "old_password": PASSWORD, "profile_icon": "/profile-icons/red.png"}
    await client.call("POST /profile", "POST", "/profile", body, account.token)
    return account


async def command(client: Client, account: Account, ticket: int, word: str) -> int:
    status, _ = await client.call(
        f"POST /ticket/<id> {word}",
        "POST",
        f"/ticket/{ticket}",
        {"message": word},
        account.token,
        race_texts=ALREADY,
    )
    return status


async def customer(client: Client, me: Account, deadline: float, rng: random.Random) -> None:
    token, ticket, posted, turn = me.token, 0, 0, 0
    while time.perf_counter() < deadline:
        turn += 1
        if not ticket:
            body = {
                "ticket_title": f"Printer on floor {turn} is out of toner",
                "message": "The printer on our floor is out of toner again, can you help?",
            }
            status, data = await client.call("POST /ticket/new", "POST", "/ticket/new", body, token)
            if status != 200:
                await asyncio.sleep(0.05)
                continue
            ticket, posted = data["ticket_id"], 1
        else:
            body = {"message": f"Any news on this one? This is message {turn}."}
            await client.call("POST /ticket/<id> message", "POST", f"/ticket/{ticket}", body, token)
            posted += 1
        await client.call(
            "GET /get-open-tickets", "GET", f"/get-open-tickets/{me.user_id}", None, token
        )
        status, data = await client.call(
            "GET /get-ticket", "GET", f"/get-ticket/{ticket}", None, token
        )
        await client.call("GET /get-messages", "GET", f"/get-messages/{ticket}", None, token)
        if status == 200 and data["ticket_data"]["closed_at"] != -1:  # an agent closed it
            if rng.random() < 0.25:
                await command(client, me, ticket, "!open")
                posted = 0
            else:
                ticket = 0
        elif posted >= 4:
            await command(client, me, ticket, "!close")
            ticket = 0
        if turn % 10 == 0:
            path = f"/get-closed-tickets/{me.user_id}"
            await client.call("GET /get-closed-tickets", "GET", path, None, token)
            await client.call("GET /get-profile", "GET", f"/get-profile/{me.user_id}", None, token)


async def agent(client: Client, me: Account, deadline: float, rng: random.Random) -> None:
    token = me.token
    while time.perf_counter() < deadline:
        path = "/get-unclaimed-tickets"
        status, data = await client.call("GET /get-unclaimed-tickets", "GET", path, None, token)
        queue = data.get("tickets", []) if status == 200 else []
        if not queue:
            await asyncio.sleep(0.01)
            continue
        ticket = rng.choice(queue[:4])["ticket_id"]
        if await command(client, me, ticket, "!claim") != 200:
            continue
        await client.call("GET /get-messages", "GET", f"/get-messages/{ticket}", None, token)
        body = {"message": "Thanks for telling us, a new cartridge is on its way."}
        await client.call("POST /ticket/<id> message", "POST", f"/ticket/{ticket}", body, token)
        await command(client, me, ticket, "!close")
        if rng.random() < 0.2:
            await command(client, me, ticket, "!open")
            await command(client, me, ticket, "!close")


def merged(first: Stats, second: Stats) -> Stats:
    both = Stats()
    for stats in (first, second):
        for name, endpoint in stats.endpoints.items():
            target = both.endpoints.setdefault(name, Endpoint())
            target.latencies += endpoint.latencies
            target.errors += endpoint.errors
            target.races += endpoint.races
    both.started, both.ended = 0.0, first.wall + second.wall
    return both


def sample_flames(sampler: ProcessSampler, folder: Path, tag: str, seconds: float) -> list[Any]:
    """py-spy (the ``bench`` extra) on each server process but the main one, for ``seconds``:
    where its CPU goes (the threads holding the interpreter lock), one flame graph each,
    ``<folder>/flow-<process>-<tag>.svg``."""
    spy = Path(sys.executable).parent / "py-spy"
    folder.mkdir(parents=True, exist_ok=True)
    samplers: list[Any] = []
    seen: Counter[str] = Counter()
    for process in sampler._tree()[1:]:
        label = sampler._label(process).replace(" ", "-")
        seen[label] += 1
        name = f"flow-{label}{'' if seen[label] == 1 else seen[label]}-{tag}.svg"
        command = [str(spy), "record", "--pid", str(process.pid), "--gil", "--rate", "250"]
        command += ["--duration", str(int(seconds)), "--function", "--format", "flamegraph"]
        command += ["-o", str(folder / name)]
        samplers.append(
            subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        )
    return samplers


async def run_level(
    server: Server, concurrency: int, duration: float, flame: tuple[Path, str] | None = None
) -> dict[str, Any]:
    tag = "".join(random.choices(string.ascii_lowercase, k=4)) + str(concurrency)
    n_agents = agents_for(concurrency)
    client = Client(server.base_url, connections=concurrency + n_agents)
    sampler = ProcessSampler(server.pid)
    sampler.start()
    try:
        staff = [await client.register(f"{tag}a{i}") for i in range(n_agents)]
        agents = [a for a in staff if a is not None]
        if server.promote is not None:
            server.promote(agents)
        else:
            make_agents(server.env, [a.username for a in agents])
        for account in agents:  # a token may carry the role it was made with (the seed's do)
            await client.login(account)

        hashing = client.stats = Stats()
        hashing.start()
        signed_up = await asyncio.gather(
            *(sign_up(client, f"{tag}c{i}") for i in range(concurrency))
        )
        hashing.stop()
        customers = [c for c in signed_up if c is not None]

        flow = client.stats = Stats()
        client_cpu, server_cpu = CpuMeter(), sampler.cpu_now()
        client_cpu.start()
        flow.start()
        deadline = time.perf_counter() + duration
        rng = random.Random(concurrency)
        flames = sample_flames(sampler, *flame, min(10.0, duration)) if flame else []
        await asyncio.gather(
            *(customer(client, c, deadline, rng) for c in customers),
            *(agent(client, a, deadline, rng) for a in agents),
        )
        flow.stop()
        for spy in flames:
            spy.wait()
        client_cpu.stop()
        server_cpu_end = sampler.cpu_now()
        load_average = os.getloadavg()[0]
    finally:
        await client.close()
        sampler.stop()
    return {
        "concurrency": concurrency,
        "agents": len(agents),
        "hashing": hashing.rows("all hashing (phase 1)"),
        "flow": flow.rows("all without hashing (phase 2)"),
        "all": merged(hashing, flow).rows("all")[-1],
        "errors": hashing.error_samples + flow.error_samples,
        "client_cpu_pct": 100 * client_cpu.seconds / flow.wall,
        "server_cpu_pct": (
            100 * (sum(server_cpu_end.values()) - sum(server_cpu.values())) / flow.wall
            if server.pid
            else None
        ),
        "rss": sampler.report(server_cpu, server_cpu_end, flow.wall),
        "load_average": load_average,
    }


def show(result: dict[str, Any]) -> None:
    workers = f", {result['workers']} server processes" if result["workers"] else ""
    print(f"\n### C = {result['concurrency']} customers, {result['agents']} agents{workers}\n")
    print("Phase 1 — password hashing (register, log in, profile update, all at once):\n")
    print(markdown(result["hashing"]))
    print("\nPhase 2 — the story without hashing:\n")
    print(markdown([*result["flow"], result["all"]]))
    server_cpu = result["server_cpu_pct"]
    print(
        f"\nCPU during phase 2 (100% = one core): client {result['client_cpu_pct']:.0f}%"
        + ("" if server_cpu is None else f", server {server_cpu:.0f}%")
    )
    for sample in result["rss"]:
        print(
            f"- {sample['process']} (pid {sample['pid']}): peak RSS {sample['peak_rss_mb']:.0f} MB"
            f", peak USS {sample['peak_uss_mb']:.0f} MB, CPU in phase 2 {sample['cpu_pct']:.0f}%"
        )
    for error in result["errors"]:
        print(f"- error: {error}")


def row_of(rows: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next((r for r in rows if r["endpoint"] == name), {"p95_ms": 0.0})


def summary(results: list[dict[str, Any]]) -> None:
    print("\n### Summary\n")
    print(
        "| C | workers | flow req/s (no hashing) | flow p95 | flow errors | login p95 | "
        "register p95 | peak RSS per web worker | client CPU | server CPU |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        flow = r["flow"][-1]
        workers = [s["peak_rss_mb"] for s in r["rss"] if s["process"] == "web worker"]
        rss = f"{max(workers):.0f} MB" if workers else "-"
        server = "-" if r["server_cpu_pct"] is None else f"{r['server_cpu_pct']:.0f}%"
        print(
            f"| {r['concurrency']} | {r['workers'] or '?'} | {flow['rps']:.0f} | "
            f"{flow['p95_ms']:.1f} ms | "
            f"{flow['errors']} | {row_of(r['hashing'], 'login')['p95_ms']:.0f} ms | "
            f"{row_of(r['hashing'], 'register')['p95_ms']:.0f} ms | {rss} | "
            f"{r['client_cpu_pct']:.0f}% | {server} |"
        )


@dataclass
class Contender:
    label: str
    start: Callable[[], AbstractContextManager[Server]]
    is_peer: bool = False


def contenders(args: argparse.Namespace, peer_app: Path | None) -> list[Contender]:
    """The seed's design, then Frontdesk as `make run` starts it (one process) and with
    ``--workers 2``; each server on core 0."""
    out = []
    if peer_app is not None:
        out.append(
            Contender(
                f"seed design (gunicorn, {args.peer_workers} sync workers, --preload)",
                partial(
                    peer_served,
                    peer_app,
                    workers=args.peer_workers,
                    core=0,
                    close_bug=args.peer_close_bug,
                ),
                is_peer=True,
            )
        )
    if not args.peer_only:
        for workers in args.workers or [1, 2]:
            label = (
                "frontdesk serve (one process, as make run)"
                if workers == 1
                else (f"frontdesk serve --workers {workers}")
            )
            start = partial(
                served,
                workers=workers,
                threads=args.threads,
                database_url=os.environ.get("DATABASE_URL"),
                core=0,
            )
            out.append(Contender(label, start))
    return out


def side_by_side(args: argparse.Namespace) -> None:
    """Each round runs every contender once, one after the other, at each concurrency."""
    pin_client(1)
    report: dict[str, Any] = {"args": {**vars(args), "peer": str(args.peer)}, "levels": []}
    with peer_install(args.peer) as peer_app:
        entrants = contenders(args, peer_app)
        for concurrency in args.concurrency:
            runs: dict[str, list[dict[str, Any]]] = {c.label: [] for c in entrants}
            for number in range(1, args.rounds + 1):
                for contender in entrants:
                    print(f"C = {concurrency}, round {number}: {contender.label}", flush=True)
                    with contender.start() as server:
                        result = asyncio.run(run_level(server, concurrency, args.duration))
                    runs[contender.label].append({"server": contender.label, **result})
                    for error in result["errors"]:
                        print(f"- error: {error}")
            report["levels"].append(show_side_by_side(entrants, runs, concurrency, args))
    if args.json:
        with open(args.json, "w") as out:
            json.dump(report, out, indent=2)


def show_side_by_side(
    entrants: list[Contender],
    runs: dict[str, list[dict[str, Any]]],
    concurrency: int,
    args: argparse.Namespace,
) -> dict[str, Any]:
    agents = agents_for(concurrency)
    print(
        f"\n### C = {concurrency} customers + {agents} agents, phase 2 (no hashing), "
        f"{args.duration:.0f} s per run, {args.rounds} rounds; server on core 0, client on core 1\n"
    )
    for contender in entrants:
        print(server_table(contender.label, runs[contender.label]) + "\n")
    peer = next((c.label for c in entrants if c.is_peer), None)
    compared = []
    if peer is not None:
        compared = [(c.label, ratios(runs[peer], runs[c.label])) for c in entrants if not c.is_peer]
    if compared:
        print(ratio_table(compared) + "\n")
    loads = [r["load_average"] for results in runs.values() for r in results]
    print(
        f"load average (1 min) at the end of each run: {min(loads):.1f} to {max(loads):.1f}; "
        f"peer's !close: {'original bug' if args.peer_close_bug else 'fixed'}"
    )
    return {
        "concurrency": concurrency,
        "agents": agents,
        "runs": runs,
        "ratios": dict(compared),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", type=int, nargs="+", help="default: 1 8 32; --peer: 32")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of phase 2")
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        help="frontdesk serve --workers, one run each (default: 2; with --peer: 1 2)",
    )
    parser.add_argument("--threads", type=int, help="frontdesk serve --threads (default: its own)")
    parser.add_argument("--pin", action="store_true", help="server on core 0, client on core 1")
    parser.add_argument(
        "--base-url",
        help="an already running server; run under its environment (agents are promoted "
        "through `frontdesk shell` on the same database)",
    )
    parser.add_argument("--server-pid", type=int, help="with --base-url: sample its RSS/CPU")
    parser.add_argument("--json", help="write the results to this file")
    parser.add_argument(
        "--flame",
        metavar="DIR",
        type=Path,
        help="py-spy each server process for the first 10 s of phase 2: DIR/flow-<process>-"
        "<tag>.svg (one concurrency level)",
    )
    parser.add_argument("--tag", default="now", help="suffix of the flame graphs' file names")
    parser.add_argument(
        "--peer",
        nargs="?",
        type=Path,
        const=DEFAULT_PEER,
        help="also run the seed's design from this folder (default: ../shared/peers/supportme "
        "beside the repository), side by side, pinned as with --pin",
    )
    parser.add_argument("--peer-only", action="store_true", help="with --peer: no Frontdesk")
    parser.add_argument("--rounds", type=int, default=1, help="with --peer: alternating rounds")
    parser.add_argument("--peer-workers", type=int, default=2, help="the peer's gunicorn -w")
    parser.add_argument(
        "--peer-close-bug",
        action="store_true",
        help="run the peer's '!close' as the seed wrote it (fails every time; default: fixed)",
    )
    args = parser.parse_args()
    if args.peer_only and args.peer is None:
        args.peer = DEFAULT_PEER
    if args.peer is not None:
        if args.base_url:
            parser.error("--peer starts its own servers: leave out --base-url")
        args.concurrency = args.concurrency or [32]
        side_by_side(args)
        return
    args.concurrency = args.concurrency or [1, 8, 32]
    args.workers = args.workers or [2]

    pin_client(1 if args.pin else None)
    results = []
    for concurrency in args.concurrency:
        for workers in [None] if args.base_url else args.workers:
            if workers is None:
                server = Server(args.base_url, dict(os.environ), args.server_pid)
                context: Any = nullcontext(server)
            else:
                context = served(
                    workers=workers,
                    threads=args.threads,
                    database_url=os.environ.get("DATABASE_URL"),
                    core=0 if args.pin else None,
                )
            with context as server:
                flame = (args.flame, args.tag) if args.flame else None
                result = asyncio.run(run_level(server, concurrency, args.duration, flame))
            results.append({"workers": workers, **result})
            show(results[-1])
    summary(results)
    print(
        f"\nworkers: {'?' if args.base_url else ' / '.join(map(str, args.workers))}, "
        f"threads: {args.threads or 'default'}; "
        f"pinned: {'server core 0, client core 1' if args.pin else 'no'}; "
        f"phase 2: {args.duration:.0f} s; load average: {os.getloadavg()[0]:.2f}"
    )
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"args": vars(args), "results": results}, out, indent=2)


if __name__ == "__main__":
    main()
