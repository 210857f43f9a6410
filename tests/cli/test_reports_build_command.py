"""``frontdesk reports_build`` as a new user might run it first: on a fresh data dir it
migrates, as ``serve`` and ``demo`` do, and counts nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_reports_build_migrates_a_fresh_data_directory(tmp_path: Path) -> None:
    env = {**os.environ, "FRONTDESK_DATA_DIR": str(tmp_path / "data")}
    env.pop("DATABASE_URL", None)  # the embedded default: SQLite in the data dir
    done = subprocess.run(
        [sys.executable, "-m", "frontdesk.cli", "reports_build"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Counted the reports of 0 days" in done.stdout
