"""Run a ``frontdesk`` command as a new user would: a process of its own, on the embedded
default (SQLite in ``data``, which may not exist yet)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def frontdesk_on_sqlite(
    data: Path, *args: str, check: bool = False, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``check``: raise if the command fails, as ``subprocess.run`` does."""
    env = {**os.environ, "FRONTDESK_DATA_DIR": str(data)}
    env.pop("DATABASE_URL", None)  # the embedded default: SQLite in the data dir
    return subprocess.run(
        [sys.executable, "-m", "frontdesk.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=check,
    )
