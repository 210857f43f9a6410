"""What the serving benchmarks (flow.py, write.py) share: starting ``frontdesk serve`` on a
fresh data directory with the rate limits off, running Django code against the same database,
a SupportMe API client that times every call, per-process memory and CPU sampling, and the
tables.
"""

from __future__ import annotations

import base64
import io
import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import psutil

FRONTDESK = Path(sys.executable).parent / "frontdesk"

# A load test is hundreds of sign-ups from one address: every limit off ("0/…" or 0).
LOAD_TEST_ENV = {
    "FRONTDESK_RATE_REGISTER_IP": "0/hour",
    "FRONTDESK_RATE_SIGN_IN_IP": "0/minute",
    "FRONTDESK_RATE_SIGN_IN_USERNAME": "0/minute",
    "FRONTDESK_RATE_TICKET_OPEN": "0/hour",
    "FRONTDESK_RATE_API": "0/minute",
    # Replies per customer (30/minute by default): at a few hundred requests a second each of
    # the flow's customers posts more often than that.
    "FRONTDESK_RATE_REPLY": "0/minute",
    "FRONTDESK_MAX_OPEN_TICKETS": "0",
    "LOG_LEVEL": "WARNING",
}
PASSWORD = "bench-password-1"


# --- the server ---------------------------------------------------------------------------


