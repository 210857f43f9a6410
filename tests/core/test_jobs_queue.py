"""The job queue in a SQLite file (no Redis): its commits wait for no fsync, and it still
keeps what it was given across a reopening."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

from frontdesk.core.jobs import LocalHuey


def test_the_queue_commits_without_waiting_for_the_disk(tmp_path: Path) -> None:
    queue = LocalHuey("frontdesk-test", filename=str(tmp_path / "jobs.sqlite3"))
    connection = queue.storage.conn
    assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert connection.execute("PRAGMA synchronous").fetchone() == (1,)  # NORMAL, not FULL (2)


def test_a_queued_job_outlives_the_process(tmp_path: Path) -> None:
    filename = str(tmp_path / "jobs.sqlite3")
    LocalHuey("frontdesk-test", filename=filename).storage.enqueue(b"job")
    assert LocalHuey("frontdesk-test", filename=filename).storage.dequeue() == b"job"


def test_without_redis_the_settings_choose_it(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    environment["FRONTDESK_DATA_DIR"] = str(tmp_path)
    chosen = subprocess.run(
        [
            sys.executable,
            "-c",
            "from frontdesk import settings; print(settings.HUEY['huey_class'])",
        ],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert chosen == "frontdesk.core.jobs.LocalHuey"
    module, name = chosen.rsplit(".", 1)
    assert getattr(importlib.import_module(module), name) is LocalHuey
