"""The seed's design as a peer for flow.py: a rebuild of the seed's Flask + SQLite server, kept
outside the project, copied into a temporary directory with a virtual environment of its own
(its requirements.txt, from PyPI) and started as its run.sh starts it: gunicorn, sync workers,
``--preload`` (the JWT secret is made at import, so the workers must share it), in the
directory of a fresh data.db, pinned with taskset.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from _server import Account, Server, _show_first_traceback, free_port, wait_ready

DEFAULT_PATH = Path(__file__).resolve().parents[1].parent / "shared" / "peers" / "supportme"
SEED_FILES = ("server.py", "init_db.py", "schema.sql", "requirements.txt", "templates", "tools")


@contextmanager
def peer_install(source: Path) -> Iterator[Path]:
    """A copy of the peer at ``source`` with its own .venv, in a temporary directory removed
    when the block ends. Made once per benchmark: installing takes longer than a round."""
    missing = [name for name in SEED_FILES if not (source / name).exists()]
    if missing:
        sys.exit(f"{source} is not the SupportMe peer (missing: {', '.join(missing)})")
    with tempfile.TemporaryDirectory(prefix="fd-flow-peer-") as temp:
        app = Path(temp) / "supportme"
        app.mkdir()
        for name in SEED_FILES:
            if (source / name).is_dir():
                shutil.copytree(source / name, app / name, copy_function=shutil.copyfile)
            else:
                shutil.copyfile(source / name, app / name)
        _make_writable(app)  # the source is read-only; copytree keeps the folders' modes
        python = shutil.which("python3") or sys.executable
        subprocess.run([python, "-m", "venv", str(app / ".venv")], check=True)
        pip = [str(app / ".venv" / "bin" / "pip"), "install", "-q", "--disable-pip-version-check"]
        print(f"Installing the peer's requirements into {app}/.venv ...", flush=True)
        subprocess.run([*pip, "-r", str(app / "requirements.txt")], check=True)
        yield app


def _make_writable(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


@contextmanager
def peer_served(
    app: Path, *, workers: int = 2, core: int | None = None, close_bug: bool = False
) -> Iterator[Server]:
    """Gunicorn with ``workers`` sync workers on a fresh data.db (the seed's schema and its
    System user) until the block ends. ``close_bug`` keeps the seed's '!close' INSERT with five
    placeholders for four values; by default the peer's optional fix is on (bench/README.md,
    *Side by side*)."""
    python = app / ".venv" / "bin" / "python"
    with tempfile.TemporaryDirectory(prefix="fd-flow-peerdata-") as data_dir:
        database = Path(data_dir) / "data.db"
        subprocess.run(
            [str(python), str(app / "init_db.py"), str(database)], check=True, capture_output=True
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTME_")}
        if not close_bug:
            env["SUPPORTME_FIX_CLOSE_BUG"] = "1"
        port = free_port()
        command = [str(app / ".venv" / "bin" / "gunicorn"), "--preload", "-w", str(workers)]
        command += ["-k", "sync", "-b", f"127.0.0.1:{port}", "--pythonpath", str(app)]
        command += ["--log-level", "warning", "server:app"]
        if core is not None:
            command = ["taskset", "-c", str(core), *command]  # taskset execs: same pid
        log = Path(data_dir) / "server.log"
        with log.open("wb") as out:
            # server.py opens "data.db" relative to its working directory, as in run.sh.
            process = subprocess.Popen(
                command,
                cwd=data_dir,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            base_url = f"http://127.0.0.1:{port}"
            wait_ready(base_url + "/login", process, log, timeout=60)
            promote = partial(peer_promote, app, database)
            yield Server(base_url, env, process.pid, promote=promote)
        finally:
            process.send_signal(signal.SIGTERM)  # gunicorn's master stops its workers
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            _show_first_traceback(log.read_text(errors="replace"))


def peer_promote(app: Path, database: Path, agents: list[Account]) -> None:
    """Make ``agents`` assistants with the peer's own tool (tools/promote.py: the UPDATE of
    the seed's tools/changeAccountType.py, without its prompts). The seed's token carries the
    account type, so the agents must sign in again afterwards."""
    python = str(app / ".venv" / "bin" / "python")
    for account in agents:
        tool = [python, str(app / "tools" / "promote.py"), "--db", str(database)]
        subprocess.run(
            [*tool, str(account.user_id), "2"],
            check=True,
            capture_output=True,
        )
