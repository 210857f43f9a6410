"""Live updates across two app processes: N browsers listening, M messages posted; the time
from each message's POST to its ``event: message`` frame at every listener.

    .venv/bin/python bench/live.py [--listeners 200] [--messages 50] [--interval 0.2]
    .venv/bin/python bench/live.py --sqlite --mode wsgi --threads 256

Makes a fresh PostgreSQL database (dropped afterwards; or SQLite with --sqlite) and a Redis
prefix of its own, migrates, and starts the production profile's two app processes:
``frontdesk serve --no-worker --port A`` and ``... --port B --live-port L``, rate limits off.
One customer opens a ticket; agents are made with ``frontdesk setrole``. Each user signs in
once through the /login form; its session cookie serves several listeners, spread over the
ticket's stream (``/live/events?ticket=ID``) and the staff stream (``/live/events``). The
customer then posts M messages through process A (SupportMe ``POST /ticket/<id>``, bearer
token), one every --interval seconds, while every listener records when each ``message``
frame arrives (frames carry no message id: the k-th frame answers the k-th POST).

Two modes, each with fresh listeners on the same servers: ``live`` puts them on the async
live endpoint (port L, the production profile), ``wsgi`` on process B's threaded stream.
For each: latency p50/p95/p99/max over every (message, listener) pair, the time until the
last listener had each message, frames missing, and the serving processes' RSS and CPU.
A mode lasts about M x --interval seconds, well inside a stream's lifetime
(FRONTDESK_LIVE_STREAM_SECONDS, 300 s), so no listener reconnects.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import psutil
import psycopg
import redis
from _server import (
    FRONTDESK,
    LOAD_TEST_ENV,
    PASSWORD,
    _show_first_traceback,
    free_port,
    percentile,
    wait_ready,
)

POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"
FOREVER = aiohttp.ClientTimeout(total=None, sock_read=None)


# --- the two app processes ----------------------------------------------------------------


@dataclass
class Profile:
    env: dict[str, str]
    app_a: str  # WSGI process A: the messages are posted here
    app_b: str  # WSGI process B: its threaded stream is mode "wsgi"
    live: str  # the async live endpoint that B starts: mode "live"
    pid_a: int
    pid_b: int


@contextmanager
def database(sqlite: bool) -> Iterator[str | None]:
    """A fresh PostgreSQL database's URL, dropped afterwards (None: SQLite in the data dir)."""
    if sqlite:
        yield None
        return
    name = f"fd_bench_live_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def two_processes(database_url: str | None, threads: int | None) -> Iterator[Profile]:
    prefix = f"fdbenchlive{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="fd-bench-live-") as data_dir:
        env = {**os.environ, **LOAD_TEST_ENV, "FRONTDESK_DATA_DIR": data_dir}
        env |= {"REDIS_URL": REDIS_URL, "FRONTDESK_REDIS_PREFIX": prefix}
        env.pop("DATABASE_URL", None)
        if database_url:
            env["DATABASE_URL"] = database_url
        subprocess.run([FRONTDESK, "migrate", "-v0"], env=env, check=True)
        port_a, port_b, port_live = free_port(), free_port(), free_port()
        serve = [str(FRONTDESK), "serve", "--no-migrate", "--no-worker", "--port"]
        b_extra = ["--live-port", str(port_live)] + (["--threads", str(threads)] * bool(threads))
        commands = [[*serve, str(port_a)], [*serve, str(port_b), *b_extra]]
        urls = [f"http://127.0.0.1:{p}" for p in (port_a, port_b, port_live)]
        processes, logs = [], []
        try:
            # One after the other, so each one's log shows its own start.
            for n, command in enumerate(commands):
                logs.append(Path(data_dir) / f"serve-{'ab'[n]}.log")
                with logs[-1].open("wb") as out:
                    processes.append(
                        subprocess.Popen(
                            command,
                            env=env,
                            stdout=out,
                            stderr=subprocess.STDOUT,
                            start_new_session=True,
                        )
                    )
                wait_ready(urls[n] + "/login", processes[n], logs[n], timeout=120)
            wait_ready(urls[2] + "/live/events", processes[1], logs[1], timeout=120)
            a, b, live = urls
            yield Profile(env, a, b, live, processes[0].pid, processes[1].pid)
        finally:
            for process in processes:
                process.send_signal(signal.SIGINT)
            for process in processes:
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
            for log in logs:
                if "Traceback" in (text := log.read_text(errors="replace")):
                    print(f"\n{log.name}:", end="")
                    _show_first_traceback(text)
            store = redis.Redis.from_url(REDIS_URL)
            for key in store.scan_iter(f"*{prefix}*"):
                store.delete(key)


# --- the serving processes' memory and CPU ------------------------------------------------