@dataclass
class Server:
    base_url: str
    env: dict[str, str]  # environment under which `frontdesk` commands see the same database
    pid: int | None  # the serve process, when known: its tree is sampled for RSS and CPU
    # Makes these accounts agents; None: Django's user_set_role through `frontdesk shell`.
    promote: Callable[[list[Account]], None] | None = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    """Until ``url`` answers (any HTTP status counts); exit with the log if the process
    stops or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the server exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"{url} did not answer within {timeout:.0f} s:\n{log.read_text()}")


def wsgi_environ(
    method: str, path: str, *, body: bytes = b"", headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """The WSGI environ a server would give Django for this request (``path`` may carry a
    query; ``headers`` by their HTTP names), for benchmarks that call the application in
    process."""
    path, _, query = path.partition("?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
    }
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
    return environ


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ask a started ``frontdesk serve`` to stop as Ctrl+C does; kill its group if it will not."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def served(
    *,
    workers: int,
    threads: int | None = None,
    database_url: str | None = None,
    core: int | None = None,
) -> Iterator[Server]:
    """Run ``frontdesk serve --workers N [--threads T]`` on a fresh temporary data directory
    (SQLite there, or ``database_url``), pinned to CPU ``core`` if given, until the block
    ends. Several processes share rate limits and live events through Redis: REDIS_URL
    (default redis://127.0.0.1:6379/0), with a key prefix of this run's own."""
    with tempfile.TemporaryDirectory(prefix="fd-bench-") as data_dir:
        env = {**os.environ, "FRONTDESK_DATA_DIR": data_dir, **LOAD_TEST_ENV}
        env.pop("DATABASE_URL", None)
        if database_url:
            env["DATABASE_URL"] = database_url
        if workers > 1:
            env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
            env["FRONTDESK_REDIS_PREFIX"] = f"fdbench{os.getpid()}"
        port = free_port()
        log = Path(data_dir) / "serve.log"
        command = [str(FRONTDESK), "serve", "--host", "127.0.0.1", "--port", str(port)]
        command += ["--workers", str(workers)]
        if threads:
            command += ["--threads", str(threads)]
        with log.open("wb") as out:
            process = subprocess.Popen(
                command,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=None if core is None else lambda: os.sched_setaffinity(0, {core}),
            )
        try:
            base_url = f"http://127.0.0.1:{port}"
            wait_ready(base_url + "/login", process, log, timeout=180)
            yield Server(base_url, env, process.pid)
        finally:
            stop(process)
            _show_first_traceback(log.read_text(errors="replace"))


def _show_first_traceback(log: str) -> None:
    """The server's errors go to its log in the temporary directory: show the first one."""
    start = log.find("Traceback")
    if start >= 0:
        print(f"\nThe server logged {log.count('Traceback')} tracebacks; the first:\n")
        print("\n".join(log[start:].splitlines()[:60]))


def django_run(env: dict[str, str], code: str) -> str:
    """Run Python ``code`` inside ``frontdesk shell`` (Django set up, same database); its
    standard output."""
    result = subprocess.run(
        [str(FRONTDESK), "shell", "--verbosity", "0", "--command", code],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"frontdesk shell failed:\n{result.stderr}")
    return result.stdout


def make_agents(env: dict[str, str], usernames: list[str]) -> None:
    code = (
        "from frontdesk.accounts.models import User\n"
        "from frontdesk.accounts.services import user_set_role\n"
        f"for name in {usernames!r}:\n"
        "    user_set_role(actor=None, user=User.objects.get(username__iexact=name), "
        "role='agent')\n"
    )
    django_run(env, code)


# --- timing -------------------------------------------------------------------------------


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list (0 if empty)."""
    if not ordered:
        return 0.0
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass
class Endpoint:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    races: int = 0  # expected answers to a race: a claim that lost (409), "already closed"


class Stats:
    def __init__(self) -> None:
        self.endpoints: dict[str, Endpoint] = {}
        self.error_samples: list[str] = []
        self.started = time.perf_counter()
        self.ended = self.started

    def record(self, name: str, seconds: float, *, error: str | None, race: bool) -> None:
        endpoint = self.endpoints.setdefault(name, Endpoint())
        endpoint.latencies.append(seconds)
        if race:
            endpoint.races += 1
        elif error is not None:
            endpoint.errors += 1
            if len(self.error_samples) < 10:
                self.error_samples.append(f"{name}: {error}")

    def start(self) -> None:
        self.started = time.perf_counter()

    def stop(self) -> None:
        self.ended = time.perf_counter()

    @property
    def wall(self) -> float:
        return max(self.ended - self.started, 1e-9)

    def rows(self, total_label: str) -> list[dict[str, Any]]:
        def row(name: str, points: list[Endpoint]) -> dict[str, Any]:
            ordered = sorted(x for p in points for x in p.latencies)
            return {
                "endpoint": name,
                "count": len(ordered),
                "errors": sum(p.errors for p in points),
                "races": sum(p.races for p in points),
                "rps": len(ordered) / self.wall,
                "p50_ms": percentile(ordered, 0.50) * 1000,
                "p95_ms": percentile(ordered, 0.95) * 1000,
                "p99_ms": percentile(ordered, 0.99) * 1000,
            }

        rows = [row(name, [self.endpoints[name]]) for name in sorted(self.endpoints)]
        rows.append(row(total_label, list(self.endpoints.values())))
        return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| endpoint | count | errors | races | req/s | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        name = f"**{r['endpoint']}**" if r["endpoint"].startswith("all") else r["endpoint"]
        lines.append(
            f"| {name} | {r['count']} | {r['errors']} | {r['races']} | {r['rps']:.0f} | "
            f"{r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['p99_ms']:.1f} |"
        )
    return "\n".join(lines)


# --- the SupportMe API client -------------------------------------------------------------


@dataclass
class Account:
    username: str
    token: str
    user_id: int


def token_user_id(token: str) -> int:
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return int(claims["user_id"])


class Client:
    """One aiohttp session for every simulated user; each call is timed into ``stats``."""

    def __init__(self, base_url: str, connections: int) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=connections),
            timeout=aiohttp.ClientTimeout(total=60),
        )
        self.stats = Stats()

    async def close(self) -> None:
        await self.session.close()

    async def call(
        self,
        name: str,
        method: str,
        path: str,
        body: dict[str, str] | None = None,
        token: str | None = None,
        *,
        race_texts: tuple[str, ...] = (),
    ) -> tuple[int, dict[str, Any]]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        started = time.perf_counter()
        try:
            async with self.session.request(
                method, self.base_url + path, json=body, headers=headers
            ) as response:
                status = response.status
                text = await response.text()
            try:
                data = json.loads(text)
            except ValueError:  # an error page (a server's 500) instead of JSON
                data = {"error": text[:200]}
        except (TimeoutError, aiohttp.ClientError) as exc:
            status, data = 0, {"error": repr(exc)}
        elapsed = time.perf_counter() - started
        error = None if status == 200 else f"{status} {data.get('error', data)}"
        race = error is not None and any(text in error for text in race_texts)
        self.stats.record(name, elapsed, error=error, race=race)
        return status, data if isinstance(data, dict) else {}

    async def register(self, username: str) -> Account | None:
        body = {"username": username, "email": f"{username}@example.com", "password": PASSWORD}
        status, data = await self.call("register", "POST", "/register", body)
        if status != 200:
            return None
        return Account(username, data["access_token"], token_user_id(data["access_token"]))

    async def login(self, account: Account) -> None:
        body = {"username": account.username, "password": PASSWORD}
        status, data = await self.call("login", "POST", "/login", body)
        if status == 200:
            account.token = data["access_token"]


# --- the server's processes ---------------------------------------------------------------


class ProcessSampler:
    """Samples the memory of a process and its descendants every ``interval`` seconds in a
    thread, keeping each one's peak RSS and peak USS (the pages no other process shares: forked
    workers share much of their parent's), and the tree's CPU time."""

    def __init__(self, pid: int | None, interval: float = 0.2) -> None:
        self.root = psutil.Process(pid) if pid else None
        self.interval = interval
        self.peaks: dict[int, tuple[str, int, int]] = {}  # pid: label, peak RSS, peak USS
        self._cpu: dict[int, float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _tree(self) -> list[psutil.Process]:
        if self.root is None:
            return []
        try:
            return [self.root, *self.root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def _label(self, process: psutil.Process) -> str:
        if self.root is not None and process.pid == self.root.pid:
            return "serve (main)"
        command = " ".join(process.cmdline())
        if "frontdesk.cli worker" in command:
            return "job worker"
        if "serve-live" in command:
            return "live endpoint"
        return "web worker"

    def _sample(self) -> None:
        with self._lock:
            self._sample_tree()

    def _sample_tree(self) -> None:
        for process in self._tree():
            try:
                with process.oneshot():
                    memory = process.memory_full_info()  # rss, and uss: pages of its own
                    times = process.cpu_times()
                    label = self._label(process)
            except psutil.Error:
                continue
            _, rss, uss = self.peaks.get(process.pid, (label, 0, 0))
            self.peaks[process.pid] = (label, max(rss, memory.rss), max(uss, memory.uss))
            self._cpu[process.pid] = times.user + times.system

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def start(self) -> None:
        self._sample()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def cpu_now(self) -> dict[int, float]:
        """CPU seconds each process of the tree has used so far."""
        self._sample()
        return dict(self._cpu)

    def report(
        self, cpu_since: dict[int, float], cpu_until: dict[int, float], seconds: float
    ) -> list[dict[str, Any]]:
        """Each process's peaks, and its CPU use between two ``cpu_now`` (100 = one core)."""
        return [
            {
                "pid": pid,
                "process": label,
                "peak_rss_mb": rss / 2**20,
                "peak_uss_mb": uss / 2**20,
                "cpu_pct": 100 * (cpu_until.get(pid, 0.0) - cpu_since.get(pid, 0.0)) / seconds,
            }
            for pid, (label, rss, uss) in sorted(self.peaks.items())
        ]


class CpuMeter:
    """CPU seconds this (client) process used between start and stop."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.begin = self.end = 0.0

    @staticmethod
    def _now(process: psutil.Process) -> float:
        times = process.cpu_times()
        return float(times.user + times.system)

    def start(self) -> None:
        self.begin = self._now(self.process)

    def stop(self) -> None:
        self.end = self._now(self.process)

    @property
    def seconds(self) -> float:
        return self.end - self.begin


def pin_client(core: int | None) -> None:
    if core is not None:
        os.sched_setaffinity(0, {core})
