"""SQLite writers in one process: ordered turns (frontdesk.core.sqlite) against Django's own
backend, where waiting writers sleep in SQLite's busy handler.

    .venv/bin/python bench/sqlite_writers.py [--threads 16] [--seconds 6] [--rounds 2]

Each thread plays a request: some CPU outside the transaction (about 1.5 ms), then a write
transaction with a little CPU inside (one INSERT, about 0.5 ms). Run pinned to one core
(``taskset -c 0``) to see the interpreter's lock at work as in a server process. Each round runs
both backends, each in a fresh process and a fresh database; prints transactions a second and
the transaction's latency (its wait for a turn included).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i
    return total


def run_one(backend: str, threads: int, seconds: float) -> str:
    os.environ["FRONTDESK_DATA_DIR"] = tempfile.mkdtemp(prefix="fd-bench-writers-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "frontdesk.settings"
    import frontdesk.settings as frontdesk_settings

    if backend == "busy-handler":
        frontdesk_settings.DATABASES["default"]["ENGINE"] = "django.db.backends.sqlite3"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from frontdesk.tickets.models import Tag

    call_command("migrate", verbosity=0)
    latencies: list[float] = []
    lock = threading.Lock()

    def writer(k: int) -> None:
        stop = time.monotonic() + seconds
        i = 0
        while time.monotonic() < stop:
            _spin(30_000)
            started = time.perf_counter()
            with transaction.atomic():
                Tag.objects.create(name=f"t{k}-{i}")
                _spin(10_000)
            with lock:
                latencies.append(time.perf_counter() - started)
            i += 1
        connection.close()

    workers = [threading.Thread(target=writer, args=(k,)) for k in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    latencies.sort()
    n = len(latencies)
    return (
        f"| {backend} | {n / seconds:.0f} | {latencies[n // 2] * 1000:.1f} | "
        f"{latencies[int(n * 0.95)] * 1000:.1f} | {latencies[int(n * 0.99)] * 1000:.1f} | "
        f"{latencies[-1] * 1000:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a child process: one backend
    args = parser.parse_args()
    if args.one:
        print(run_one(args.one, args.threads, args.seconds))
        return
    print(f"\n{args.threads} threads, {args.seconds:.0f} s per run\n")
    print("| backend | transactions/s | p50 ms | p95 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for _ in range(args.rounds):
        for backend in ("ordered turns", "busy-handler"):
            child = [sys.executable, __file__, "--one", backend]
            child += ["--threads", str(args.threads), "--seconds", str(args.seconds)]
            print(subprocess.run(child, check=True, capture_output=True, text=True).stdout.strip())
    print(f"\nload average: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