def process_groups(profile: Profile) -> dict[str, list[psutil.Process]]:
    """A's tree; B's WSGI tree; the live endpoint (``serve-live`` and its worker)."""
    a = psutil.Process(profile.pid_a)
    groups: dict[str, list[psutil.Process]] = {"A (WSGI)": [a, *a.children(recursive=True)]}
    b = psutil.Process(profile.pid_b)
    groups["B (WSGI)"], groups["live endpoint"] = [b], []
    for child in b.children():
        tree = [child, *child.children(recursive=True)]
        groups["live endpoint" if "serve-live" in child.cmdline() else "B (WSGI)"] += tree
    return groups


@dataclass
class Usage:
    rss: float  # MiB
    cpu: float  # seconds
    threads: int


def usage(groups: dict[str, list[psutil.Process]]) -> dict[str, Usage]:
    result = {}
    for name, processes in groups.items():
        rss = cpu = threads = 0.0
        for process in processes:
            with process.oneshot():
                rss += process.memory_info().rss / 2**20
                times = process.cpu_times()
                cpu += times.user + times.system
                threads += process.num_threads()
        result[name] = Usage(rss, cpu, int(threads))
    return result


# --- the browsers -------------------------------------------------------------------------


async def sign_in(base: str, username: str) -> str:
    """Sign in through the login form, as a browser does; the Cookie header to send."""
    jar = aiohttp.CookieJar(unsafe=True)  # unsafe: keep cookies for an IP address
    async with aiohttp.ClientSession(cookie_jar=jar) as session:
        async with session.get(base + "/login") as page:
            csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', await page.text())
        assert csrf is not None, "no CSRF token on /login"
        form = {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": csrf[1]}
        async with session.post(base + "/login", data=form) as landed:
            assert landed.url.path == "/home", f"{username} did not sign in: {landed.url}"
    return "; ".join(f"{c.key}={c.value}" for c in jar)


@dataclass
class Listener:
    path: str
    cookie: str
    arrivals: list[float] = field(default_factory=list)
    opened: bool = False  # the server answered 200 and subscribed it
    error: str = ""


async def listen(
    session: aiohttp.ClientSession, base: str, me: Listener, opened: asyncio.Event
) -> None:
    """Hold the stream open; note when each ``message`` frame arrives."""
    try:
        async with session.get(base + me.path, headers={"Cookie": me.cookie}) as response:
            if response.status != 200:
                me.error = f"HTTP {response.status}"
                return
            await response.content.readline()  # "retry: 1000": subscribed by now
            me.opened = True
            opened.set()
            async for line in response.content:
                if line == b"event: message\n":
                    me.arrivals.append(time.perf_counter())
            me.error = "stream ended"
    except asyncio.CancelledError:
        me.error = me.error or ("" if me.opened else "not open after 30 s")
        raise
    except aiohttp.ClientError as exc:
        me.error = repr(exc)
    finally:
        opened.set()


# --- one mode -----------------------------------------------------------------------------


@dataclass
class Setup:
    ticket: int
    token: str  # the customer's bearer token
    cookies: list[str]  # one signed-in session per user; the customer's first


async def make_users(profile: Profile, agents: int) -> Setup:
    async with aiohttp.ClientSession(profile.app_a) as api:
        names = ["customer"] + [f"agent{n}" for n in range(agents)]
        for name in names:
            body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
            async with api.post("/register", json=body) as response:
                assert response.status == 200, await response.text()
        setroles = [
            await asyncio.create_subprocess_exec(
                FRONTDESK,
                "setrole",
                name,
                "agent",
                env=profile.env,
                stdout=asyncio.subprocess.DEVNULL,
            )
            for name in names[1:]
        ]
        assert all([await p.wait() == 0 for p in setroles]), "frontdesk setrole failed"
        login = {"username": "customer", "password": PASSWORD}
        async with api.post("/login", json=login) as response:
            token = (await response.json())["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        body = {"ticket_title": "Live benchmark", "message": "Who hears this?"}
        async with api.post("/ticket/new", json=body, headers=auth) as response:
            ticket = (await response.json())["ticket_id"]
    cookies = [await sign_in(profile.app_a, name) for name in names]
    return Setup(ticket, token, cookies)


@dataclass
class Result:
    latencies: list[float]  # every (message, listener) pair, seconds
    last: list[float]  # per message: until the last listener had it
    refused: int  # listeners whose stream did not open
    missing: int  # frames the open listeners did not get
    extra: int
    errors: list[str]
    connect_seconds: float
    post_p50: float
    before: dict[str, Usage]
    open_: dict[str, Usage]
    after: dict[str, Usage]
    window: float  # seconds of posting, for CPU %


async def run_mode(
    profile: Profile, setup: Setup, base: str, listeners: int, messages: int, interval: float
) -> Result:
    groups = process_groups(profile)
    before = usage(groups)
    crowd = [
        Listener(
            f"/live/events?ticket={setup.ticket}" if n % 2 == 0 else "/live/events",
            setup.cookies[n % len(setup.cookies)],
        )
        for n in range(listeners)
    ]
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    cookieless = aiohttp.DummyCookieJar()
    async with (
        aiohttp.ClientSession(connector=connector, cookie_jar=cookieless, timeout=FOREVER) as s,
        aiohttp.ClientSession(profile.app_a) as api,
    ):
        started = time.perf_counter()
        opened = [asyncio.Event() for _ in crowd]
        tasks = [
            asyncio.create_task(listen(s, base, me, ev))
            for me, ev in zip(crowd, opened, strict=True)
        ]
        waits = [asyncio.create_task(ev.wait()) for ev in opened]
        _, pending = await asyncio.wait(waits, timeout=30)  # then go on with those open
        for wait in pending:
            wait.cancel()
        connect_seconds = time.perf_counter() - started
        await asyncio.sleep(1)  # let the server settle after the connection burst
        open_ = usage(groups)
        auth = {"Authorization": f"Bearer {setup.token}"}
        sent: list[float] = []
        posts: list[float] = []
        for k in range(messages):
            sent.append(time.perf_counter())
            body = {"message": f"Message {k} to {len(crowd)} listeners"}
            async with api.post(f"/ticket/{setup.ticket}", json=body, headers=auth) as response:
                assert response.status == 200, await response.text()
            posts.append(time.perf_counter() - sent[-1])
            await asyncio.sleep(max(0.0, sent[-1] + interval - time.perf_counter()))
        deadline = time.perf_counter() + 10
        while time.perf_counter() < deadline and any(len(me.arrivals) < messages for me in crowd):
            await asyncio.sleep(0.05)
        window = time.perf_counter() - sent[0]
        after = usage(groups)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    heard = [me for me in crowd if me.opened]
    latencies = [t - sent[k] for me in heard for k, t in enumerate(me.arrivals[:messages])]
    last = [
        max(me.arrivals[k] for me in heard) - sent[k]
        for k in range(messages)
        if heard and all(len(me.arrivals) > k for me in heard)
    ]
    return Result(
        latencies=sorted(latencies),
        last=sorted(last),
        refused=len(crowd) - len(heard),
        missing=sum(max(0, messages - len(me.arrivals)) for me in heard),
        extra=sum(max(0, len(me.arrivals) - messages) for me in heard),
        errors=[me.error for me in crowd if me.error],
        connect_seconds=connect_seconds,
        post_p50=percentile(sorted(posts), 0.5),
        before=before,
        open_=open_,
        after=after,
        window=window,
    )


# --- the report ---------------------------------------------------------------------------


def report(mode: str, result: Result, listeners: int, messages: int) -> None:
    ms = [x * 1000 for x in result.latencies]
    last = [x * 1000 for x in result.last]
    print(f"\n### mode {mode}: {listeners} listeners, {messages} messages")
    print(
        f"connect: {listeners - result.refused} of {listeners} streams open after "
        f"{result.connect_seconds:.2f} s; "
        f"POST /ticket/<id> p50 {result.post_p50 * 1000:.1f} ms"
    )
    print(
        f"streams not opened: {result.refused}; (message, listener) pairs: {len(ms)} received, "
        f"{result.missing} missing, {result.extra} extra"
    )
    if result.errors:
        print(f"listener errors: {len(result.errors)}, e.g. {sorted(set(result.errors))}")
    print("| | p50 | p95 | p99 | max |\n|---|---:|---:|---:|---:|")
    print(
        f"| message → every listener (ms) | {percentile(ms, 0.5):.1f} | "
        f"{percentile(ms, 0.95):.1f} | {percentile(ms, 0.99):.1f} | {max(ms, default=0):.1f} |"
    )
    print(
        f"| message → last listener (ms) | {percentile(last, 0.5):.1f} | "
        f"{percentile(last, 0.95):.1f} | {percentile(last, 0.99):.1f} | "
        f"{max(last, default=0):.1f} |"
    )
    print(
        "\n| process | RSS before | RSS with listeners | threads before → open | "
        "CPU while posting |\n|---|---:|---:|---:|---:|"
    )
    for name, before in result.before.items():
        opened, after = result.open_[name], result.after[name]
        cpu = (after.cpu - opened.cpu) / result.window * 100
        print(
            f"| {name} | {before.rss:.0f} MiB | {after.rss:.0f} MiB | "
            f"{before.threads} → {opened.threads} | {cpu:.0f} % of a core |"
        )


async def run(profile: Profile, args: argparse.Namespace) -> None:
    setup = await make_users(profile, args.agents)
    bases = {"live": profile.live, "wsgi": profile.app_b}
    for mode in ["live", "wsgi"] if args.mode == "both" else [args.mode]:
        result = await run_mode(
            profile, setup, bases[mode], args.listeners, args.messages, args.interval
        )
        report(mode, result, args.listeners, args.messages)
        await asyncio.sleep(2)  # the streams just closed: let the servers notice


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listeners", type=int, default=200)
    parser.add_argument("--messages", type=int, default=50)
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between POSTs")
    parser.add_argument("--agents", type=int, default=9, help="signed-in agents (+1 customer)")
    parser.add_argument("--mode", choices=["live", "wsgi", "both"], default="both")
    parser.add_argument("--threads", type=int, help="frontdesk serve --threads for process B")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with database(args.sqlite) as url, two_processes(url, args.threads) as profile:
        asyncio.run(run(profile, args))
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
